"""CSV injection (OWASP « CSV Injection »): a cell that a spreadsheet would read as a formula
is written as text, whatever app writes the CSV."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils.translation import gettext_lazy

from web import csvsafe
from web.csvsafe import neutralise_csv_cell

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Every first character a spreadsheet reads as the start of a formula.
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("=1+1", "'=1+1"),
        ("+33 6 00 00 00 00", "'+33 6 00 00 00 00"),
        ("-1", "'-1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Only the first character counts.
        ("Conseillère =1", "Conseillère =1"),
        ("a-b", "a-b"),
        ("05 56 00 00 00", "05 56 00 00 00"),
        ("camille@example.test", "camille@example.test"),
        # Leading spaces or a newline are not formula triggers (OWASP's list).
        (" =1", " =1"),
        ("\n=1", "\n=1"),
        # Already text for a spreadsheet, and nothing to neutralise.
        ("'=1", "'=1"),
        ("", ""),
        ("Action de formation", "Action de formation"),
    ],
)
def test_a_string_starting_like_a_formula_gets_a_leading_quote(value, expected):
    assert neutralise_csv_cell(value) == expected


@pytest.mark.parametrize(
    "value",
    [-1, 0, 42, -2.5, Decimal("-3.10"), dt.date(2027, 3, 4), None, True],
)
def test_values_written_by_the_code_are_left_alone(value):
    assert neutralise_csv_cell(value) is value


def test_a_lazy_translation_is_text_too():
    assert neutralise_csv_cell(gettext_lazy("=1")) == "'=1"
    assert neutralise_csv_cell(gettext_lazy("Oui")) == "Oui"


def test_the_writer_neutralises_every_cell_of_every_row():
    output = io.StringIO()
    writer = csvsafe.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Nom", "Motif"])
    writer.writerows([["=1", "@SUM(A1)"], [-1, "\r=1"], ["Martin", None]])
    rows = list(csv.reader(io.StringIO(output.getvalue()), delimiter=";"))
    assert rows == [["Nom", "Motif"], ["'=1", "'@SUM(A1)"], ["-1", "'\r=1"], ["Martin", ""]]
    assert '"\'\r=1"' in output.getvalue()  # a cell holding a line break stays quoted


def test_the_dict_writer_neutralises_every_value():
    output = io.StringIO()
    writer = csvsafe.DictWriter(output, fieldnames=["nom", "places"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"nom": "+Prestataire", "places": -1})
    writer.writerows([{"nom": "@SUM(A1)", "places": 3}, {"nom": "Martin"}])
    assert output.getvalue() == "nom,places\n'+Prestataire,-1\n'@SUM(A1),3\nMartin,\n"


def test_no_code_writes_csv_without_the_safe_writer():
    """Every CSV of the platform goes through web.csvsafe, so none can forget it."""
    raw = re.compile(r"\bcsv\.(writer|DictWriter)\b|\bfrom csv import .*\b(writer|DictWriter)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not {".venv", "tests", "migrations"} & set(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT) != Path("web/csvsafe.py")
        and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "write CSV with web.csvsafe.writer or DictWriter"
