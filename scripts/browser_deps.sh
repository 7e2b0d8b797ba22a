#!/usr/bin/env bash
# Sourced by test.sh: what the browser tests (tests/e2e) need beside the Python packages —
# Debian's chromium (Playwright may not download browsers here) and axe-core from npm — and
# oidc-provider from npm, the real OpenID provider of the IAM-B tests (tests/iam.py).
# Installs what is missing; where that is impossible it says why in REGMAP_E2E_UNAVAILABLE,
# and the browser tests skip loudly with that reason. Never fails the test command itself.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"
mkdir -p "$ROOT/var"
unavailable=""

if ! command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt=(apt-get)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt=(sudo -n apt-get)
  else
    apt=()
  fi
  if [ ${#apt[@]} -gt 0 ]; then
    echo "== installing Debian's chromium for the browser tests (log: var/apt-chromium.log) =="
    { DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends chromium \
      || { "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y \
           --no-install-recommends chromium; }; } >"$ROOT/var/apt-chromium.log" 2>&1 || true
  fi
  command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 \
    || unavailable="chromium is not installed and could not be installed (no root/apt: see var/apt-chromium.log)"
fi

if [ ! -f "$E2E/node_modules/axe-core/axe.min.js" ] \
   || [ ! -f "$E2E/node_modules/oidc-provider/package.json" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "== installing axe-core and oidc-provider from npm for the browser and IAM-B tests =="
    npm ci --prefix "$E2E" --no-audit --no-fund --loglevel=error >"$ROOT/var/npm-e2e.log" 2>&1 \
      || unavailable="npm ci in tests/e2e failed (see var/npm-e2e.log)"
  else
    unavailable="npm is not installed: axe-core and oidc-provider cannot be installed"
  fi
fi

if [ -n "$unavailable" ]; then
  export REGMAP_E2E_UNAVAILABLE="$unavailable"
  echo "!! BROWSER TESTS WILL BE SKIPPED: $unavailable" >&2
fi
