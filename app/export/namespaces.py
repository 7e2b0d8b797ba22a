"""Vocabularies of the export (bound explicitly: rdflib's own default bindings are off)."""
from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

CCCEV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"

PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "rdf": RDF, "rdfs": RDFS,
            "skos": SKOS, "xsd": XSD, "cccev": CCCEV, "cpsv": CPSV, "dcatde": DCATDE,
            "hydra": HYDRA}
