"""What the EU Once-Only Technical System asks of the catalogue.

- `area.nuts`: the NUTS 2016 code of every Land (NUTS 1), Regierungsbezirk (NUTS 2) and Kreis
  (NUTS 3), loaded by the seed from the shipped correspondence table.
- `jurisdiction_context`: the OOTS jurisdiction contexts (place of birth, place of the
  education organisation, …), a shipped code list with their Semantic Repository ids.
- organisations: an English name, a postal address and the eDelivery party identifier under
  which OOTS addresses them (evidence providers and Intermediäre Plattformen alike).
- evidence types: the provider-classification concepts their offers may be told apart by.
- offers: distributions, level of assurance, the jurisdiction context that decides
  competence, classification values, and the access service (an Intermediäre Plattform or
  the provider itself) that serves the offer to OOTS.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE area ADD COLUMN nuts text UNIQUE
        CONSTRAINT area_nuts_format CHECK (nuts ~ '^DE[0-9A-Z]{1,3}$');

    CREATE TABLE jurisdiction_context (
        code            code_slug PRIMARY KEY,
        oots_id         uuid NOT NULL UNIQUE,
        label_en        text NOT NULL,
        label_de        text NOT NULL,
        source          text NOT NULL
    );

    ALTER TABLE organisation
        ADD COLUMN name_en text CHECK (length(name_en) BETWEEN 1 AND 300),
        ADD COLUMN address jsonb,
        ADD COLUMN edelivery_party_id jsonb;
    CREATE UNIQUE INDEX organisation_edelivery_party_id ON organisation
        ((edelivery_party_id->>'scheme'), (edelivery_party_id->>'value'))
        WHERE edelivery_party_id IS NOT NULL;

    ALTER TABLE evidence_type
        ADD COLUMN classification_concepts jsonb NOT NULL DEFAULT '[]';
    CREATE UNIQUE INDEX evidence_type_oots_classification ON evidence_type
        (oots_classification_uri) WHERE oots_classification_uri IS NOT NULL
                                    AND status = 'active';

    ALTER TABLE offer
        ADD COLUMN distributions jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN level_of_assurance text
            CHECK (level_of_assurance IN ('Low', 'Substantial', 'High')),
        ADD COLUMN jurisdiction_context text REFERENCES jurisdiction_context (code),
        ADD COLUMN classification jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN access_service_id bigint REFERENCES organisation (id);
    CREATE INDEX offer_access_service ON offer (access_service_id)
        WHERE access_service_id IS NOT NULL;
    """)


def downgrade():
    op.execute("""
    DROP INDEX offer_access_service;
    ALTER TABLE offer DROP COLUMN access_service_id, DROP COLUMN classification,
        DROP COLUMN jurisdiction_context, DROP COLUMN level_of_assurance,
        DROP COLUMN distributions;
    DROP INDEX evidence_type_oots_classification;
    ALTER TABLE evidence_type DROP COLUMN classification_concepts;
    DROP INDEX organisation_edelivery_party_id;
    ALTER TABLE organisation DROP COLUMN edelivery_party_id, DROP COLUMN address,
        DROP COLUMN name_en;
    DROP TABLE jurisdiction_context;
    ALTER TABLE area DROP COLUMN nuts;
    """)
