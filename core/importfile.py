"""Reading an uploaded CSV file defensively, for the all-or-nothing importers.

Every way a file can be wrong becomes a ``Problem`` (line, column, reason), never a
traceback: too big, empty, not in the encoding asked (UTF-8 with or without BOM by
default; GBK on request, never guessed), an over-long field (found before the ``csv``
module, whose own limit raises ``_csv.Error``), malformed quoting, duplicate or blank
header columns, control characters and over-long values in a cell.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 20_000_000
MAX_FIELD_CHARS = 10_000
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}  # GB18030 is a superset of GBK and GB2312
# Bidirectional overrides and isolates: they reorder how a name or a number is displayed.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


@dataclass(frozen=True)
class Problem:
    """Why the file cannot be imported, at a line (1: the header) and column (``-``: the line)."""

    line: int
    column: str
    reason: str


class ImportFailed(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing imported")


def decode(data: bytes, encoding: str) -> str:
    """The text of ``data`` in ``encoding`` (``utf-8`` or ``gbk``); raises ``ImportFailed``."""
    if encoding not in ENCODINGS:
        raise ImportFailed([Problem(1, "-", f"unknown encoding '{encoding}'; use one of {', '.join(ENCODINGS)}")])
    if encoding == "gbk" and not data.isascii() and _decodes(data, "utf-8-sig"):
        raise ImportFailed([Problem(1, "-", "the file is UTF-8, not GBK: import it without --encoding gbk")])
    try:
        return data.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        if encoding == "utf-8" and _decodes(data, "gb18030"):
            reason = (
                f"the file is not UTF-8 (byte 0x{byte:02x}); it reads as GBK, the encoding of Excel's 'CSV (逗号分隔)' on "
                "Chinese Windows: save it as 'CSV UTF-8 (逗号分隔)', or import it with --encoding gbk"
            )
        else:
            reason = f"the file is not {encoding.upper()} text (byte 0x{byte:02x}); save it as UTF-8"
        raise ImportFailed([Problem(line, "-", reason)]) from None


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def read_records(path: Path, encoding: str, expected: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """The records of ``path`` as ``(line where the record starts, fields)``, header first.

    ``expected``: the columns, named when the file is empty. Raises ``ImportFailed``.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFailed([Problem(1, "-", f"the file has {size:,} bytes; at most {MAX_FILE_BYTES:,}: split it")])
    return parse_records(decode(path.read_bytes(), encoding), expected)


def parse_records(text: str, expected: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """The records of CSV ``text`` as ``(line where the record starts, fields)``, header first;
    raises ``ImportFailed`` for an empty text, an over-long field or broken quoting."""
    if not text.strip():
        raise ImportFailed([Problem(1, "-", f"the file is empty; its first line must name the columns: {','.join(expected)}")])
    lines = text.split("\n")
    try:
        header = next(csv.reader([lines[0][:100_000]]), [])  # under the csv module's own limit
    except csv.Error:
        header = []
    long_fields = [
        Problem(number, _name(header, column), f"a field of more than {MAX_FIELD_CHARS:,} characters")
        for number, line in enumerate(lines, start=1)
        if len(line) > MAX_FIELD_CHARS and (column := _long_field(line)) is not None
    ]
    if long_fields:
        raise ImportFailed(long_fields)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFailed([Problem(start, "-", f"not readable as CSV: {error} (check the quotes on this line)")]) from None
    return records


def _long_field(line: str) -> int | None:
    """The index of the first field of ``line`` longer than the limit (quotes respected)."""
    column, start, quoted = 0, 0, False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            if index - start > MAX_FIELD_CHARS:
                return column
            column, start = column + 1, index + 1
    return column if len(line) - start > MAX_FIELD_CHARS else None


def _name(header: list[str], column: int) -> str:
    return header[column].strip() if column < len(header) and header[column].strip() else f"#{column + 1}"


def header_problems(header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[Problem]:
    """Missing, unknown, blank and duplicate columns of the header line."""
    problems = [Problem(1, c, "missing column") for c in required if c not in header]
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if not column:
            problems.append(Problem(1, f"#{position}", "a column without a name"))
        elif column in seen:
            problems.append(Problem(1, column, f"appears twice (columns {seen[column]} and {position}); keep one"))
        elif column not in required + optional:
            problems.append(Problem(1, column, f"unknown column; expected {', '.join(required + optional)}"))
        seen.setdefault(column, position)
    return problems


def as_record(header: list[str], fields: list[str]) -> dict[str, str]:
    """The fields of a record by column; of a duplicate column (reported by ``header_problems``)
    the first one, which the line's problems then name."""
    record: dict[str, str] = {}
    for column, value in zip(header, fields, strict=False):
        record.setdefault(column, value)
    return record


def text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` cannot be stored as text of at most ``limit`` characters, or None."""
    for position, char in enumerate(value, start=1):
        if char in _BIDI or unicodedata.category(char) == "Cc":
            return f"control character U+{ord(char):04X} at character {position}"
    if len(value) > limit:
        return f"{len(value):,} characters; at most {limit}"
    return None
