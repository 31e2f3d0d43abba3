"""French typography, done once: hours (« 9 h 30 », « 9 h »), days (« lundi 1er février
2027 », « 12 janv. 2027 ») and the non-breaking spaces (U+00A0, the one used everywhere)
before « : ; ! ? », inside « », in « 17 h », « 12 € » and a phone number.

Pure functions (no app imported; used by every layer). The pages (web.middleware), the emails
(mailing.outbox) and the PDFs (documents.rendering) pass what they render through `spaced_html`
or `spaced`; templates write hours and days with the filters of `web/templatetags/french.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from common.text import elides

NBSP = "\u00a0"
# Spaces that already do not break: nothing to do before them.
_FIXED_SPACES = "\u00a0\u202f\u2007"

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# The abbreviations of the Imprimerie nationale: four months are never shortened.
MONTHS_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def hour(value: dt.time | dt.datetime) -> str:
    """« 9 h », « 9 h 30 », « 17 h 05 »: no leading zero, no « 00 », spaces that never break.
    A datetime is taken as it is: the caller converts it to Paris time first."""
    if value.minute:
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value.hour}{NBSP}h"


def day_number(day: dt.date) -> str:
    """« 1er » for the first of a month, the number otherwise."""
    return "1er" if day.day == 1 else str(day.day)


def day(
    value: dt.date,
    *,
    weekday: bool = False,
    month: bool = True,
    year: bool = True,
    short: bool = False,
) -> str:
    """« 1er février 2027 », « lundi 1er février 2027 » (`weekday`), « 1er févr. 2027 »
    (`short`); without the month (or the year) when the end of a range says it."""
    words = [WEEKDAYS[value.weekday()]] if weekday else []
    number = day_number(value)
    if not month:
        return " ".join([*words, number])
    name = (MONTHS_SHORT if short else MONTHS)[value.month - 1]
    words.extend([number, name])
    if year:
        words.append(str(value.year))
    return " ".join(words)


def moment(value: dt.datetime, *, weekday: bool = False, short: bool = False) -> str:
    """« 16 février 2027 à 9 h 30 » (the caller converts to Paris time first)."""
    return f"{day(value.date(), weekday=weekday, short=short)} à {hour(value)}"


CURLY_APOSTROPHE = "\u2019"

# --- spaces ------------------------------------------------------------------------------------

_BEFORE_PUNCTUATION = re.compile(rf"(?:(?<=[^\s{_FIXED_SPACES}])|^)[ \t]+(?=[:;!?»])")
_GLUED_CLOSING = re.compile(rf"(?<=[^\s{_FIXED_SPACES}])»")
_AFTER_OPENING = re.compile(r"«[ \t]*(?=[^\s]|$)")
_HOURS = re.compile(r"(?<=\d)[ \t]+h(?=\b|[ \t]*\d)")
_HOUR_MINUTES = re.compile(rf"(?<=\d{NBSP}h)[ \t]+(?=\d\d\b)")
_UNITS = re.compile(r"(?<=\d)[ \t]+(?=[€%])")
# « de » before a quoted title: « désisté·e d'« Animer » », « de « Conduire » ».
_DE_BEFORE_QUOTE = re.compile(rf"\b([Dd])e[ \t{NBSP}]+«([ \t{NBSP}]*)(\w+)")
_PHONE = re.compile(r"\b0\d(?:[ \t.]\d\d){4}\b")


def _phone(match: re.Match) -> str:
    return re.sub(r"[ \t]", NBSP, match[0])


def _de_before_quote(match: re.Match) -> str:
    if not elides(match[3]):
        return match[0]
    return f"{match[1]}'«{match[2]}{match[3]}"


def spaced(text: str) -> str:
    """Plain text with its non-breaking spaces: before « : ; ! ? », inside « », between a
    number and « h », « € » or « % », between the pairs of a phone number; and « de »
    elided before a quoted title that starts with a vowel (« d'« Animer » »). Only spaces
    already written (or missing around « ») change: « https://… », « 10:30 » and « ?page »
    stay as they are. One apostrophe everywhere, the straight one that our texts, people's
    typing and e-ParcoursPro use: the curly one of Django's and allauth's translations is
    written the same way."""
    if not text:
        return text
    text = text.replace(CURLY_APOSTROPHE, "'")
    text = _DE_BEFORE_QUOTE.sub(_de_before_quote, text)
    text = _BEFORE_PUNCTUATION.sub(NBSP, text)
    text = _GLUED_CLOSING.sub(f"{NBSP}»", text)
    text = _AFTER_OPENING.sub(f"«{NBSP}", text)
    text = _HOURS.sub(f"{NBSP}h", text)
    text = _HOUR_MINUTES.sub(NBSP, text)
    text = _UNITS.sub(NBSP, text)
    return _PHONE.sub(_phone, text)


# What is not text in a page: comments, code, form contents, and the tags themselves (their
# attributes included); a run of them with only white space between (which `spaced` never
# changes) is one separator, so the page splits in one pass of the regex engine into the few
# pieces of text that the reader sees.
_NOT_TEXT_ONE = (
    r"<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>"
    r"|<textarea\b.*?</textarea\s*>|<pre\b.*?</pre\s*>|<[^>]*>"
)
_NOT_TEXT = re.compile(
    rf"((?:{_NOT_TEXT_ONE})(?:\s*(?:{_NOT_TEXT_ONE}))*)", re.DOTALL | re.IGNORECASE
)
# What one of `spaced`'s rules at least needs to change something (a space before « : ; ! ? »,
# a « or », a space after a digit before « h », « € », « % » or a digit, « 9 h 30 »): a text
# without any of them stays as it is, so it is not passed through the rules.
_SPACED_NEEDS = re.compile(rf"[«»{CURLY_APOSTROPHE}]|[ \t][:;!?]|\d[ \t]+[h€%\d]|\d{NBSP}h[ \t]+\d")


# The same texts come back on every page (labels, help, titles): their spaced form is kept.
_spaced_once = lru_cache(maxsize=4096)(spaced)


def spaced_html(html: str) -> str:
    """`spaced`, applied to the text between the tags of an HTML page or fragment only: tags,
    attributes, comments, scripts, styles, <pre> and what a <textarea> holds are untouched."""
    if not html:
        return html
    parts = _NOT_TEXT.split(html)  # text, not text, text, …, text
    parts[::2] = [_spaced_once(text) if _SPACED_NEEDS.search(text) else text for text in parts[::2]]
    return "".join(parts)


# --- checks (the tests scan rendered pages and emails with it) ---------------------------------

_PLAIN_SPACE_CASES = (
    ("espace avant « : ; ! ? »", re.compile(r"\S [:;!?](?:\s|$)")),
    ("espace après « « »", re.compile(r"« ")),
    ("espace avant « » »", re.compile(r" »")),
    ("espace dans une heure", re.compile(r"\d h\b|\dh \d\d\b")),
    ("apostrophe courbe parmi les droites", re.compile(CURLY_APOSTROPHE)),
    ("heure écrite à l'anglaise", re.compile(r"\b\d{1,2}h(?:\d\d)?\b|\b\d{1,2}:\d\d\b")),
)


def plain_space_cases(text: str) -> list[tuple[str, str]]:
    """(what, excerpt) for each place of `text` (visible text, not HTML) where a plain space
    lets a line break badly, or an hour is written otherwise than « 9 h 30 »."""
    found = []
    for what, pattern in _PLAIN_SPACE_CASES:
        for match in pattern.finditer(text):
            start = max(match.start() - 25, 0)
            found.append((what, text[start : match.end() + 25]))
    return found
