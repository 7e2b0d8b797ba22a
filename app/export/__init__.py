"""Open metadata: the public catalogue as RDF (DCAT-AP 3 / DCAT-AP.de, CCCEV, CPSV-AP)."""
