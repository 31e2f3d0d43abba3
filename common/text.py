"""What a person typed: whether it shows anything (no app imported; used by every layer)."""

import unicodedata

# Characters that print nothing although Unicode does not class them as format or space.
_INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0\u180e\u034f")


def is_visible_char(char: str) -> bool:
    """Whether `char` shows something: not a space, a control, a format (zero-width, bidi)
    character, a variation selector or a blank filler."""
    if char in _INVISIBLE or "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef":
        return False
    return unicodedata.category(char)[0] not in "ZC"


def has_visible_text(text: str) -> bool:
    """Whether `text` says something a reader can see (zero-width characters do not)."""
    return any(is_visible_char(char) for char in text or "")
