"""The Evidence Broker's two queries for the German catalogue:

- `urn:fdc:oots:eb:ebxml-regrep:queries:requirements-by-procedure-and-jurisdiction`: the EU
  requirements of a procedure (Procedures code list) whose legal framework applies in the
  jurisdiction asked about;
- `urn:fdc:oots:eb:ebxml-regrep:queries:evidence-types-by-requirement-and-jurisdiction`: the
  lists of German evidence types (active, with an OOTS classification) that satisfy a
  requirement.

Answers come from the EU requirements of the catalogue (catalog/eu_requirements.py). A
framework's jurisdiction is DE or a Land (NUTS 1); it applies to a jurisdiction asked about
at or below it.

TDD 2.0 asks differently (the Commission's query interface, oots-france `carte_des_tdd.md`):
the requirements query takes `procedure-id`, `country-code` and `return-incomplete`, all
optional (none: the whole German catalogue); the evidence-types query `requirement-id` and an
optional `country-code`; neither takes the 1.x jurisdiction levels. `return-incomplete=true`
also returns requirements no German evidence type the EU can name satisfies yet (regmap's
reading of "incomplete"; by default they are left out, as a requester can do nothing with
them)."""
import uuid

from ..catalog import code_lists, oots_codes
from ..values import identifiers
from ..values.dates import berlin_today
from . import queries, versions
from .errors import RegRepException

REQUIREMENTS_QUERY = \
    "urn:fdc:oots:eb:ebxml-regrep:queries:requirements-by-procedure-and-jurisdiction"
EVIDENCE_TYPES_QUERY = \
    "urn:fdc:oots:eb:ebxml-regrep:queries:evidence-types-by-requirement-and-jurisdiction"
_JURISDICTION = ("country-code", "jurisdiction-admin-l2", "jurisdiction-admin-l3")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regmap.example/oots/eb")
_IS_AGS = identifiers.matcher(identifiers.AGS)
_IS_NUTS = identifiers.matcher(identifiers.NUTS_DE)


def requirements(conn, args, *, illustrative, version=versions.V1, repository=None):
    procedures = code_lists.of_line(conn, version)["procedures"]
    if version == versions.V2:
        return _requirements_2_0(conn, args, illustrative, procedures)
    args = _single(args, ("procedure-id", *_JURISDICTION),
                   required=("procedure-id", "country-code"))
    if args["procedure-id"] not in procedures:
        raise RegRepException("EB:ERR:0005", "procedure-id")
    keys = _jurisdiction(conn, args)
    found = []
    for row in queries.eu_requirements(conn, procedure=args["procedure-id"],
                                       illustrative=illustrative):
        frameworks = _frameworks(conn, row, keys, args["procedure-id"], procedures)
        if frameworks:
            found.append(_document(row, frameworks))
    if not found:
        raise RegRepException("EB:ERR:0001", "no requirement of this procedure applies in "
                                             "the jurisdiction given")
    return found


def evidence_types(conn, args, *, illustrative, version=versions.V1, repository=None):
    if version == versions.V2:
        args = _single(args, ("requirement-id", "country-code"), required=("requirement-id",))
        identifier = versions.from_2_0(args["requirement-id"], repository)
        keys = _country_2_0(args)
    else:
        args = _single(args, ("requirement-id", *_JURISDICTION),
                       required=("requirement-id", "country-code"))
        identifier = args["requirement-id"]
    row = queries.eu_requirement_by_identifier(conn, identifier, illustrative)
    if row is None:
        raise RegRepException("EB:ERR:0002", args["requirement-id"])
    procedures = code_lists.of_line(conn, version)["procedures"]
    if version == versions.V2:
        frameworks = _frameworks(conn, row, keys, None, procedures)
    else:
        frameworks = _frameworks(conn, row, _jurisdiction(conn, args), None, procedures)
    lists = []
    for lst, types in zip(row["evidence_type_lists"],
                          queries.evidence_types_of_lists(
                              conn, row["id"], len(row["evidence_type_lists"]))):
        published = [{"classification": t["oots_classification_uri"],
                      "title": {"en": t["title_en"], "de": t["title_de"]},
                      "description": {"en": t["description_en"], "de": t["description_de"]}}
                     for t in types if t["oots_classification_uri"]]
        if published:
            lists.append({**lst, "evidence_types": published})
    if not frameworks or not lists:
        raise RegRepException("EB:ERR:0001", "no German evidence type satisfies this "
                                             "requirement in the jurisdiction given")
    return [{**_document(row, frameworks), "evidence_type_lists": lists}]


def _requirements_2_0(conn, args, illustrative, procedures):
    args = _single(args, ("procedure-id", "country-code", "return-incomplete"), required=())
    procedure = args.get("procedure-id")
    if procedure is not None and procedure not in procedures:
        raise RegRepException("EB:ERR:0005", "procedure-id")
    keys = _country_2_0(args)
    incomplete = args.get("return-incomplete", "false")
    if incomplete not in ("true", "false"):
        raise RegRepException("EB:ERR:0003", "return-incomplete: true or false")
    found = []
    for row in queries.eu_requirements(conn, procedure=procedure, illustrative=illustrative):
        if not row["has_evidence_types"] and incomplete == "false":
            continue
        frameworks = _frameworks(conn, row, keys, procedure, procedures)
        if frameworks:
            found.append(_document(row, frameworks))
    if not found:
        raise RegRepException("EB:ERR:0001", "no German requirement answers the query")
    return found


def _country_2_0(args):
    """2.0's optional country: DE (or none) answers from the whole German catalogue."""
    country = args.get("country-code")
    if country is None:
        return None
    if not oots_codes.is_country(country):
        raise RegRepException("EB:ERR:0006", "country-code")
    if country != "DE":
        raise RegRepException("EB:ERR:0001", f"this broker serves DE, not {country}")
    return None


def _single(args, known, required):
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise RegRepException("EB:ERR:0003", ", ".join(unknown))
    for name, values in args.items():
        if len(values) > 1:
            raise RegRepException("EB:ERR:0003", f"{name} given more than once")
    args = {name: values[0] for name, values in args.items()}
    for name in required:
        if not args.get(name):
            raise RegRepException("EB:ERR:0003", name)
    return args


def _jurisdiction(conn, args):
    """The keys a framework may have to apply to the jurisdiction asked about (None: any)."""
    country = args["country-code"]
    if not oots_codes.is_country(country):
        raise RegRepException("EB:ERR:0006", "country-code")
    if country != "DE":
        raise RegRepException("EB:ERR:0001", f"this broker serves DE, not {country}")
    l2, l3 = args.get("jurisdiction-admin-l2"), args.get("jurisdiction-admin-l3")
    if l3:
        municipality = queries.municipality(conn, l3, berlin_today()) \
            if _IS_AGS(l3) else None
        if municipality is None:
            raise RegRepException("EB:ERR:0004", l3)
        return {"DE", l3[:2]}
    if l2:
        area = queries.area_by_nuts(conn, l2) if _IS_NUTS(l2) else None
        if area is None:
            raise RegRepException("EB:ERR:0004", l2)
        return {"DE", area["key"][:2]}
    return None


def _frameworks(conn, row, keys, procedure, known):
    """The requirement's frameworks (of `procedure`, if given) applying in `keys`, with
    their jurisdiction as NUTS code; only those of procedures the answer's line knows
    (`known`: its procedures code list)."""
    chosen = [f for f in row["reference_frameworks"]
              if f["procedure"] in known
              and (procedure is None or f["procedure"] == procedure)
              and (keys is None or f["jurisdiction"] in keys)]
    nuts = queries.nuts_of(conn, [f["jurisdiction"] for f in chosen])
    return [{**f, "jurisdiction": {"nuts": nuts.get(f["jurisdiction"])}} for f in chosen]


def _document(row, frameworks):
    return {"identifier": row["identifier"],
            "registry_id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, row['identifier'])}",
            "name": {"en": row["name_en"], "de": row["name_de"]},
            "description": {"en": row["description_en"], "de": row["description_de"]},
            "reference_frameworks": frameworks}
