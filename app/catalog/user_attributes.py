"""What a request must say about the person or company before an offer can be chosen: the
jurisdiction context (what the area stands for: place of birth, place of the education
organisation, …) and provider-classification values (e.g. whether the person has ever lived
in Germany). One rule for the JSON competence API and the OOTS Data Service Directory
(issue 15, "one two-step rule on both surfaces"):

- an offer with a jurisdiction context serves only requests naming that context; an offer
  without one serves any;
- an offer with values of a classification concept serves only requests naming one of those
  values; an offer without values of a concept serves any value of it.

Among the offers a request could still reach, an attribute one of them depends on and the
request does not name is *missing*: the answer is then the first step of two (DSD:ERR:0005 /
409 needs-more-information naming it), never a guess. The overlap rule
(`queries.offer_overlaps`) keeps apart, in SQL, exactly the offers this rule tells apart.

An offer is given as its (jurisdiction_context, classification) pair: the context code or
None, and {concept code: [values]}. A request names `context` (a code or None) and
`classification` ({concept code: value})."""


def contradicts(offer_context, offer_classification, context, classification):
    """The request names something the offer does not serve."""
    if context is not None and offer_context is not None and offer_context != context:
        return True
    return any(concept in offer_classification and value not in offer_classification[concept]
               for concept, value in classification.items())


def missing(offers, context, classification):
    """(context needed, sorted concept codes needed) for the offers a request could still
    reach: what one of them depends on that the request does not name."""
    needs_context, concepts = False, set()
    for offer_context, offer_classification in offers:
        if contradicts(offer_context, offer_classification, context, classification):
            continue
        needs_context = needs_context or (offer_context is not None and context is None)
        concepts.update(c for c in offer_classification if c not in classification)
    return needs_context, sorted(concepts)


def serves(offer_context, offer_classification, context, classification):
    """The offer answers a request that names everything the offers depend on."""
    return not contradicts(offer_context, offer_classification, context, classification)
