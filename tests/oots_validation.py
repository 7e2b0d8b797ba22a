"""Validate OOTS XML offline: the XSDs through tests/oots/oots_driver.xsd (remote schema
locations resolved to the local copies), and the official Schematron rules (XSLT 2) compiled
with lxml's ISO skeleton and run by SaxonC (../shared/data/README.md, "Validating OOTS XML
offline"). SaxonC runs in a child process: with optimisation it was seen to abort the whole
process on DSD-RESP-C.sch."""
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from lxml import etree

OOTS = Path(__file__).resolve().parent / "oots"
SVRL = "http://purl.oclc.org/dsdl/svrl"

# Which rule files apply to which answer (the examples' comments name them too).
RULES = {
    "eb-requirements": ["EB-REQ-S.sch", "EB-REQ-C.sch"],
    "eb-evidence-types": ["EB-EVI-S.sch", "EB-EVI-C.sch"],
    "eb-error": ["EB-ERR.sch"],
    "dsd-response": ["DSD-RESP-S.sch", "DSD-RESP-C.sch"],
    "dsd-error": ["DSD-ERR-S.sch", "DSD-ERR-C.sch"],
}


class _LocalSchemas(etree.Resolver):
    def resolve(self, url, public_id, context):
        name = url.rsplit("/", 1)[-1]
        for folder in ("regrep4", "sdg", "xml"):
            candidate = OOTS / "xsd" / folder / name
            if candidate.exists():
                return self.resolve_filename(str(candidate), context)
        return None


@lru_cache(maxsize=1)
def _schema():
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(OOTS / "oots_driver.xsd"), parser))


def xsd_errors(xml_bytes):
    schema = _schema()
    if schema.validate(etree.fromstring(xml_bytes)):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def schematron_failures(xml_bytes, kind):
    """The failed asserts (id and text) of every rule file for `kind`, run in one child
    process."""
    result = subprocess.run(
        [sys.executable, __file__, kind], input=xml_bytes, capture_output=True, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    if result.returncode != 0:
        raise RuntimeError(f"Schematron run failed: {result.stderr.decode()[-2000:]}")
    return json.loads(result.stdout)


def _compile(sch_path):
    """ISO skeleton (XSLT 1, shipped with lxml) → an XSLT the rules run as; the rules'
    queryBinding says xslt2, which the skeleton refuses by name only."""
    import lxml.isoschematron as iso
    skeleton = Path(iso.__file__).parent / "resources/xsl/iso-schematron-xslt1"
    document = etree.parse(str(sch_path))
    document.getroot().set("queryBinding", "xslt")
    for step in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt1.xsl"):
        document = etree.XSLT(etree.parse(str(skeleton / step)))(document)
    return etree.tostring(document)


def _run(kind, xml_bytes):
    from saxonche import PySaxonProcessor
    failures = []
    with PySaxonProcessor(license=False) as processor:
        processor.set_configuration_property("http://saxon.sf.net/feature/optimizationLevel",
                                             "0")
        xslt = processor.new_xslt30_processor()
        document = processor.parse_xml(xml_text=xml_bytes.decode("utf-8"))
        for name in RULES[kind]:
            compiled = xslt.compile_stylesheet(
                stylesheet_text=_compile(OOTS / "schematron" / name).decode("utf-8"))
            report = etree.fromstring(compiled.transform_to_string(xdm_node=document)
                                      .encode("utf-8"))
            for failed in report.iter(f"{{{SVRL}}}failed-assert"):
                text = " ".join("".join(failed.itertext()).split())
                failures.append({"rule_file": name, "id": failed.get("id"),
                                 "role": failed.get("role"), "text": text})
    return failures


if __name__ == "__main__":
    print(json.dumps(_run(sys.argv[1], sys.stdin.buffer.read())))
