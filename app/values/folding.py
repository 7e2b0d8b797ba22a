"""The one folding function for names: SQL filters and search both compare folded text.

`München`, `Muenchen` and `munchen` fold alike, as do `Straße` and `strasse`. The database
stores fold(name) next to each name (no dependency on the `unaccent` extension), and every
query folds its input with this same function before comparing.
"""
import re
import unicodedata

_UMLAUT_SPELLINGS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
# Letters that Unicode does not decompose into a base letter plus a mark.
_UNDECOMPOSABLE = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l",
                                 "ı": "i", "þ": "th"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text):
    """Lower-case, umlauts and their ae/oe/ue spellings to the base vowel, ß to ss,
    other diacritics dropped, punctuation to single spaces."""
    if not text:
        return ""
    # casefold turns ß into ss; NFKD splits ä into a + combining diaeresis.
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSABLE))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    for spelled, vowel in _UMLAUT_SPELLINGS:
        plain = plain.replace(spelled, vowel)
    return _NOT_WORD.sub(" ", plain).strip()
