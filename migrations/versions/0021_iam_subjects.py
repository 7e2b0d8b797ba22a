"""Users from IAM für Behörden: a subject of the identity provider (issuer + sub) acts through
a local user record, created at its first verified token, so that proposals, decisions and
deactivation work for it as for a local user. Such a record has no password and may have no
e-mail address (the subject names it).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE app_user ADD COLUMN iam_issuer text, ADD COLUMN iam_subject text,
        ALTER COLUMN email DROP NOT NULL;
    ALTER TABLE app_user
        ADD CONSTRAINT app_user_iam_subject_unique UNIQUE (iam_issuer, iam_subject),
        ADD CONSTRAINT app_user_iam_subject_whole
            CHECK ((iam_issuer IS NULL) = (iam_subject IS NULL)),
        ADD CONSTRAINT app_user_named CHECK (email IS NOT NULL OR iam_subject IS NOT NULL),
        ADD CONSTRAINT app_user_iam_without_password
            CHECK (iam_subject IS NULL OR password_hash IS NULL);
    """)


def downgrade():
    op.execute("""
    -- Audit entries and proposals refer to these users: they stay, named under the reserved
    -- .invalid domain (RFC 2606), never with an address anyone could own.
    UPDATE app_user SET email = lower(code) || '@iam.invalid' WHERE email IS NULL;
    ALTER TABLE app_user DROP CONSTRAINT app_user_iam_without_password,
        DROP CONSTRAINT app_user_named, DROP CONSTRAINT app_user_iam_subject_whole,
        DROP CONSTRAINT app_user_iam_subject_unique,
        DROP COLUMN iam_issuer, DROP COLUMN iam_subject, ALTER COLUMN email SET NOT NULL;
    """)
