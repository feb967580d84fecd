"""CSV cells that a spreadsheet cannot run: every CSV the project writes goes through here.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, WPS and LibreOffice as a formula (``=HYPERLINK(...)``, ``=cmd|...``): such a
cell is written with a leading single quote, as OWASP's CSV-injection guidance advises.
Numbers (``int``, ``float``, ``Decimal``) are written as they are, so ``-3`` stays a number;
only text is neutralised, and the quote is visible to a reader of the raw file.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text that would start a formula gets a ``'``."""
    if isinstance(value, (bool, int, float, Decimal)) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """A minimal-quoting CSV writer (like ``csv.writer``) whose every cell goes through
    ``neutralise``; a cell holding a line break (``\r`` too, which ``csv.writer`` leaves bare
    when the line terminator is ``\n``) is always quoted, so no cell can start a new row."""

    def __init__(self, stream, *, delimiter: str = ",", lineterminator: str = "\r\n"):
        self._stream = stream
        self._delimiter = delimiter
        self._lineterminator = lineterminator
        self._special = (delimiter, '"', "\r", "\n")

    def _cell(self, value: Any) -> str:
        value = neutralise(value)
        if value is None:
            return ""
        text = repr(value) if isinstance(value, float) else str(value)
        if any(char in text for char in self._special):
            return '"' + text.replace('"', '""') + '"'
        return text

    def writerow(self, row: Iterable[Any]) -> None:
        self._stream.write(self._delimiter.join(self._cell(cell) for cell in row) + self._lineterminator)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, *, delimiter: str = ",", lineterminator: str = "\r\n") -> SafeWriter:
    """A CSV writer for ``stream`` that neutralises formulas and quotes line breaks."""
    return SafeWriter(stream, delimiter=delimiter, lineterminator=lineterminator)
