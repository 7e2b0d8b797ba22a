"""What the OpenAPI document states beyond what apispec derives from each marshmallow field.

The document promises which requests are well formed; a client (or schemathesis) that sends
only such requests must not meet a 400 or 422 for a rule the document could have stated.
apispec documents each field on its own; this module adds, once the document is built:

- text never holds NUL (PostgreSQL cannot store it): every free string of a request gets
  the pattern NO_NUL;
- a nullable nested object is "null or that object" (apispec's OpenAPI 3.0 output says
  "null or any object");
- a schema's own rules across its fields ("code or idnrg_number", "at least one field"),
  declared next to the fields as `OPENAPI_RULES` on the marshmallow class and merged into
  its component.

What no JSON Schema can state stays in each operation's description: references to codes
that must exist, exactly one of several query parameters, the inside of an uploaded file, a
name that folds to nothing. tests/test_fuzz.py holds the service to that list.
"""
import copy

from marshmallow import class_registry
from marshmallow.exceptions import RegistryError

NO_NUL = r"^[^\u0000]*$"
# Text with something besides white space (and no NUL).
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
_CONSTRAINED = ("pattern", "enum", "format")
_NULL_OR_ANY_OBJECT = {"type": "object", "nullable": True}
_NULL = {"type": "object", "nullable": True, "enum": [None]}


def tightened(spec):
    """A copy of the apispec document `spec` (a dict) with the rules above added."""
    spec = copy.deepcopy(spec)
    components = spec.get("components", {}).get("schemas", {})
    for name, schema in components.items():
        schema.update(_rules_of(name))
    referenced = []
    for path_item in spec.get("paths", {}).values():
        for parameter in path_item.get("parameters", []):
            _forbid_nul(parameter.get("schema"), referenced)
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _forbid_nul(parameter.get("schema"), referenced)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _forbid_nul(media.get("schema"), referenced)
    done = set()
    while referenced:
        name = referenced.pop()
        if name not in done and name in components:
            done.add(name)
            _forbid_nul(components[name], referenced)
    _null_or_that_object(spec)
    return spec


def _rules_of(component):
    """OPENAPI_RULES of the marshmallow class behind a component (flask-smorest names a
    component after its class, without the "Schema" suffix)."""
    try:
        cls = class_registry.get_class(f"{component}Schema")
    except RegistryError:
        return {}
    return copy.deepcopy(getattr(cls, "OPENAPI_RULES", {}))


def _forbid_nul(node, referenced):
    if isinstance(node, list):
        for item in node:
            _forbid_nul(item, referenced)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        referenced.append(ref.rsplit("/", 1)[1])
    if node.get("type") == "string" and not any(k in node for k in _CONSTRAINED):
        node["pattern"] = NO_NUL
    for child in (node.get("properties") or {}).values():
        _forbid_nul(child, referenced)
    for key in ("items", "additionalProperties", "not", "anyOf", "allOf", "oneOf"):
        _forbid_nul(node.get(key), referenced)


def _null_or_that_object(node):
    if isinstance(node, list):
        for item in node:
            _null_or_that_object(item)
    elif isinstance(node, dict):
        variants = node.get("anyOf")
        if isinstance(variants, list) and _NULL_OR_ANY_OBJECT in variants:
            node["anyOf"] = [dict(_NULL) if v == _NULL_OR_ANY_OBJECT else v
                             for v in variants]
        for value in node.values():
            _null_or_that_object(value)
