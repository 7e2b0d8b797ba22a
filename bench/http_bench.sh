#!/usr/bin/env bash
# HTTP benchmark: GET /api/v1/municipalities/{ags} under gunicorn, next to a bare Flask
# "hello" endpoint served with the same gunicorn settings, measured in the same run with wrk.
#   bench/http_bench.sh            (needs wrk: apt-get install wrk; a seeded DATABASE_URL,
#                                   else the embedded database of ./scripts/serve.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

WORKERS="${WORKERS:-2}" THREADS="${THREADS:-4}" CONNECTIONS="${CONNECTIONS:-8}"
DURATION="${DURATION:-15s}"
export DATABASE_URL="${DATABASE_URL:-$(python -c 'from app.config import Config; from app.db.pool import resolve_database_url; print(resolve_database_url(Config.from_env()))')}"
regmap db upgrade >/dev/null 2>&1
regmap seed >/dev/null 2>&1
python - <<'PY' > bench/ags_sample.txt
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
    for (ags,) in conn.execute("SELECT key FROM area WHERE level = 'municipality' "
                               "ORDER BY md5(key) LIMIT 1000"):
        print(ags)
PY

serve() {  # app module, port
  GUNICORN_THREADS=$THREADS gunicorn --config python:app.gunicorn_conf --workers "$WORKERS" \
    --bind "127.0.0.1:$2" --access-logfile /dev/null --log-level warning "$1" &
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$2$3" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "server on $2 did not start" >&2; exit 1
}
serve bench.hello_app:app 18081 /hello; HELLO=$!
serve app.wsgi:app 18082 /api/v1/municipalities/09162000; REGMAP=$!
trap 'kill $HELLO $REGMAP 2>/dev/null' EXIT

echo "gunicorn: $WORKERS workers x $THREADS threads (gthread); wrk: 2 threads, $CONNECTIONS connections, $DURATION"
echo "--- bare Flask hello"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency http://127.0.0.1:18081/hello | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "--- GET /api/v1/municipalities/{ags} (1000 AGS in rotation)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/municipalities.lua http://127.0.0.1:18082 | grep -E "Requests/sec|50%|99%|Non-2xx"
