"""The EU Once-Only Technical System's view of the catalogue: the RegRep 4 REST binding
(`GET /rest/search`) answering the Evidence Broker and Data Service Directory queries."""
