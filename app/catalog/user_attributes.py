"""What a request must say about the person or company before an offer can be chosen: the
jurisdiction context (what the area stands for: place of birth, place of the education
organisation, …) and provider-classification values (e.g. whether the person has ever lived
in Germany). One rule for the JSON competence API and the OOTS Data Service Directory
(docs/api-conventions.md, "One two-step rule on both surfaces"):

- an offer with a jurisdiction context serves only requests naming that context; an offer
  without one serves any;
- an offer with values of a classification concept serves only requests naming one of those
  values; an offer without values of a concept serves any value of it.

Among the offers a request could still reach, an attribute one of them depends on and the
request does not name is *missing*: the answer is then the first step of two (DSD:ERR:0005 /
409 needs-more-information naming it), never a guess. Two offers overlap where one request
naming everything they depend on is served by both (`both_serve_one_request`); the overlap
check (`queries.offers.offer_overlaps`) is that rule in SQL, and a test holds the two to the
same answer over every combination of the shipped contexts and a real concept's values.

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


def both_serve_one_request(a, b):
    """Is there a request, naming everything `a` and `b` depend on, that both serve? `a`, `b`
    are (jurisdiction_context, classification) pairs. Such offers cannot share an area."""
    (context_a, classification_a), (context_b, classification_b) = a, b
    if context_a is not None and context_b is not None and context_a != context_b:
        return False
    request = {}
    for concept in set(classification_a) | set(classification_b):
        shared = set.intersection(*(set(c[concept]) for c in (classification_a,
                                                               classification_b)
                                    if concept in c))
        if not shared:
            return False
        request[concept] = min(shared)
    context = context_a if context_a is not None else context_b
    return serves(*a, context, request) and serves(*b, context, request)
