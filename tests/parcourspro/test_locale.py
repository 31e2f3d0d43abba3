"""The French catalogue (locale/fr) exists, parses, and holds every translatable string of
the code and the templates (no database, no GNU gettext needed)."""

import ast
import gettext
import io
import tokenize
from collections import defaultdict
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation.template import templatize

from accounts.services import MESSAGES as PROFILE_MESSAGES
from employers.services import MESSAGES as INVITATION_MESSAGES
from enrollment.locking import BUSY_MESSAGE
from enrollment.rules import MESSAGES as RULE_MESSAGES
from enrollment.services.messages import MESSAGES as SERVICE_MESSAGES
from web.accounts.forms import ERRORS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES"
APPS = ["accounts", "catalog", "common", "demo", "employers", "enrollment", "mailing"]
APPS += ["operations", "parcourspro"]
# The gettext functions and where their message (and context) arguments are, as
# `makemessages` tells xgettext.
KEYWORDS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def read_po(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """A tiny .po reader: {(msgctxt, msgid): {"msgid_plural": …, "msgstr": …, …}}."""
    entries, entry, key = {}, {}, None

    def flush():
        if "msgid" in entry:
            ident = (entry.get("msgctxt", ""), entry["msgid"])
            assert ident not in entries, f"duplicate entry {ident!r}"
            entries[ident] = dict(entry)
        entry.clear()

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and entry:
                flush()
            continue
        if line.startswith('"'):
            assert key, f"line {number}: a string outside an entry"
            entry[key] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if (
            keyword in ("msgctxt", "msgid")
            and entry.get("msgstr", entry.get("msgstr[0]")) is not None
        ):
            flush()
        assert keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"} or (
            keyword.startswith("msgstr[")
        ), f"line {number}: unexpected {keyword!r}"
        key = keyword
        entry[key] = ast.literal_eval(value)
    flush()
    return entries


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_messages(path: Path):
    """(context, message) of each gettext call with literal arguments in a Python file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_at, message_at = KEYWORDS[name]
        args = [_literal(arg) for arg in node.args]
        if len(args) <= message_at or args[message_at] is None:
            continue
        context = args[context_at] if context_at is not None else ""
        yield (context or "", args[message_at])


def template_messages(path: Path):
    """(context, message) of each {% translate %} / {% blocktranslate %} of a template, read
    from Django's own `templatize` (what makemessages gives xgettext)."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    # Its calls sit in blanked-out text, indented like the template: flatten for tokenize
    # (a call never spans lines).
    code = "\n".join(line.lstrip() for line in code.splitlines())
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type in (tokenize.NAME, tokenize.STRING, tokenize.OP)
    ]
    for index, token in enumerate(tokens[:-2]):
        if token.string not in KEYWORDS or tokens[index + 1].string != "(":
            continue
        strings, at = [], index + 2
        while at < len(tokens) and tokens[at].type == tokenize.STRING:
            strings.append(ast.literal_eval(tokens[at].string))
            if at + 1 >= len(tokens) or tokens[at + 1].string != ",":
                break
            at += 2
        context_at, message_at = KEYWORDS[token.string]
        if len(strings) > message_at:
            yield (strings[context_at] if context_at is not None else "", strings[message_at])


def code_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield path
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in {".html", ".txt"}:
            yield path


def test_the_french_catalogue_parses():
    entries = read_po(CATALOGUE / "django.po")
    header = entries[("", "")]["msgstr"]
    assert "charset=UTF-8" in header and "Language: fr" in header
    assert len(entries) > 500
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    assert catalogue.info()["language"] == "fr"
    # French is the source language: what is translated (nothing yet) is compiled.
    for (context, msgid), entry in entries.items():
        if msgid and entry.get("msgstr"):
            assert catalogue.pgettext(context, msgid) == entry["msgstr"]


def test_every_translatable_string_is_in_the_catalogue():
    """A string added to the code or a template without `make messages` fails here."""
    known = set(read_po(CATALOGUE / "django.po"))
    missing = set()
    for path in code_files():
        found = python_messages(path) if path.suffix == ".py" else template_messages(path)
        missing |= {
            (str(path.relative_to(ROOT)), message)
            for context, message in found
            if (context, message) not in known
        }
    assert not missing, f"run `make messages`: {sorted(missing)}"


def test_the_check_sees_every_kind_of_translatable_string(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
        "A = _('un')\nB = ngettext('deux', 'deux %(n)s', 2)\nC = pgettext('ctx', 'trois')\n"
    )
    assert set(python_messages(module)) == {("", "un"), ("", "deux"), ("ctx", "trois")}
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}{% translate "quatre l\'été" %}'
        "{% blocktranslate with n=x.y %}cinq {{ n }}{% endblocktranslate %}"
        "{% blocktranslate count c=k %}six{% plural %}{{ c }} six{% endblocktranslate %}"
    )
    assert set(template_messages(template)) == {
        ("", "quatre l'été"),
        ("", "cinq %(n)s"),
        ("", "six"),
    }


def test_the_message_tables_are_translated_when_used():
    """Each domain's table holds lazy strings (translated in the language of the request),
    with named placeholders only."""
    tables = [ERRORS, PROFILE_MESSAGES, INVITATION_MESSAGES, RULE_MESSAGES, SERVICE_MESSAGES]
    messages = [BUSY_MESSAGE, *(message for table in tables for message in table.values())]
    any_values = defaultdict(lambda: 2)
    for message in messages:
        assert isinstance(message, Promise), message
        filled = message % any_values  # named placeholders only: a bare %s would fail here
        assert "{" not in filled and "%" not in filled, filled
