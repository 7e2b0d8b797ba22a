#!/usr/bin/env bash
# Install into .venv (with the test extras) and run the whole test suite on real PostgreSQL:
# TEST_DATABASE_URL when set, else an embedded server. Installs Debian's chromium and axe-core
# for the browser tests when they are missing. Arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" test
source "$(dirname "$0")/browser_deps.sh"
cd "$ROOT"
exec python -m pytest "$@"
