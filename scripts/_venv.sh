# Sourced by the other scripts: make .venv hold this checkout's dependencies.
# Reinstalls only when setup.cfg changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha1sum "$ROOT/setup.cfg" | cut -c1-12)${EXTRAS:+-$EXTRAS}"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # The embedded PostgreSQL always: the two-command start and the tests need it.
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[embedded${EXTRAS:+,$EXTRAS}]"
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
