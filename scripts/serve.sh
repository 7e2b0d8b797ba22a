#!/usr/bin/env bash
# Install into .venv, migrate, seed the catalogue (with the demo entries) and serve the API
# at http://127.0.0.1:8080. Without DATABASE_URL an embedded PostgreSQL keeps its data in var/.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
regmap db upgrade
regmap seed --demo
# The search index builds itself when missing; building it here spares the first searches
# their 503s.
[ -e "${SEARCH_INDEX_DIR:-${VAR_DIR:-$ROOT/var}/search}/current" ] || regmap search reindex
exec regmap serve --bind "${BIND:-127.0.0.1:8080}" --workers "${WORKERS:-4}"
