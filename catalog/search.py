"""The catalogue's search without PostgreSQL (SQLite, the zero-setup default).

PostgreSQL searches with its French text-search configuration `fr_unaccent` (migration
0004: accents removed, then French stemming). SQLite has neither, so this does what it can:
both the text and the words searched are folded (accents removed, lower case, « œ » as
« oe »), the words lose a final plural « s » or « x », a few French stop words are left out,
and every remaining word must appear somewhere in the action's title, summary, objectives
or theme (a word written « -mot » must not). The folding runs in SQLite as the function
`pp_fold`, registered on each connection (`register_sqlite_functions`).
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Func, TextField

SQLITE_FOLD_FUNCTION = "pp_fold"
MAX_TERMS = 10
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_STOP_WORDS = (
    "au aux avec ce ces dans de des du en et la le les leur leurs ou or par pour sa se ses "
    "son sur un une"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"(-?)(\w+)")


def fold(text: str | None) -> str | None:
    """« Égalité » → « egalite »: accents removed, lower case, ligatures spelled out."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text).casefold().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _singular(word: str) -> str:
    """A simple plural made singular: « accompagnements » → « accompagnement »."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def terms(q: str) -> tuple[list[str], list[str]]:
    """The folded words of a query that must appear, and those (« -mot ») that must not."""
    wanted, unwanted = [], []
    for minus, word in WORD.findall(fold(q) or ""):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        (unwanted if minus else wanted).append(_singular(word))
    return wanted[:MAX_TERMS], unwanted[:MAX_TERMS]


class Fold(Func):
    """`fold` in SQL (SQLite only)."""

    function = SQLITE_FOLD_FUNCTION
    output_field = TextField()


def register_sqlite_functions(sender, connection, **kwargs):
    """`connection_created` receiver: give SQLite connections the `pp_fold` function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, fold, deterministic=True)
