"""The database: connection pool and lanes, stall guard, embedded PostgreSQL, migrations."""
