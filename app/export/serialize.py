"""Serialising the catalogue graph: N-Triples and Turtle are streamed triple by triple (no
graph in memory); JSON-LD and RDF/XML go through an rdflib Graph."""
import re

from rdflib import Graph, URIRef

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


def stream(triples, fmt, chunk_lines=2000):
    """Chunks of N-Triples or Turtle text (Turtle: prefixes, then one triple a line)."""
    if fmt == "ttl":
        yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"
        term = _prefixed(sorted(((p, str(ns)) for p, ns in PREFIXES.items()),
                                key=lambda pn: -len(pn[1])))
    else:
        term = _prefixed(())  # full IRIs, still cached
    lines = []
    for s, p, o in triples:
        lines.append(f"{term(s)} {term(p)} {term(o)} .\n")
        if len(lines) >= chunk_lines:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def serialize(triples, fmt):
    if fmt in STREAMED:
        return "".join(stream(triples, fmt))
    return graph_of(triples).serialize(format={"jsonld": "json-ld", "rdf": "xml"}[fmt])
