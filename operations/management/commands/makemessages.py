"""`makemessages`, then the French source's plural forms filled in.

French is the source language: a msgid is what people read, and an empty msgstr shows it. A
plural entry is different: left empty, it is not in the compiled catalogue, and gettext then
falls back to English's rule (« 0 actions »). French uses the singular for 0 and 1, which the
catalogue's `Plural-Forms: plural=(n > 1)` gives once msgstr[0] and msgstr[1] hold the msgid and
the msgid_plural. Every run fills the entries that are still empty.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management.commands import makemessages

SOURCE_LANGUAGE = "fr"
_ENTRY = re.compile(
    r'^msgid_plural (?P<plural>"[^\n]*"(?:\n"[^\n]*")*)\n'
    r'msgstr\[0\] ""\nmsgstr\[1\] ""$',
    re.MULTILINE,
)


def fill_plurals(text: str) -> str:
    """Each plural entry whose msgstr are empty, filled with its msgid and msgid_plural."""
    out, position = [], 0
    for match in _ENTRY.finditer(text):
        start = text.rfind("\nmsgid ", 0, match.start()) + 1
        singular = text[start + len("msgid ") : match.start() - 1]
        out.append(text[position : match.start()])
        out.append(
            f"msgid_plural {match['plural']}\nmsgstr[0] {singular}\nmsgstr[1] {match['plural']}"
        )
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def source_catalogues() -> list[Path]:
    return [
        Path(root) / SOURCE_LANGUAGE / "LC_MESSAGES" / "django.po"
        for root in settings.LOCALE_PATHS
        if (Path(root) / SOURCE_LANGUAGE / "LC_MESSAGES" / "django.po").exists()
    ]


class Command(makemessages.Command):
    help = makemessages.Command.help + " French plural entries are filled from their msgids."

    def handle(self, *args, **options):
        super().handle(*args, **options)
        for path in source_catalogues():
            text = path.read_text(encoding="utf-8")
            filled = fill_plurals(text)
            if filled != text:
                path.write_text(filled, encoding="utf-8")
