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
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (.*)$")


def _entry_fields(block: str):
    """The comments and the (keyword, value lines) of one .po entry, in order."""
    comments, fields = [], []
    for line in block.split("\n"):
        match = _KEYWORD.match(line)
        if match:
            fields.append((match[1], [match[2]]))
        elif line.startswith('"') and fields:
            fields[-1][1].append(line)
        else:
            comments.append(line)
    return comments, fields


def _source_entry(block: str) -> str:
    """One entry as the source language has it: a plural's msgstr are its msgid and
    msgid_plural; a fuzzy match that msgmerge guessed from another entry is dropped."""
    body = block.rstrip("\n")
    tail = block[len(body) :]
    comments, fields = _entry_fields(body)
    keywords = dict(fields)
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in comments)
    if "msgid_plural" not in keywords and not fuzzy:
        return block
    kept = []
    for line in comments:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        kept.append(line)
    lines = list(kept)
    for keyword, value in fields:
        if keyword.startswith("msgstr"):
            continue
        lines.append(f"{keyword} {value[0]}")
        lines.extend(value[1:])
    if "msgid_plural" in keywords:
        for index, source in enumerate((keywords["msgid"], keywords["msgid_plural"])):
            lines.append(f"msgstr[{index}] {source[0]}")
            lines.extend(source[1:])
    else:
        lines.append('msgstr ""')
    return "\n".join(lines) + tail


def fill_plurals(text: str) -> str:
    """Each plural entry's msgstr filled with its msgid and msgid_plural; fuzzy guesses
    cleared (French is the source: an empty msgstr shows the msgid)."""
    blocks = text.split("\n\n")
    return "\n\n".join(
        block if block.startswith('msgid ""\nmsgstr ""') else _source_entry(block)
        for block in blocks
    )


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
