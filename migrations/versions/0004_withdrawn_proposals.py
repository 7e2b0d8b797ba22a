"""Registrations are reviewed through proposals like catalogue objects; an offer or
permission retired before it starts keeps an empty validity (it closes at its start); and
proposals can be withdrawn: a proposal whose object is retired while it waits (the owner
withdraws a pending offer, a data manager retires the object) is closed, so it leaves the
review queue and can no longer be approved into force. Proposals left pending on retired or
rejected objects by earlier versions are closed the same way.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE proposal DROP CONSTRAINT proposal_status_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_status_check
        CHECK (status IN ('pending', 'approved', 'rejected', 'superseded', 'withdrawn'));
    ALTER TABLE proposal DROP CONSTRAINT proposal_collection_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_collection_check
        CHECK (collection IN ('offers', 'permissions', 'registrations'));
    -- Registrations waiting for review get the proposal the review mechanism decides on.
    INSERT INTO proposal (collection, object_id, kind, base_version, proposed_by, proposed_at,
                          status)
    SELECT 'registrations', r.id, 'create', r.version, r.user_id, r.updated_at, 'pending'
    FROM registration r WHERE r.status = 'pending';
    ALTER TABLE offer DROP CONSTRAINT offer_validity_ordered;
    ALTER TABLE offer ADD CONSTRAINT offer_validity_ordered CHECK (
        valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to
        OR (status = 'retired' AND valid_from = valid_to));
    ALTER TABLE permission DROP CONSTRAINT permission_validity_ordered;
    ALTER TABLE permission ADD CONSTRAINT permission_validity_ordered CHECK (
        valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to
        OR (status = 'retired' AND valid_from = valid_to));
    UPDATE proposal p SET status = 'withdrawn', decided_at = now()
    FROM offer o
    WHERE p.collection = 'offers' AND o.id = p.object_id AND p.status = 'pending'
      AND o.status IN ('retired', 'rejected');
    UPDATE proposal p SET status = 'withdrawn', decided_at = now()
    FROM permission t
    WHERE p.collection = 'permissions' AND t.id = p.object_id AND p.status = 'pending'
      AND t.status IN ('retired', 'rejected');
    """)


def downgrade():
    op.execute("""
    UPDATE offer SET valid_to = valid_from + 1 WHERE valid_from = valid_to;
    ALTER TABLE offer DROP CONSTRAINT offer_validity_ordered;
    ALTER TABLE offer ADD CONSTRAINT offer_validity_ordered CHECK (
        valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to);
    UPDATE permission SET valid_to = valid_from + 1 WHERE valid_from = valid_to;
    ALTER TABLE permission DROP CONSTRAINT permission_validity_ordered;
    ALTER TABLE permission ADD CONSTRAINT permission_validity_ordered CHECK (
        valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to);
    DELETE FROM proposal WHERE collection = 'registrations';
    ALTER TABLE proposal DROP CONSTRAINT proposal_collection_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_collection_check
        CHECK (collection IN ('offers', 'permissions'));
    UPDATE proposal SET status = 'superseded' WHERE status = 'withdrawn';
    ALTER TABLE proposal DROP CONSTRAINT proposal_status_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_status_check
        CHECK (status IN ('pending', 'approved', 'rejected', 'superseded'));
    """)
