"""Browser sessions of the web pages.

The cookie holds a random session id; only its SHA-256 is stored (like API tokens), so a
copy of this table signs nobody in. Signing out deletes the row; deactivating a user ends
its sessions through the join on app_user.status at every request.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE web_session (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_hash    text NOT NULL UNIQUE,
        user_id         bigint NOT NULL REFERENCES app_user (id),
        -- Bound to the session: forms of a signed-in user carry it (CSRF).
        csrf_token      text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        expires_at      timestamptz NOT NULL
    );
    CREATE INDEX web_session_user ON web_session (user_id);
    CREATE INDEX web_session_expires ON web_session (expires_at);
    """)


def downgrade():
    op.execute("DROP TABLE web_session;")
