"""Serialising the catalogue graph: N-Triples and Turtle are streamed triple by triple (no
graph in memory); JSON-LD and RDF/XML go through an rdflib Graph."""
import re

from rdflib import RDF, Graph, URIRef

from .namespaces import PREFIXES

MEDIA_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples",
               "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
STREAMED = ("nt", "ttl")


def graph_of(triples):
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in triples:
        graph.add(triple)
    return graph


_SAFE_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _prefixed(namespaces):
    """URIRef -> 'prefix:local' where that is valid Turtle, else <...> (cached: the same
    predicates and classes recur on every line)."""
    cache = {}

    def term(node):
        if not isinstance(node, URIRef):
            return node.n3()
        found = cache.get(node)
        if found is None:
            found = node.n3()
            for prefix, namespace in namespaces:
                if node.startswith(namespace):
                    local = node[len(namespace):]
                    if _SAFE_LOCAL.match(local):
                        found = f"{prefix}:{local}"
                    break
            if len(cache) < 10_000:
                cache[node] = found
        return found
    return term


# Turtle groups the triples of this many at a time by subject: a page of the catalogue is one
# group (each subject once), a whole national export stays streamed in bounded memory (a
# subject spanning two groups is written twice, still valid Turtle).
TURTLE_GROUP = 50_000


def stream(triples, fmt, chunk_lines=2000):
    """Chunks of N-Triples (one triple a line) or Turtle (prefixes, then one statement per
    subject: `a` for rdf:type, `;` between predicates, `,` between objects)."""
    if fmt == "ttl":
        yield from _turtle(triples)
        return
    term = _prefixed(())  # full IRIs, still cached
    lines = []
    for s, p, o in triples:
        lines.append(f"{term(s)} {term(p)} {term(o)} .\n")
        if len(lines) >= chunk_lines:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _turtle(triples):
    yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    term = _prefixed(sorted(((p, str(ns)) for p, ns in PREFIXES.items()),
                            key=lambda pn: -len(pn[1])))
    group, count = {}, 0
    for s, p, o in triples:
        group.setdefault(s, {}).setdefault(p, []).append(o)
        count += 1
        if count >= TURTLE_GROUP:
            yield _statements(group, term)
            group, count = {}, 0
    yield _statements(group, term)


def _statements(group, term):
    out = []
    for subject, predicates in group.items():
        described = []
        for predicate, objects in predicates.items():
            name = "a" if predicate == RDF.type else term(predicate)
            described.append(f"{name} " + ",\n        ".join(term(o) for o in objects))
        out.append(f"\n{term(subject)} " + " ;\n    ".join(described) + " .\n")
    return "".join(out)


def serialize(triples, fmt):
    if fmt in STREAMED:
        return "".join(stream(triples, fmt))
    return graph_of(triples).serialize(format={"jsonld": "json-ld", "rdf": "xml"}[fmt])
