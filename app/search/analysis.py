"""German text analysis for the index and for queries: the same folding as the area filters
(values/folding.py), then Snowball German stemming for inflections."""
from whoosh.analysis import Filter, RegexTokenizer, StemFilter
from whoosh.lang import stemmer_for_language

from ..values.folding import fold

_stem = stemmer_for_language("de")


class FoldFilter(Filter):
    """Case, umlauts (and their ae/oe/ue spellings) and ß folded exactly as in SQL filters."""

    def __call__(self, tokens):
        for token in tokens:
            folded = fold(token.text)
            if folded:
                token.text = folded.replace(" ", "")
                yield token


class SuffixFilter(Filter):
    """Each word and its suffixes of at least MIN letters: a prefix query on these finds a
    word anywhere inside a compound ('bescheinigung' in 'meldebescheinigung') with a cheap
    range scan of the term list instead of a scan of every term."""

    MIN = 4

    def __call__(self, tokens):
        for token in tokens:
            word = token.text
            for start in range(0, max(1, len(word) - self.MIN + 1)):
                token.text = word[start:]
                yield token


def word_parts():
    return folded_words() | SuffixFilter()


def folded_words():
    """Folded whole words: for prefixes, typos and parts of compounds."""
    return RegexTokenizer(r"\w+") | FoldFilter()


def german():
    """Folded and stemmed: 'Handwerksrollen' and 'Handwerksrolle' meet."""
    return folded_words() | StemFilter(lang="de")


def stem(word):
    return _stem(word)
