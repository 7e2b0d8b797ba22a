"""The check log: every abstract permission check the Vermittlungsstelle makes
(/permissions/check) with who asked, what was asked, the decision and the deciding
permission. Append-only: rows are never changed, and deleted only by `regmap checks prune`,
which says so for its transaction (regmap.pruning_checks) and is audited.

Codes are stored as asked and the decision as answered, not as references: an entry stays
what it was when the organisation, service or permission it names is renamed or retired.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE permission_check (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        checked_at      timestamptz NOT NULL,
        -- The token that asked (its code, never the token) and its user, as the audit
        -- log names actors.
        token           text,
        asked_by        text NOT NULL,
        request_id      text,
        consumer        text NOT NULL,
        service         text NOT NULL,
        evidence_type   text NOT NULL,
        provider        text,
        at              date NOT NULL,
        allowed         boolean NOT NULL,
        permission      text,
        reason          text NOT NULL
    );
    CREATE INDEX permission_check_time ON permission_check (checked_at);
    CREATE INDEX permission_check_consumer ON permission_check (consumer, checked_at);

    CREATE FUNCTION permission_check_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('regmap.pruning_checks', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the check log is append-only (% refused)', TG_OP;
    END;
    $$;
    CREATE TRIGGER permission_check_append_only
        BEFORE UPDATE OR DELETE ON permission_check
        FOR EACH ROW EXECUTE FUNCTION permission_check_append_only();
    """)


def downgrade():
    op.execute("""
    DROP TABLE permission_check;
    DROP FUNCTION permission_check_append_only();
    """)
