#!/bin/sh
# A hot-standby streaming replica of `primary`: cloned once with pg_basebackup (-R writes the
# standby settings), then started; later starts reuse the clone and catch up from the WAL.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/18/docker}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h primary -U replicator -d postgres; do sleep 1; done
  pg_basebackup -h primary -U replicator -D "$PGDATA" -R -X stream --checkpoint=fast
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
