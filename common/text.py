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


# Words whose h is aspirated (« de Hauts-de-France », « de Hugues »…): no elision before them.
_ASPIRATED_H = ("haut", "hall", "hameau", "handi", "hangar", "hareng", "haricot", "hasard")
_ASPIRATED_H += ("hâte", "héros", "hibou", "hiérarch", "hollande", "homard", "hongr", "honte")
_ASPIRATED_H += ("hors", "hublot", "hugues", "huit", "hurl", "hutte")
_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")


def elides(word: str) -> bool:
    """Whether French elides « de » or « que » before `word`: a vowel, a mute h, or a y
    sounded as a vowel (« d'Yves », but « de Yann »)."""
    word = word.strip()
    if len(word) < 2:
        return word.lower() in _VOWELS
    first, second = word[0].lower(), word[1].lower()
    if first in _VOWELS:
        return True
    if first == "h":
        return second in _VOWELS and not word.lower().startswith(_ASPIRATED_H)
    if first == "y":
        return second.isalpha() and second not in _VOWELS
    return False


def de_name(name: str) -> str:
    """« de Camille », « d'Inès », « d'Hélène »: the French « de » before a name."""
    name = str(name or "").strip()
    return f"d'{name}" if elides(name) else f"de {name}"


def lowercase_first(text: str) -> str:
    """A sentence placed after a colon, whose first letter French writes in lower case
    (« Refusé : cette session est complète. »). A first word that is a name or an acronym
    (« ParcoursPro », « CPF », « Cap Métiers ») keeps its capital."""
    text = str(text)
    word = text.split(" ", 1)[0]
    if (
        len(word) > 1
        and word[0].isupper()
        and word[1:].replace("'", "").replace("’", "").isalpha()
        and word[1:] == word[1:].lower()
        and word not in PROPER_FIRST_WORDS
    ):
        return text[0].lower() + text[1:]
    return text


# Words that start a message and are names: « Cap Métiers », « Région », « État ».
PROPER_FIRST_WORDS = frozenset({"Cap", "Région", "État", "Nouvelle-Aquitaine"})
