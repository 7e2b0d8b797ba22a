"""A curated layer over the shipped postcode table: data managers add and remove
postcode-municipality pairs and place names (Ortsteile), reviewed by a second data manager
(four-eyes, through the proposals every reviewed kind uses). The seed never touches these
rows: they survive every re-seed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE postcode_curation (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            text NOT NULL UNIQUE,
        plz             text NOT NULL CHECK (plz ~ '^[0-9]{5}$'),
        ags             text NOT NULL REFERENCES area (key),
        -- An Ortsteil the postcode carries; NULL: the pair as a whole.
        place_name      text,
        place_folded    text,
        change          text NOT NULL CHECK (change IN ('add', 'remove')),
        status          text NOT NULL
                        CHECK (status IN ('pending', 'active', 'rejected', 'withdrawn')),
        -- Why (and from which source) the pair is added or removed.
        reason          text NOT NULL,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT postcode_curation_place_folded CHECK (
            (place_name IS NULL) = (place_folded IS NULL))
    );
    -- One pending or active curation per pair, place and change.
    CREATE UNIQUE INDEX postcode_curation_open ON postcode_curation
        (plz, ags, COALESCE(place_folded, ''), change) WHERE status IN ('pending', 'active');
    CREATE INDEX postcode_curation_plz ON postcode_curation (plz);

    ALTER TABLE proposal DROP CONSTRAINT proposal_collection_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_collection_check
        CHECK (collection IN ('offers', 'permissions', 'registrations', 'postcodes'));
    """)


def downgrade():
    op.execute("""
    DELETE FROM proposal WHERE collection = 'postcodes';
    ALTER TABLE proposal DROP CONSTRAINT proposal_collection_check;
    ALTER TABLE proposal ADD CONSTRAINT proposal_collection_check
        CHECK (collection IN ('offers', 'permissions', 'registrations'));
    DROP TABLE postcode_curation;
    """)
