"""Export benchmark: the whole demo catalogue (EXPORT_ILLUSTRATIVE, an offer per
municipality for two evidence types) to N-Triples and Turtle, streamed, next to building one
rdflib Graph and calling serialize in the same run; time and peak memory (each variant in a
process of its own); and one Hydra page over HTTP.

    .venv/bin/python bench/export_bench.py      # DATABASE_URL (demo seeded), else embedded
"""
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("stream-nt", "stream-ttl", "rdflib-nt", "rdflib-ttl")


def run_variant(variant, out):
    import psycopg
    from psycopg.rows import dict_row

    from app.config import Config
    from app.db.pool import resolve_database_url
    from app.export.graph import CatalogueGraph
    from app.export.serialize import graph_of, stream

    url = resolve_database_url(Config.from_env())
    started = time.perf_counter()
    with psycopg.connect(url, row_factory=dict_row) as conn:
        catalogue = CatalogueGraph(conn, base="https://regmap.example", publisher_name="FITKO",
                                   include_illustrative=True)
        triples = catalogue.triples()
        fmt = variant.split("-")[1]
        with open(out, "w", encoding="utf-8") as f:
            if variant.startswith("stream"):
                count = 0
                for chunk in stream(triples, fmt):
                    f.write(chunk)
                    count += chunk.count("\n")
            else:
                graph = graph_of(triples)
                count = len(graph)
                f.write(graph.serialize(format={"nt": "nt", "ttl": "turtle"}[fmt]))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"variant": variant, "seconds": elapsed, "peak_mb": peak_mb,
                      "lines_or_triples": count, "bytes": os.path.getsize(out)}))


def validate_whole(path):
    """The full large export against each official profile (too slow for CI)."""
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import SH

    data = ROOT / "tests" / "shapes"
    profiles = {
        "DCAT-AP 3.0.1": ["dcat-ap/3.0.1/html-shacl_shapes.ttl",
                          "dcat-ap/3.0.1/html-shacl_range.ttl"],
        "DCAT-AP.de 2.0": ["dcat-ap-de/2.0/dcat-ap_2.1.1_shacl_shapes.ttl",
                           "dcat-ap-de/2.0/dcat-ap-spec-german-additions.ttl"],
        "CCCEV 2.1.0": ["cccev/2.1.0/cccev-ap-SHACL.ttl"],
        "CPSV-AP 3.2.0": ["cpsv-ap/3.2.0/cpsv-ap-SHACL.ttl"],
    }
    graph = Graph().parse(path, format="nt")
    for name, files in profiles.items():
        shapes = Graph()
        for f in files:
            shapes.parse(data / f)
        started = time.perf_counter()
        _, report, _ = validate(graph, shacl_graph=shapes, inference="none")
        found = len(set(report.subjects(SH.resultSeverity, SH.Violation)))
        warnings = len(set(report.subjects(SH.resultSeverity, SH.Warning)))
        print(f"whole export ({len(graph)} triples) against {name}: {found} violations, "
              f"{warnings} warnings ({time.perf_counter() - started:.0f} s)")


def main():
    if len(sys.argv) == 3:
        return run_variant(sys.argv[1], sys.argv[2])
    results = {}
    for variant in VARIANTS:
        out = f"/tmp/regmap-export-{variant}.out"
        line = subprocess.run([sys.executable, __file__, variant, out], check=True,
                              capture_output=True, text=True, cwd=ROOT).stdout.strip()
        results[variant] = json.loads(line.splitlines()[-1])
        r = results[variant]
        print(f"{variant:<11} {r['seconds']:6.1f} s  peak RSS {r['peak_mb']:6.0f} MB  "
              f"{r['lines_or_triples']} triples  {r['bytes'] / 1e6:.1f} MB")
    for fmt in ("nt", "ttl"):
        speedup = results[f"rdflib-{fmt}"]["seconds"] / results[f"stream-{fmt}"]["seconds"]
        print(f"{fmt}: streamed is {speedup:.1f}x faster than rdflib Graph + serialize")

    if os.environ.get("VALIDATE", "1") == "1":
        validate_whole("/tmp/regmap-export-stream-nt.out")

    from app import create_app
    app = create_app({"EXPORT_ILLUSTRATIVE": True, "CACHE_POLL_SECONDS": 0})
    client = app.test_client()
    for fmt in ("ttl", "nt", "jsonld"):
        times = []
        for number in (1, 2, 100, 200):
            started = time.perf_counter()
            r = client.get(f"/api/v1/catalog.{fmt}", query_string={"page": number,
                                                                   "page_size": 100})
            assert r.status_code == 200 and r.data, r.status_code
            times.append((time.perf_counter() - started) * 1000)
        print(f"one Hydra page of 100 items, .{fmt}: " + ", ".join(f"{t:.0f}" for t in times)
              + " ms (pages 1, 2, 100, 200)")


if __name__ == "__main__":
    main()
