"""Catalogue, governance, audit and change feed.

Organisations, registers, evidence types, services (Leistungen) with requirements, offers
(Nachweisangebote) with their areas, abstract permissions; users, tokens, self-service
registrations, proposals awaiting review; the append-only audit log and the commit-ordered
change feed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE DOMAIN code_slug AS text CHECK (VALUE ~ '^[a-z0-9][a-z0-9.-]{0,79}$');

    CREATE TABLE organisation (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        abbreviation    text,
        kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
        seat_ags        text REFERENCES area (key),
        contact         jsonb,
        dvdv_key        text,
        status          text NOT NULL
                        CHECK (status IN ('pending', 'active', 'suspended', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE app_user (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        email           text NOT NULL UNIQUE CHECK (email = lower(email)),
        name            text,
        role            text NOT NULL CHECK (role IN ('provider_admin', 'consumer_admin',
                            'routing', 'data_manager', 'auditor', 'admin')),
        organisation_id bigint REFERENCES organisation (id),
        status          text NOT NULL CHECK (status IN ('pending', 'active', 'deactivated')),
        -- argon2; never leaves the service, never in audit or logs.
        password_hash   text,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT app_user_scoped_roles_have_an_organisation CHECK (
            (role IN ('provider_admin', 'consumer_admin')) = (organisation_id IS NOT NULL))
    );

    CREATE TABLE api_token (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        user_id         bigint NOT NULL REFERENCES app_user (id),
        name            text,
        -- SHA-256 of the token; the token itself is shown once and never stored.
        token_hash      text NOT NULL UNIQUE,
        created_at      timestamptz NOT NULL DEFAULT now(),
        created_by      bigint REFERENCES app_user (id),
        expires_at      timestamptz NOT NULL,
        revoked_at      timestamptz
    );
    CREATE INDEX api_token_user ON api_token (user_id);

    CREATE TABLE registration (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        claim_secret_hash text NOT NULL,
        organisation_id bigint NOT NULL REFERENCES organisation (id),
        user_id         bigint NOT NULL REFERENCES app_user (id),
        status          text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',
                                                        'withdrawn')),
        reason          text,
        decided_by      bigint REFERENCES app_user (id),
        decided_at      timestamptz,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE register (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        idnrg_number    integer UNIQUE CHECK (idnrg_number BETWEEN 1 AND 999),
        name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 1000),
        description     text,
        legal_basis     text,
        keeping_authority_type text,
        data_categories text[] NOT NULL DEFAULT '{}',
        status          text NOT NULL CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );

    -- Who keeps a register, and which federal actor speaks for it (NOOTS status report 2025).
    CREATE TABLE register_organisation (
        register_id     bigint NOT NULL REFERENCES register (id),
        organisation_id bigint NOT NULL REFERENCES organisation (id),
        relation        text NOT NULL CHECK (relation IN ('keeper', 'federal_counterpart')),
        PRIMARY KEY (register_id, organisation_id, relation)
    );
    CREATE INDEX register_organisation_org ON register_organisation (organisation_id);

    CREATE TABLE evidence_type (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        uri             text NOT NULL UNIQUE,
        title_de        text NOT NULL,
        title_en        text,
        description_de  text,
        description_en  text,
        formats         jsonb NOT NULL DEFAULT '[]',
        identity_attributes text[] NOT NULL DEFAULT '{}',
        oots_classification_uri text,
        status          text NOT NULL CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE evidence_type_register (
        evidence_type_id bigint NOT NULL REFERENCES evidence_type (id),
        register_id     bigint NOT NULL REFERENCES register (id),
        PRIMARY KEY (evidence_type_id, register_id)
    );

    CREATE TABLE service (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        -- FIM/LeiKa key, only where verified.
        leistungsschluessel text UNIQUE CHECK (leistungsschluessel ~ '^[0-9]{14}$'),
        name_de         text NOT NULL,
        name_en         text,
        description     text,
        status          text NOT NULL CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );

    -- CCCEV: a requirement is met by any one of its evidence type lists; every type within
    -- a list is needed.
    CREATE TABLE service_requirement (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        service_id      bigint NOT NULL REFERENCES service (id) ON DELETE CASCADE,
        position        integer NOT NULL,
        code            code_slug NOT NULL,
        name            text NOT NULL,
        description     text,
        UNIQUE (service_id, position),
        UNIQUE (service_id, code)
    );
    CREATE TABLE requirement_evidence_list (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        requirement_id  bigint NOT NULL REFERENCES service_requirement (id) ON DELETE CASCADE,
        position        integer NOT NULL,
        UNIQUE (requirement_id, position)
    );
    CREATE TABLE requirement_evidence_item (
        list_id         bigint NOT NULL REFERENCES requirement_evidence_list (id)
                        ON DELETE CASCADE,
        evidence_type_id bigint NOT NULL REFERENCES evidence_type (id),
        position        integer NOT NULL,
        PRIMARY KEY (list_id, evidence_type_id)
    );
    CREATE INDEX requirement_evidence_item_type ON requirement_evidence_item (evidence_type_id);

    CREATE TABLE offer (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        provider_id     bigint NOT NULL REFERENCES organisation (id),
        evidence_type_id bigint NOT NULL REFERENCES evidence_type (id),
        service_id      text NOT NULL,
        endpoint_url    text NOT NULL,
        connection_parameters jsonb NOT NULL DEFAULT '{}',
        valid_from      date,
        valid_to        date,
        status          text NOT NULL CHECK (status IN ('pending', 'active', 'rejected',
                                                        'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT offer_validity_ordered CHECK (
            valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
    );
    CREATE INDEX offer_provider ON offer (provider_id);
    CREATE INDEX offer_evidence_type ON offer (evidence_type_id, status);

    CREATE TABLE offer_area (
        offer_id        bigint NOT NULL REFERENCES offer (id) ON DELETE CASCADE,
        area_key        text NOT NULL REFERENCES area (key),
        PRIMARY KEY (offer_id, area_key)
    );
    CREATE INDEX offer_area_key ON offer_area (area_key, offer_id);

    CREATE TABLE permission (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        consumer_id     bigint NOT NULL REFERENCES organisation (id),
        service_id      bigint NOT NULL REFERENCES service (id),
        evidence_type_id bigint NOT NULL REFERENCES evidence_type (id),
        provider_id     bigint REFERENCES organisation (id),
        legal_basis     text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 1000),
        may_use_identification_number boolean NOT NULL,
        valid_from      date,
        valid_to        date,
        status          text NOT NULL CHECK (status IN ('pending', 'active', 'rejected',
                                                        'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT permission_validity_ordered CHECK (
            valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
    );
    CREATE INDEX permission_lookup ON permission (consumer_id, service_id, evidence_type_id);

    -- What provider and consumer admins propose, until a data manager decides. A new object
    -- is proposed as a row with status 'pending'; an edit of an active one waits here
    -- (payload) while routing keeps seeing the active version.
    CREATE TABLE proposal (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        collection      text NOT NULL CHECK (collection IN ('offers', 'permissions')),
        object_id       bigint NOT NULL,
        kind            text NOT NULL CHECK (kind IN ('create', 'update', 'retire')),
        payload         jsonb,
        base_version    integer NOT NULL,
        proposed_by     bigint NOT NULL REFERENCES app_user (id),
        proposed_at     timestamptz NOT NULL DEFAULT now(),
        status          text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',
                                                        'superseded')),
        decided_by      bigint REFERENCES app_user (id),
        decided_at      timestamptz,
        reason          text
    );
    CREATE UNIQUE INDEX proposal_one_pending_per_object ON proposal (collection, object_id)
        WHERE status = 'pending';

    -- Append-only: written in the same transaction as the change it records.
    CREATE TABLE audit_log (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at              timestamptz NOT NULL DEFAULT now(),
        txid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
        actor_user_id   bigint REFERENCES app_user (id),
        actor           text NOT NULL,
        action          text NOT NULL,
        collection      text NOT NULL,
        object_code     text NOT NULL,
        object_version  integer,
        before          jsonb,
        after           jsonb,
        reason          text,
        request_id      text
    );
    CREATE INDEX audit_log_object ON audit_log (collection, object_code, id);
    CREATE INDEX audit_log_actor ON audit_log (actor, id);
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE INDEX audit_log_txid ON audit_log (txid);

    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
    END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

    -- The change feed. Positions come from a one-row counter that each writing transaction
    -- locks just before it commits, so positions follow commit order: a reader that has seen
    -- position n will never later find a smaller one appear.
    CREATE TABLE change_counter (
        only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        position        bigint NOT NULL
    );
    INSERT INTO change_counter (position) VALUES (0);
    CREATE TABLE change_feed (
        position        bigint PRIMARY KEY,
        audit_id        bigint NOT NULL UNIQUE REFERENCES audit_log (id)
    );
    """)


def downgrade():
    op.execute("""
    DROP TABLE change_feed;
    DROP TABLE change_counter;
    DROP TABLE audit_log;
    DROP FUNCTION audit_log_is_append_only();
    DROP TABLE proposal;
    DROP TABLE permission;
    DROP TABLE offer_area;
    DROP TABLE offer;
    DROP TABLE requirement_evidence_item;
    DROP TABLE requirement_evidence_list;
    DROP TABLE service_requirement;
    DROP TABLE service;
    DROP TABLE evidence_type_register;
    DROP TABLE evidence_type;
    DROP TABLE register_organisation;
    DROP TABLE register;
    DROP TABLE registration;
    DROP TABLE api_token;
    DROP TABLE app_user;
    DROP TABLE organisation;
    DROP DOMAIN code_slug;
    """)
