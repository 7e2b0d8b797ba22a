#!/usr/bin/env bash
# Install into .venv (with the test extras) and run the whole test suite on real PostgreSQL:
# TEST_DATABASE_URL when set, else an embedded server. Arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" test
cd "$ROOT"
exec python -m pytest "$@"
