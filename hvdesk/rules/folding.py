"""Text as searches compare it: no case, no accents ("Öztürk", "ÖZTÜRK" and "ozturk" alike).

SQLite's lower() and LIKE fold ASCII letters only, and PostgreSQL folds no accents without an
extension, so names are folded here, in Python, the same way for every database: once when a row
is written (its search key) and once for the words typed.
"""

from __future__ import annotations

import unicodedata

# letters that are not an accented letter in Unicode (no decomposition), as people type them
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)


def fold(text: str) -> str:
    """`text` in lower case without accents or ligatures, for comparing what was typed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_key(*fields: str) -> str:
    """The folded fields one row is found by, a line each (so no match spans two fields)."""
    return "\n".join(fold(field) for field in fields)
