"""Searching: the user's words (never query syntax) become a whoosh query that finds
inflections, umlaut spellings, compound parts, typos and prefixes, and ranks exact codes
first."""
import os
import threading
from pathlib import Path

import psycopg
from flask import current_app
from whoosh import highlight, sorting
from whoosh.query import And, FuzzyTerm, Or, Prefix, Term, Wildcard

from ..db import get_conn
from ..errors import InvalidParameter, ServiceUnavailable
from ..folding import fold
from ..governance.roles import OVERSIGHT
from . import analysis
from .index import Follower, IndexUnavailable, open_index

MAX_QUERY = 500
MAX_WORDS = 12
FACETS = ("type", "land", "status")
TYPE_PATHS = {"organisation": "organisations", "register": "registers",
              "evidence-type": "evidence-types", "service": "services", "offer": "offers"}


def build_query(text):
    words = fold(text).split()[:MAX_WORDS]
    if not words:
        raise InvalidParameter("q", "query", "no searchable words (letters or digits)")
    per_word = []
    for word in words:
        options = [Term("text", analysis.stem(word), boost=3.0),
                   Term("words", word, boost=3.0)]
        if len(word) >= 2:
            options.append(Prefix("words", word, boost=2.0))  # type-ahead
        if len(word) >= 4:
            # Compound parts: "bescheinigung" in "meldebescheinigung".
            options.append(Wildcard("words", f"*{word}*", boost=1.5))
            options.append(FuzzyTerm("words", word, boost=1.0, prefixlength=1,
                                     maxdist=1 if len(word) < 8 else 2))
        per_word.append(Or(options))
    exact = Term("keys", text.strip().lower(), boost=100.0)  # codes, keys, IDNrG numbers
    return Or([exact, And(per_word)])


class MarkFormatter(highlight.HtmlFormatter):
    """HTML-escaped snippets with plain <mark> around matches."""

    def format_token(self, text, token, replace=False):
        return "<mark>" + highlight.htmlescape(highlight.get_text(text, token, replace)) + \
            "</mark>"


class Searcher:
    """Per process: the opened index and its searcher, reopened when the index changed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._path = None
        self._searcher = None
        self.followers = {}

    def get(self, base):
        path = os.path.realpath(Path(base) / "current")
        with self._lock:
            if self._searcher is None or path != self._path:
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher, self._path = open_index(base).searcher(), path
            else:
                self._searcher = self._searcher.refresh()
            return self._searcher


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
        url = config["DATABASE_URL"]
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
    config = current_app.config
    text = args["q"]
    query = build_query(text)
    _follow(config)
    try:
        searcher = _searcher.get(config["SEARCH_INDEX_DIR"])
    except IndexUnavailable:
        raise ServiceUnavailable("the search index is being built; try again shortly",
                                 retry_after=5) from None
    filters = []
    if actor.role not in OVERSIGHT:
        visible = [Term("visibility", "public")]
        if actor.organisation_id:
            visible.append(Term("owner", str(actor.organisation_id)))
        filters.append(Or(visible))
    for facet in FACETS:
        if args.get(facet):
            filters.append(Term(facet, args[facet]))
    restrict = And(filters) if filters else None
    page = searcher.search_page(query, args["page"], pagelen=args["page_size"],
                                filter=restrict,
                                groupedby={f: sorting.FieldFacet(f) for f in FACETS},
                                maptype=sorting.Count, terms=True)
    results = page.results
    results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
    results.formatter = MarkFormatter()
    items = []
    for hit in page:
        kind, code = hit["type"], hit["code"]
        snippet = hit.highlights("text", top=2) or hit.highlights("title") or ""
        items.append({"type": kind, "code": code, "title": hit["title"],
                      "status": hit["status"], "land": None if hit["land"] == "none"
                      else hit["land"], "snippet": snippet, "score": round(hit.score, 3),
                      "path": f"/api/v1/{TYPE_PATHS[kind]}/{code}"})
    facets = {f: dict(sorted(((k, n) for k, n in results.groups(f).items() if k != "none"),
                             key=lambda kv: (-kv[1], kv[0])))
              for f in FACETS}
    return {"items": items, "total": len(results), "page": args["page"],
            "page_size": args["page_size"], "facets": facets}
