import marshmallow as ma


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


class ReadinessSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ready"})
    database = ma.fields.String(required=True)
    reads_from = ma.fields.String(metadata={
        "description": "where reads are served from now: primary or replica"})
    writes = ma.fields.String(metadata={
        "description": "ok, or unavailable while the primary does not answer (reads from a "
                       "replica go on; writes answer 503 with Retry-After)"})
    migration = ma.fields.String(allow_none=True)
    expected_migration = ma.fields.String(allow_none=True)
    iam = ma.fields.Nested(lambda: IamReadinessSchema(), metadata={
        "description": "only with IAM_ISSUER: whether IAM-B tokens can be verified now"})


class IamReadinessSchema(ma.Schema):
    issuer = ma.fields.String(required=True)
    keys = ma.fields.String(required=True, metadata={
        "description": "fresh; cached (the issuer cannot be reached, its last keys are used "
                       "for usable_for_seconds more); unavailable (IAM-B tokens answer 503)"})
    key_count = ma.fields.Integer(required=True)
    usable_for_seconds = ma.fields.Integer(required=True)
    issuer_error = ma.fields.String(allow_none=True, metadata={
        "description": "why the last fetch of the issuer's keys failed"})


class JwkSetSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "public JWKs (RFC 7517) with kid (RFC 7638 thumbprint), use sig and "
                       "alg EdDSA or ES256; the first signs, the others verify older answers"})
