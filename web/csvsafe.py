"""CSV that a spreadsheet opens without running what users typed (OWASP « CSV Injection »).

Every CSV of the platform is written with `writer()` or `DictWriter` below, never with the
`csv` module's own (a test fails otherwise): names, job titles, phones, reasons… starting
with `=`, `+`, `-`, `@`, a tab or a carriage return would otherwise be read by Excel or
LibreOffice as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv_cell(value: Any) -> Any:
    """Text starting like a formula, prefixed with a single quote so that spreadsheets show it
    as text. Other values (numbers, dates, None) are the code's own and are left alone: a
    negative number is not user input."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer`, with every cell passed through `neutralise_csv_cell`."""

    def __init__(self, csvfile, dialect: str | type[csv.Dialect] = "excel", **fmtparams):
        self._writer = csv.writer(csvfile, dialect, **fmtparams)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise_csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(csvfile, dialect: str | type[csv.Dialect] = "excel", **fmtparams) -> SafeWriter:
    """A `csv.writer` whose cells are neutralised: how every CSV of the platform is written."""
    return SafeWriter(csvfile, dialect, **fmtparams)


class DictWriter(csv.DictWriter):
    """`csv.DictWriter`, with every value passed through `neutralise_csv_cell`."""

    def writerow(self, rowdict):
        return super().writerow({key: neutralise_csv_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
