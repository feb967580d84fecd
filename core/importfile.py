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
from datetime import date
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


FORMULA_STARTS = ("=", "+", "-", "@")


def formula_problem(value: str) -> str | None:
    """Why a text cell looks like a spreadsheet formula (``=HYPERLINK(...)``, ``+cmd|...``), or None.

    Such a cell would run when the register is exported and opened in Excel or WPS; names,
    codes and offices never start that way, so the importers refuse it."""
    if value.startswith(FORMULA_STARTS):
        return f"starts with '{value[0]}', which a spreadsheet runs as a formula; remove that character"
    return None


def read_table(
    path: Path,
    encoding: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    limits: dict[str, int],
    *,
    formula_ok: tuple[str, ...] = (),
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem], set[str]]:
    """The rows of a CSV file as ``(line, {column: stripped value})``, the problems found so
    far and the columns the file has. Problems: header problems, over-long fields, control characters (NUL …), formula-looking cells
    (except in ``formula_ok`` columns) and empty required cells. A cell with a problem is read
    as empty so that it is reported once. Raises ``ImportFailed`` when the file cannot be read
    as a table at all (encoding, quoting, a missing column)."""
    records = read_records(path, encoding, required + optional)
    header = [name.strip() for name in records[0][1]]
    problems = header_problems(header, required, optional)
    if any(p.reason == "missing column" for p in problems):
        raise ImportFailed(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, fields in records[1:]:
        if not any(f.strip() for f in fields):
            continue  # a blank line
        if len(fields) > len(header):
            problems.append(Problem(number, "-", f"{len(fields)} fields but {len(header)} columns"))
        record = as_record(header, fields)
        values = {k: (record.get(k) or "").strip() for k in required + optional}
        for column, value in values.items():
            if not value:
                continue
            reason = text_problem(value, limits[column]) or (None if column in formula_ok else formula_problem(value))
            if reason:
                problems.append(Problem(number, column, reason))
                values[column] = ""
        for column in required:
            if not values[column] and not any(p.line == number and p.column == column for p in problems):
                problems.append(Problem(number, column, "empty"))
        rows.append((number, values))
    if not rows and not problems:
        problems.append(Problem(2, "-", "the file has a header but no rows"))
    return rows, problems, set(header)


def parse_date(value: str) -> date:
    """A date written ``YYYY-MM-DD``; raises ``ValueError`` with the reason."""
    try:
        return date.fromisoformat(value) if len(value) == 10 else date.fromisoformat("x")
    except ValueError:
        raise ValueError(f"'{value}' is not a date written YYYY-MM-DD") from None
