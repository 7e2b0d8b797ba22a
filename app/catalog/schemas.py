"""Marshmallow schemas of the catalogue: <Thing>Schema (response), <Thing>CreateSchema
(body), <Thing>QueryArgsSchema (query). Server-owned fields are dump_only."""
import marshmallow as ma
from marshmallow import validate

from ..access.environments import ENVIRONMENTS
from ..http.api import NoNulSchema, PageArgsSchema, QueryArgsSchema, page_schema
from ..values import identifiers
from . import oots_codes

CODE = validate.Regexp(identifiers.anchored(identifiers.CODE),
                       error="lowercase letters, digits, '-' and '.', at most 80")
AREA_KEY = validate.Regexp(identifiers.anchored(identifiers.AREA_KEY),
                           error="DE or a key of 2, 3, 5, 8 (AGS) or 9 digits")
LEISTUNGSSCHLUESSEL = validate.Regexp(identifiers.anchored(identifiers.LEISTUNGSSCHLUESSEL),
                                      error="14 digits")
AGS = validate.Regexp(identifiers.anchored(identifiers.AGS), error="8 digits")
AGS_OR_ARS = validate.Regexp(identifiers.anchored(f"{identifiers.AGS}|{identifiers.ARS}"),
                            error="an 8-digit AGS or a 12-digit ARS")


class UrlPattern(validate.Regexp):
    """An absolute http(s) URL of RFC 3986 characters (identifiers.HTTP_URL); the pattern
    is the one the OpenAPI document shows. marshmallow's Url let { } | ^ < > " through,
    which break every RDF syntax."""

    def __init__(self, pattern=identifiers.HTTP_URL):
        super().__init__(identifiers.anchored(pattern),
                         error="not an absolute http(s) URL of RFC 3986 characters: %-encode "
                               "spaces, braces, quotes and the like")

    def __call__(self, value):
        if not isinstance(value, str):
            raise ma.ValidationError("a URL string")
        return super().__call__(value)


class HttpsUrlPattern(UrlPattern):
    """Production endpoints are reached over TLS only."""

    def __init__(self):
        super().__init__(identifiers.HTTPS_URL)

    def __call__(self, value):
        if isinstance(value, str) and identifiers.matcher(identifiers.HTTP_URL)(value):
            if not self.regex.match(value):
                raise ma.ValidationError("a production endpoint must use https://")
        return super().__call__(value)


def uri_field(pattern=None, **kwargs):
    return ma.fields.String(validate=[validate.Length(max=2000), pattern or UrlPattern()],
                            **kwargs)


def ENVIRONMENT_FIELD():  # noqa: N802 - a field factory named like the fields it makes
    return ma.fields.String(validate=validate.OneOf(ENVIRONMENTS), metadata={
        "description": "reference, test or production (written: default production, or as "
                       "it is)"})


def text(max_length=1000, **kwargs):
    return ma.fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def coded(**kwargs):
    """A code of an OOTS code list: its form here, membership when written (the lists are
    data: catalog/code_lists.py)."""
    return text(100, **kwargs)


class Strict(NoNulSchema):
    """Base of request bodies: unknown fields and NUL characters are refused."""

    class Meta:
        unknown = ma.RAISE


class Versioned(ma.Schema):
    """Fields every catalogue object carries."""
    status = ma.fields.String(required=True)
    illustrative = ma.fields.Boolean(required=True, metadata={
        "description": "demo entry (regmap seed --demo), not a fact"})
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


def status_filter(*statuses):
    """A `status` filter naming the states the collection has: anything else is a 400 that
    lists them (never an empty page that looks like "none")."""
    return ma.fields.String(validate=validate.OneOf(statuses))


class CatalogQueryArgsSchema(PageArgsSchema):
    status = status_filter("active", "retired")


class PendingChangeSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(("create", "update",
                                                                     "retire")))
    proposed_at = ma.fields.DateTime(required=True)
    proposed_by = ma.fields.String(required=True)
    changes = ma.fields.Dict(allow_none=True)


class ReasonSchema(Strict):
    reason = text(2000, required=True)


# --- organisations -------------------------------------------------------------------------

class ContactSchema(Strict):
    name = text(200)
    email = ma.fields.Email()
    phone = text(50)


class AddressSchema(Strict):
    street = text(200, allow_none=True, metadata={"example": "Schönstedtstraße"})
    number = text(20, allow_none=True, metadata={"example": "5"})
    postcode = text(10, allow_none=True, metadata={"example": "13357"})
    city = text(200, allow_none=True, metadata={"example": "Berlin"})
    full = text(500, allow_none=True, metadata={
        "description": "the whole address in one line; derived from the parts when left out"})
    nuts = ma.fields.String(allow_none=True, validate=validate.Regexp(
        identifiers.anchored(identifiers.NUTS_DE), error="a German NUTS code"), metadata={
        "description": "the NUTS region OOTS answers name for the address; the seat's Land "
                       "when left out", "example": "DEB11"})


class PartyIdSchema(Strict):
    scheme = ma.fields.String(required=True, validate=validate.Regexp(
        identifiers.anchored(oots_codes.EAS_SCHEME), error="an EAS scheme URN"),
        metadata={"example": "urn:cef.eu:names:identifier:EAS:0204"})
    value = text(200, required=True, metadata={"example": "991-01234-56"})


class OrganisationCreateSchema(Strict):
    code = ma.fields.String(validate=CODE, metadata={"description": "derived from the name "
                                                     "when left out"})
    name = text(300, required=True)
    abbreviation = text(50, allow_none=True)
    kind = text(200, required=True, metadata={"example": "Meldebehörde"})
    seat_ags = ma.fields.String(validate=AGS, allow_none=True)
    contact = ma.fields.Nested(ContactSchema, allow_none=True)
    dvdv_key = text(200, allow_none=True)
    name_en = text(300, allow_none=True, metadata={"description": "for EU (OOTS) answers"})
    address = ma.fields.Nested(AddressSchema, allow_none=True)
    edelivery_party_id = ma.fields.Nested(PartyIdSchema, allow_none=True, metadata={
        "description": "how OOTS addresses the organisation (evidence provider or "
                       "Intermediäre Plattform)"})
    edm_versions = ma.fields.List(
        coded(), validate=validate.Length(max=20), metadata={
            "description": "the OOTS EDM versions its eDelivery access point speaks (DSD "
                           "AccessService/ConformsTo; needs edelivery_party_id): codes of "
                           "the edm-versions code list",
            "example": ["oots-edm:v1.2", "oots-edm:v2.0"]})
    status = ma.fields.String(validate=validate.OneOf(("pending", "active", "suspended")))


class OrganisationSchema(Versioned):
    code = ma.fields.String(required=True, metadata={"example": "kba"})
    name = ma.fields.String(required=True)
    abbreviation = ma.fields.String(allow_none=True)
    kind = ma.fields.String(required=True)
    seat_ags = ma.fields.String(allow_none=True)
    seat_name = ma.fields.String(allow_none=True)
    contact = ma.fields.Dict(allow_none=True, metadata={
        "description": "curators, auditors and the organisation itself only"})
    dvdv_key = ma.fields.String(allow_none=True)
    name_en = ma.fields.String(allow_none=True)
    address = ma.fields.Dict(allow_none=True)
    edelivery_party_id = ma.fields.Dict(allow_none=True)
    edm_versions = ma.fields.List(ma.fields.String())


class OrganisationQueryArgsSchema(CatalogQueryArgsSchema):
    status = status_filter("pending", "active", "suspended", "retired")
    name = text(200)
    kind = text(200)


# --- registers -----------------------------------------------------------------------------

class RegisterCreateSchema(Strict):
    code = ma.fields.String(validate=CODE, metadata={"description": "idnrg-N when left out"})
    idnrg_number = ma.fields.Integer(validate=validate.Range(min=1, max=999), allow_none=True)
    name = text(1000, required=True)
    description = text(5000, allow_none=True)
    legal_basis = text(1000, allow_none=True)
    keeping_authority_type = text(300, allow_none=True)
    data_categories = ma.fields.List(text(200), validate=validate.Length(max=100))
    keepers = ma.fields.List(ma.fields.String(validate=CODE), validate=validate.Length(max=100))
    federal_counterparts = ma.fields.List(ma.fields.String(validate=CODE),
                                          validate=validate.Length(max=100))
    status = ma.fields.String(validate=validate.OneOf(("active",)))

    # A new register is named by its code or its number in the IDNrG annex (registers.py).
    OPENAPI_RULES = {"anyOf": [
        {"required": ["code"]},
        {"required": ["idnrg_number"], "properties": {"idnrg_number": {"type": "integer"}}}]}


class RegisterSchema(Versioned):
    code = ma.fields.String(required=True, metadata={"example": "idnrg-15"})
    idnrg_number = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True)
    keeping_authority_type = ma.fields.String(allow_none=True)
    data_categories = ma.fields.List(ma.fields.String())
    keepers = ma.fields.List(ma.fields.String())
    federal_counterparts = ma.fields.List(ma.fields.String())


class RegisterQueryArgsSchema(CatalogQueryArgsSchema):
    name = text(200)
    keeper = ma.fields.String(validate=CODE)


# --- evidence types ------------------------------------------------------------------------

class LocalizedSchema(Strict):
    de = text(2000, allow_none=True)
    en = text(2000, allow_none=True)


class TitleSchema(LocalizedSchema):
    de = text(500, required=True)


class FormatSchema(Strict):
    media_type = text(200, required=True, metadata={"example": "application/xml"})
    schema_uri = uri_field(allow_none=True)


class ClassificationConceptSchema(Strict):
    code = ma.fields.String(validate=CODE, required=True, metadata={
        "description": "how offers and the competence API name the concept",
        "example": "countryresidence"})
    identifier = ma.fields.UUID(required=True, metadata={
        "description": "the concept's identifier in the OOTS Semantic Repository; the "
                       "Data Service Directory's query parameter"})
    type = ma.fields.String(validate=validate.OneOf(oots_codes.CONCEPT_TYPES),
                            load_default="Codelist")
    value_expression = uri_field(required=True)
    description = ma.fields.Nested(LocalizedSchema)
    values = ma.fields.List(text(200), required=True, validate=validate.Length(min=1, max=100),
                            metadata={"description": "the values offers may serve"})


class EvidenceTypeCreateSchema(Strict):
    code = ma.fields.String(validate=CODE, required=True)
    uri = uri_field(metadata={"description": "stable URI; derived when left out"})
    title = ma.fields.Nested(TitleSchema, required=True)
    description = ma.fields.Nested(LocalizedSchema)
    registers = ma.fields.List(ma.fields.String(validate=CODE), validate=validate.Length(max=50))
    formats = ma.fields.List(ma.fields.Nested(FormatSchema), validate=validate.Length(max=50))
    identity_attributes = ma.fields.List(text(200), validate=validate.Length(max=50))
    oots_classification_uri = uri_field(allow_none=True)
    classification_concepts = ma.fields.List(
        ma.fields.Nested(ClassificationConceptSchema), validate=validate.Length(max=10),
        metadata={"description": "what the type's offers may be told apart by (OOTS "
                                 "evidence-provider classification)"})
    status = ma.fields.String(validate=validate.OneOf(("active",)))


class EvidenceTypeSchema(Versioned):
    code = ma.fields.String(required=True, metadata={"example": "meldebescheinigung"})
    uri = ma.fields.String(required=True)
    title = ma.fields.Dict(required=True)
    description = ma.fields.Dict()
    registers = ma.fields.List(ma.fields.String())
    formats = ma.fields.List(ma.fields.Dict())
    identity_attributes = ma.fields.List(ma.fields.String())
    oots_classification_uri = ma.fields.String(allow_none=True)
    classification_concepts = ma.fields.List(ma.fields.Dict())


class EvidenceTypeQueryArgsSchema(CatalogQueryArgsSchema):
    register = ma.fields.String(validate=CODE)


# --- services ------------------------------------------------------------------------------

class RequirementSchema(Strict):
    code = ma.fields.String(validate=CODE)
    name = text(500, required=True)
    description = text(5000, allow_none=True)
    evidence_type_lists = ma.fields.List(
        ma.fields.List(ma.fields.String(validate=CODE), validate=validate.Length(min=1, max=20)),
        required=True, validate=validate.Length(min=1, max=20), metadata={
            "description": "alternatives: any one list suffices; all types in a list are "
                           "needed"})


class ServiceCreateSchema(Strict):
    code = ma.fields.String(validate=CODE, metadata={
        "description": "the Leistungsschlüssel when left out"})
    leistungsschluessel = ma.fields.String(validate=LEISTUNGSSCHLUESSEL, allow_none=True)
    name = ma.fields.Nested(TitleSchema, required=True)
    description = text(5000, allow_none=True)
    requirements = ma.fields.List(ma.fields.Nested(RequirementSchema),
                                  validate=validate.Length(max=50))
    status = ma.fields.String(validate=validate.OneOf(("active",)))

    # A new service is named by its code or its Leistungsschlüssel (services.py).
    OPENAPI_RULES = {"anyOf": [
        {"required": ["code"]},
        {"required": ["leistungsschluessel"],
         "properties": {"leistungsschluessel": {"type": "string"}}}]}


class ServiceSchema(Versioned):
    code = ma.fields.String(required=True, metadata={"example": "99115005104000"})
    leistungsschluessel = ma.fields.String(allow_none=True)
    leistungsschluessel_missing = ma.fields.Boolean(required=True)
    name = ma.fields.Dict(required=True)
    description = ma.fields.String(allow_none=True)
    requirements = ma.fields.List(ma.fields.Dict())


class ServiceQueryArgsSchema(CatalogQueryArgsSchema):
    name = text(200)
    evidence_type = ma.fields.String(validate=CODE)


# --- offers --------------------------------------------------------------------------------

class DistributionSchema(Strict):
    format = coded(required=True, metadata={
        "description": "an OOTS media type (media-types code list)"})
    conforms_to = uri_field(metadata={
        "description": "the data model the distribution conforms to"})
    transformation = uri_field(metadata={
        "description": "a subset of that data model (needs conforms_to)"})
    language = ma.fields.String(validate=validate.Regexp(
        r"^[A-Z]{2}$", error="an ISO 639-1 language code in capitals, e.g. DE"), metadata={
        "description": "the language of the evidence (OOTS TDD 2.0 answers name it)",
        "example": "DE"})

    OPENAPI_RULES = {"anyOf": [{"not": {"required": ["transformation"]}},
                               {"required": ["conforms_to"]}]}

    @ma.validates_schema
    def _transformation_of_a_model(self, data, **kwargs):
        if "transformation" in data and "conforms_to" not in data:
            raise ma.ValidationError("a transformation needs conforms_to", "transformation")


class OfferCreateSchema(Strict):
    provider = ma.fields.String(validate=CODE, metadata={
        "description": "provider admins: their own organisation (the default)"})
    evidence_type = ma.fields.String(validate=CODE, required=True)
    areas = ma.fields.List(ma.fields.String(validate=AREA_KEY), required=True,
                           validate=validate.Length(min=1, max=20000))
    service_id = text(300, required=True, metadata={
        "description": "the provider's public service id the routing service resolves"})
    endpoint_url = uri_field(HttpsUrlPattern(), required=True)
    connection_parameters = ma.fields.Dict(metadata={
        "description": "routing, data managers, admins and the provider only"})
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True, metadata={"description": "exclusive"})
    status = ma.fields.String(validate=validate.OneOf(("active", "pending")))
    environment = ENVIRONMENT_FIELD()
    distributions = ma.fields.List(ma.fields.Nested(DistributionSchema),
                                   validate=validate.Length(max=20), metadata={
        "description": "formats the evidence is delivered in (OOTS); the evidence type's "
                       "formats when left out"})
    level_of_assurance = coded(allow_none=True, metadata={
        "description": "eIDAS level the user must authenticate with (levels-of-assurance "
                       "code list)"})
    jurisdiction_context = ma.fields.String(validate=CODE, allow_none=True, metadata={
        "description": "what the area stands for (e.g. place-of-birth); requests must name "
                       "it", "example": "place-of-birth"})
    classification = ma.fields.Dict(
        keys=ma.fields.String(validate=CODE),
        values=ma.fields.List(text(200), validate=validate.Length(min=1, max=100)),
        validate=validate.Length(max=10), metadata={
            "description": "per classification concept of the evidence type, the values "
                           "this offer serves (none: all)"})
    access_service = ma.fields.String(validate=CODE, allow_none=True, metadata={
        "description": "the organisation (an Intermediäre Plattform, or the provider) "
                       "through which OOTS reaches the offer; it needs an eDelivery party id"})


class OfferSchema(Versioned):
    code = ma.fields.String(required=True)
    provider = ma.fields.String(required=True)
    provider_name = ma.fields.String(required=True)
    evidence_type = ma.fields.String(required=True)
    areas = ma.fields.List(ma.fields.String(), required=True)
    service_id = ma.fields.String(required=True)
    endpoint_url = ma.fields.String(required=True)
    connection_parameters = ma.fields.Dict()
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)
    environment = ma.fields.String(required=True)
    distributions = ma.fields.List(ma.fields.Dict())
    level_of_assurance = ma.fields.String(allow_none=True)
    jurisdiction_context = ma.fields.String(allow_none=True)
    classification = ma.fields.Dict()
    access_service = ma.fields.String(allow_none=True)
    pending_change = ma.fields.Nested(PendingChangeSchema, allow_none=True)


class OfferQueryArgsSchema(CatalogQueryArgsSchema):
    status = status_filter("pending", "active", "rejected", "retired")
    provider = ma.fields.String(validate=CODE)
    evidence_type = ma.fields.String(validate=CODE)
    area = ma.fields.String(validate=AREA_KEY)
    environment = ENVIRONMENT_FIELD()


# --- permissions ---------------------------------------------------------------------------

class PermissionCreateSchema(Strict):
    consumer = ma.fields.String(validate=CODE, metadata={
        "description": "consumer admins: their own organisation (the default)"})
    service = ma.fields.String(validate=CODE, required=True)
    evidence_type = ma.fields.String(validate=CODE, required=True)
    provider = ma.fields.String(validate=CODE, allow_none=True, metadata={
        "description": "empty: from any provider"})
    legal_basis = text(1000, required=True)
    may_use_identification_number = ma.fields.Boolean(required=True)
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)
    status = ma.fields.String(validate=validate.OneOf(("active", "pending")))
    environment = ENVIRONMENT_FIELD()


class PermissionSchema(Versioned):
    code = ma.fields.String(required=True)
    consumer = ma.fields.String(required=True)
    service = ma.fields.String(required=True)
    evidence_type = ma.fields.String(required=True)
    provider = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(required=True)
    may_use_identification_number = ma.fields.Boolean(required=True)
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)
    environment = ma.fields.String(required=True)
    pending_change = ma.fields.Nested(PendingChangeSchema, allow_none=True)


class PermissionQueryArgsSchema(CatalogQueryArgsSchema):
    status = status_filter("pending", "active", "rejected", "retired")
    consumer = ma.fields.String(validate=CODE)
    service = ma.fields.String(validate=CODE)
    evidence_type = ma.fields.String(validate=CODE)
    environment = ENVIRONMENT_FIELD()


OrganisationPageSchema = page_schema(OrganisationSchema, "OrganisationPage")
RegisterPageSchema = page_schema(RegisterSchema, "RegisterPage")
EvidenceTypePageSchema = page_schema(EvidenceTypeSchema, "EvidenceTypePage")
ServicePageSchema = page_schema(ServiceSchema, "ServicePage")
OfferPageSchema = page_schema(OfferSchema, "OfferPage")
PermissionPageSchema = page_schema(PermissionSchema, "PermissionPage")


# --- EU requirements (OOTS Evidence Broker) ------------------------------------------------

class EnglishTitleSchema(LocalizedSchema):
    en = text(500, required=True)


class ReferenceFrameworkSchema(Strict):
    identifier = ma.fields.UUID(required=True, metadata={
        "description": "the framework's identifier in the OOTS Semantic Repository"})
    title = ma.fields.Nested(LocalizedSchema, required=True)
    description = ma.fields.Nested(LocalizedSchema)
    procedure = coded(required=True, metadata={"description": "procedures code list (SDG "
                                                              "Annex II; codes of the 2.0 "
                                                              "list alone are left out of "
                                                              "1.x answers)",
                                           "example": "R1"})
    jurisdiction = ma.fields.String(required=True, validate=validate.Regexp(
        identifiers.anchored(identifiers.FEDERATION_OR_LAND), error="DE or a Land key"),
        metadata={"description": "the area whose law sets the requirement: DE or a Land key "
                                 "(the Evidence Broker answers by Land)", "example": "DE"})


class EvidenceTypeListSchema(Strict):
    identifier = ma.fields.UUID(required=True)
    name = ma.fields.Nested(LocalizedSchema, required=True)
    evidence_types = ma.fields.List(ma.fields.String(validate=CODE), required=True,
                                    validate=validate.Length(min=1, max=50), metadata={
        "description": "all of them together satisfy the requirement"})


class EuRequirementCreateSchema(Strict):
    code = ma.fields.String(validate=CODE, required=True)
    identifier = uri_field(required=True, metadata={
        "description": "the requirement's URI in the OOTS Semantic Repository"})
    name = ma.fields.Nested(EnglishTitleSchema, required=True)
    description = ma.fields.Nested(LocalizedSchema, allow_none=True, metadata={
        "description": "what the requirement asks for (OOTS TDD 2.0 answers carry it)"})
    reference_frameworks = ma.fields.List(ma.fields.Nested(ReferenceFrameworkSchema),
                                          validate=validate.Length(max=50))
    evidence_type_lists = ma.fields.List(ma.fields.Nested(EvidenceTypeListSchema),
                                         validate=validate.Length(max=20), metadata={
        "description": "alternatives: any one list satisfies the requirement"})
    status = ma.fields.String(validate=validate.OneOf(("active",)))


class EuRequirementSchema(Versioned):
    code = ma.fields.String(required=True)
    identifier = ma.fields.String(required=True)
    name = ma.fields.Dict(required=True)
    description = ma.fields.Dict()
    reference_frameworks = ma.fields.List(ma.fields.Dict())
    evidence_type_lists = ma.fields.List(ma.fields.Dict())


class EuRequirementQueryArgsSchema(CatalogQueryArgsSchema):
    procedure = coded()
    evidence_type = ma.fields.String(validate=CODE)


EuRequirementPageSchema = page_schema(EuRequirementSchema, "EuRequirementPage")


# --- OOTS code lists -------------------------------------------------------------------------

class CodeValueSchema(Strict):
    code = ma.fields.String(required=True, validate=[
        validate.Length(min=1, max=100),
        validate.Regexp(r"^[^\s/]([^\s]*[^\s/])?$", error="no spaces, no '/' at either end")],
        metadata={"example": "R2"})
    label = text(500, required=True, metadata={"example": "Requesting a death certificate"})
    source = text(500, metadata={"description": "where the value comes from (default: who "
                                                "added it)"})


class CodeListSchema(ma.Schema):
    list = ma.fields.String(required=True, metadata={"example": "procedures"})
    line = ma.fields.String(required=True, metadata={"description": "the TDD line: 1.x or 2.0"})
    edition = ma.fields.String(allow_none=True, metadata={
        "description": "the edition of the OOTS code list it was shipped from"})
    revision = ma.fields.Integer(required=True, metadata={
        "description": "moves on with every value added or removed (ETag v<revision>)"})
    updated_at = ma.fields.DateTime(required=True)
    description = ma.fields.String(allow_none=True)
    values = ma.fields.List(ma.fields.Nested(CodeValueSchema), required=True)


class CodeListQueryArgsSchema(QueryArgsSchema):
    line = ma.fields.String(validate=validate.OneOf(("1.x", "2.0")))
