"""Serialising the catalogue graph: N-Triples and Turtle are streamed triple by triple (no
graph in memory); JSON-LD and RDF/XML go through an rdflib Graph."""
from rdflib import Graph
from rdflib.namespace import NamespaceManager

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


def stream(triples, fmt, chunk_lines=2000):
    """Chunks of N-Triples or Turtle text (Turtle: prefixes, then one triple a line)."""
    if fmt == "ttl":
        manager = NamespaceManager(graph_of(()), bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            manager.bind(prefix, namespace)
        yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"

        def term(t):
            return t.n3(manager)
    else:
        def term(t):
            return t.n3()
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
