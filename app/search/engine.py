"""Searching: the user's words (never query syntax) become a whoosh query that finds
inflections, umlaut spellings, compound parts, typos and prefixes, and ranks exact codes
first."""
import itertools
import logging
import os
import threading
from pathlib import Path

import psycopg
from flask import current_app
from whoosh import highlight
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector
from whoosh.query import And, ConstantScoreQuery, FuzzyTerm, NullQuery, Or, Prefix, Term
from whoosh.searching import ResultsPage

from ..access.policy import role_sees_every_status
from ..db.lanes import Lane
from ..db.pool import get_conn, read_database_url
from ..http.errors import InvalidParameter, ServiceUnavailable
from ..values.folding import fold
from . import analysis, process
from .index import Follower, IndexUnavailable, open_index

log = logging.getLogger(__name__)

MAX_QUERY = 500
MAX_WORDS = 12
FACETS = ("type", "land", "status")
# Facet name -> the sortable index field that counts it.
FACET_FIELDS = {"type": "type_facet", "land": "land", "status": "status"}
# Typo tolerance is tried only when the words as typed find nothing: it costs a scan of the
# terms that share the first three letters, in Python.
TYPO_THRESHOLD = 1
# A word found only in a document's context (an offer's evidence type, an organisation's
# kind) counts this much: with one word typed, "Gewerbeanzeige" lists the evidence type
# first and then its offers; with several, "Gewerbeanzeige Flensburg" finds the offer.
CONTEXT_BOOST_ALONE = 0.3
CONTEXT_BOOST = 1.0
# Bounds on what one search may cost: words shorter than MIN_PREFIX match whole
# words only (a one-letter prefix stands for most of the index); a prefix stands for at most
# MAX_EXPANSION terms; a search that has not finished within TIME_BUDGET_SECONDS is a 503;
# at most SEARCH_LANE_WIDTH searches run at once per process (in its search process), and
# searches waiting for their turn hold at most half of the worker's threads, so they never
# take every thread from competence answers and /healthz.
MIN_PREFIX = 3
MAX_EXPANSION = 256
TIME_BUDGET_SECONDS = 1.0
SEARCH_LANE_WIDTH = 1
SEARCH_WAIT_SECONDS = 5
_lane = Lane("search", SEARCH_LANE_WIDTH, wait_seconds=SEARCH_WAIT_SECONDS)


def init_app(app):
    """Searches waiting for their turn hold at most half of a worker's threads."""
    _lane.waiting = max(0, app.config["GUNICORN_THREADS"] // 2 - SEARCH_LANE_WIDTH)


def search_lane_full():
    """Whether a search now would be refused (gate.py looks before Flask does)."""
    return _lane.full()


def search_refusal():
    """The detail of that refusal (the same words from the gate and the engine)."""
    return _lane.refusal
TYPE_PATHS = {"organisation": "organisations", "register": "registers",
              "evidence-type": "evidence-types", "service": "services", "offer": "offers"}


def _words(text):
    words = fold(text).split()[:MAX_WORDS]
    if not words:
        raise InvalidParameter("q", "query", "no searchable words (letters or digits)")
    return words


def build_query(text, reader, typos=False):
    """Every word must match: as a stemmed word, a prefix (type-ahead) or a part of a
    compound; with `typos`, also within one or two edits. Exact codes outrank all. Prefixes
    are bounded (MIN_PREFIX, MAX_EXPANSION): `reader` tells what a prefix stands for."""
    per_word = []
    words = _words(text)
    for word in words:
        options = [Term("text", analysis.stem(word), boost=3.0),
                   _prefix(reader, "parts" if len(word) >= analysis.SuffixFilter.MIN
                           else "words", word, 1.5)]
        options.append(_prefix(reader, "context", word,
                               CONTEXT_BOOST if len(words) > 1 else CONTEXT_BOOST_ALONE))
        if typos and len(word) >= 4:
            # One edit: Damerau-Levenshtein automata for two edits cost tens of ms in Python.
            options.append(FuzzyTerm("words", word, boost=1.0, prefixlength=3, maxdist=1))
        per_word.append(Or(options))
    exact = Term("keys", text.strip().lower(), boost=100.0)  # codes, keys, IDNrG numbers
    return Or([exact, And(per_word)])


def _prefix(reader, field, word, boost):
    if len(word) < MIN_PREFIX:
        return Term(field, word, boost=boost)
    terms = list(itertools.islice(reader.expand_prefix(field, word), MAX_EXPANSION + 1))
    if not terms:
        return NullQuery
    if len(terms) <= MAX_EXPANSION:
        return Prefix(field, word, boost=boost)
    # The first MAX_EXPANSION terms in order, scored as whoosh scores a prefix (constant).
    return ConstantScoreQuery(Or([Term(field, t.decode("utf-8")) for t in
                                  terms[:MAX_EXPANSION]]), score=boost)


class MarkFormatter(highlight.HtmlFormatter):
    """HTML-escaped snippets with plain <mark> around matches."""

    def format_token(self, text, token, replace=False):
        return "<mark>" + highlight.htmlescape(highlight.get_text(text, token, replace)) + \
            "</mark>"


class Searcher:
    """Per process: the opened index and its searcher, reopened when the index changed, and
    each document's facet values (counting those for a result beats whoosh's facets, which
    re-read whole columns on every query)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._path = None
        self._searcher = None
        self._facet_values = None
        self.followers = {}

    def get(self, base):
        """(searcher, {facet: [value by document number]})"""
        path = os.path.realpath(Path(base) / "current")
        with self._lock:
            if self._searcher is None or path != self._path:
                if self._searcher is not None:
                    try:
                        self._searcher.close()
                    except Exception:  # its files may be gone (a rebuild replaced them)
                        log.debug("closing the previous searcher failed", exc_info=True)
                self._searcher, self._path = open_index(base).searcher(), path
                self._facet_values = None
            elif not self._searcher.up_to_date():
                if self._searcher.reader().segments() is None:
                    # An empty index's reader has no segments, and whoosh's refresh would
                    # reuse them (TypeError): open it anew.
                    self._searcher.close()
                    self._searcher = open_index(base).searcher()
                else:
                    self._searcher = self._searcher.refresh()
                self._facet_values = None
            if self._facet_values is None:
                self._facet_values = _facet_values(self._searcher.reader())
            return self._searcher, self._facet_values


def _facet_values(reader):
    values = {}
    for facet, field in FACET_FIELDS.items():
        by_doc = [None] * reader.doc_count_all()
        for term in reader.lexicon(field):
            value = term.decode()
            for docnum in reader.postings(field, term).all_ids():
                by_doc[docnum] = value
        values[facet] = by_doc
    return values


def _count(facet_values, docnums):
    counts = {facet: {} for facet in facet_values}
    for docnum in docnums:
        for facet, by_doc in facet_values.items():
            value = by_doc[docnum]
            if value and value != "none":
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return {facet: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for facet, c in counts.items()}


_searcher = Searcher()


def _follow(config):
    """Bring the index up to the change feed: in the request itself when CACHE_POLL_SECONDS
    is 0 (tests), else by each process's follower thread."""
    base = config["SEARCH_INDEX_DIR"]
    if config["CACHE_POLL_SECONDS"] <= 0:
        Follower(base, None, 0).step(get_conn())
        return
    follower = _searcher.followers.get(base)
    if follower is None:
        url = read_database_url(config)
        follower = _searcher.followers[base] = Follower(
            base, lambda: psycopg.connect(url, autocommit=True,
                                          row_factory=psycopg.rows.dict_row),
            config["CACHE_POLL_SECONDS"])
    follower.ensure_running()


def stop_followers():
    """End the background followers of this process (tests)."""
    for follower in _searcher.followers.values():
        follower.stop()
    _searcher.followers.clear()


def search(actor, args):
    _words(args["q"])  # a 400 before anything else happens
    with _lane.admitted():
        config = current_app.config
        _follow(config)
        job = (config["SEARCH_INDEX_DIR"], dict(args), actor.role, actor.organisation_id)
        if config["SEARCH_PROCESS"]:
            return process.run(search_index, *job)
        return process.unwrap(search_index(*job))


def search_index(base, args, role, organisation_id):
    """One search over the index files under `base`, without Flask or the database (it runs
    in the search process): ("ok", results) or ("unavailable", detail, retry_after)."""
    try:
        return ("ok", _search(base, args, role, organisation_id))
    except ServiceUnavailable as unavailable:
        return ("unavailable", unavailable.detail,
                int(unavailable.headers.get("Retry-After", 5)))


def _search(base, args, role, organisation_id):
    text = args["q"]
    try:
        searcher, facet_values = _searcher.get(base)
    except IndexUnavailable:
        raise ServiceUnavailable("the search index is being built; try again shortly",
                                 retry_after=5) from None
    # Hidden documents are few: mask them out (a filter of everything visible would be
    # rebuilt from ~30,000 documents on every query).
    mask = None
    if not role_sees_every_status(role):
        mask = set(searcher.docs_for_query(Term("visibility", "restricted")))
        if organisation_id:
            mask -= set(searcher.docs_for_query(Term("owner", str(organisation_id))))
    # Facet choices narrow the query itself, where an intersection is cheap.
    narrowing = [Term(facet, args[facet]) for facet in FACETS if args.get(facet)]

    def run(query):
        if narrowing:
            query = And([query, *narrowing])
        # As Searcher.search_page builds it, with the time limit inside the mask (the
        # limit's own collect bypasses a filter wrapped inside it). A timer flag, not
        # SIGALRM: this runs in a worker thread.
        collector = FilterCollector(TimeLimitCollector(
            searcher.collector(limit=args["page"] * args["page_size"], terms=True),
            timelimit=TIME_BUDGET_SECONDS, use_alarm=False), None, mask or None)
        try:
            searcher.search_with_collector(query, collector)
        except TimeLimit:
            raise ServiceUnavailable(
                f"the search did not finish within {TIME_BUDGET_SECONDS:g} s; use longer or "
                "more specific words", retry_after=5) from None
        return ResultsPage(collector.results(), args["page"], args["page_size"])

    reader = searcher.reader()
    page = run(build_query(text, reader))
    if len(page.results) < TYPO_THRESHOLD:
        page = run(build_query(text, reader, typos=True))
    results = page.results
    results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
    results.formatter = MarkFormatter()
    items = []
    for hit in page:
        kind, code = hit["type"], hit["code"]
        # Typo and compound matches leave no exact word to mark: show the escaped title.
        snippet = hit.highlights("text", top=2) or hit.highlights("title") or \
            highlight.htmlescape(hit["title"])
        items.append({"type": kind, "code": code, "title": hit["title"],
                      "status": hit["status"], "land": None if hit["land"] == "none"
                      else hit["land"], "snippet": snippet, "score": round(hit.score, 3),
                      "path": f"/api/v1/{TYPE_PATHS[kind]}/{code}"})
    facets = _count(facet_values, results.docs())
    return {"items": items, "total": len(results), "page": args["page"],
            "page_size": args["page_size"], "facets": facets}
