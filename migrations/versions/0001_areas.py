"""Reference areas (Land .. municipality, one hierarchy), postcodes and successions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE area (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- 'DE', Land (2), Regierungsbezirk (3), Kreis (5), municipality = AGS (8),
        -- Gemeindeverband (9, ARS prefix). The length alone tells the level.
        key             text NOT NULL UNIQUE,
        level           text NOT NULL,
        -- 12-digit ARS, municipalities only.
        ars             text UNIQUE,
        name            text NOT NULL,
        -- fold(name) computed by app.folding, the one folding function of SQL and search.
        name_folded     text NOT NULL,
        area_type       text,
        area_type_code  text,
        seat            text,
        parent_key      text REFERENCES area (key) DEFERRABLE INITIALLY DEFERRED,
        population      integer,
        area_ha         integer,
        plz_seat        text,
        plz_several     boolean,
        -- What the reference source says: 'current' or 'retired'. Owned by `regmap seed`.
        source_status   text NOT NULL DEFAULT 'current',
        source          text NOT NULL,
        -- Last reference date the key was seen current, and the date by which it had
        -- retired, when the exact retirement date is unknown.
        last_seen       date,
        retired_by      date,
        -- Validity recorded by people (successions); half-open [valid_from, valid_to).
        valid_from      date,
        valid_to        date,
        version         integer NOT NULL DEFAULT 1,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT area_level_known CHECK (level IN
            ('federation', 'land', 'regierungsbezirk', 'kreis', 'gemeindeverband',
             'municipality')),
        CONSTRAINT area_key_matches_level CHECK (
            (level = 'federation' AND key = 'DE')
            OR (level = 'land' AND key ~ '^[0-9]{2}$')
            OR (level = 'regierungsbezirk' AND key ~ '^[0-9]{3}$')
            OR (level = 'kreis' AND key ~ '^[0-9]{5}$')
            OR (level = 'municipality' AND key ~ '^[0-9]{8}$')
            OR (level = 'gemeindeverband' AND key ~ '^[0-9]{9}$')),
        CONSTRAINT area_ars_only_for_municipalities CHECK (
            ars IS NULL OR (level = 'municipality' AND ars ~ '^[0-9]{12}$')),
        CONSTRAINT area_source_status_known CHECK (source_status IN ('current', 'retired')),
        CONSTRAINT area_validity_ordered CHECK (
            valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
    );
    CREATE INDEX area_parent_key ON area (parent_key);
    CREATE INDEX area_level_key ON area (level, key);
    CREATE INDEX area_name_folded ON area (name_folded text_pattern_ops);

    -- An ARS a municipality no longer has (its Verband part changed); the AGS is the same.
    CREATE TABLE former_ars (
        ars             text PRIMARY KEY CHECK (ars ~ '^[0-9]{12}$'),
        ags             text NOT NULL REFERENCES area (key),
        retired_by      date,
        source          text NOT NULL
    );
    CREATE INDEX former_ars_ags ON former_ars (ags);

    -- Successions are recorded by people (`regmap areas succession add`), never guessed.
    CREATE TABLE area_succession (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        predecessor_key text NOT NULL UNIQUE REFERENCES area (key),
        successor_key   text NOT NULL REFERENCES area (key),
        effective_on    date NOT NULL,
        recorded_by     text NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT area_succession_not_self CHECK (predecessor_key <> successor_key)
    );
    CREATE INDEX area_succession_successor ON area_succession (successor_key);

    -- PLZ is not an area key: n:m between postcodes and municipalities.
    CREATE TABLE postcode_area (
        plz             text NOT NULL CHECK (plz ~ '^[0-9]{5}$'),
        ags             text NOT NULL REFERENCES area (key),
        place_name      text NOT NULL,
        place_folded    text NOT NULL,
        osm_id          bigint,
        source_status   text NOT NULL DEFAULT 'current'
                        CHECK (source_status IN ('current', 'retired')),
        source          text NOT NULL,
        version         integer NOT NULL DEFAULT 1,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plz, ags)
    );
    CREATE INDEX postcode_area_ags ON postcode_area (ags);
    """)


def downgrade():
    op.execute("""
    DROP TABLE postcode_area;
    DROP TABLE area_succession;
    DROP TABLE former_ars;
    DROP TABLE area;
    """)
