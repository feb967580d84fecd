"""Global IDs (``base64("Type:pk")``) and opaque cursors (``base64("c:table:pk")``).

Decoding accepts only what encoding produces: URL-safe base64 and a canonical positive
integer (ASCII digits, no sign, no leading zero, no spaces) within the range of the
primary-key column (``INTEGER``: 2^31 - 1, ``BIGINT``: 2^63 - 1, the same on SQLite and
PostgreSQL). Anything else is a client error, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from jiedao.core.errors import DomainError

MAX_PK = 2**31 - 1
"""The largest key of an ``INTEGER`` primary key (PostgreSQL ``integer``)."""
MAX_BIG_PK = 2**63 - 1
"""The largest key of a ``BIGINT`` primary key."""

_CANONICAL_PK = re.compile(r"[1-9][0-9]{0,18}")


_FROM_URL_SAFE = bytes.maketrans(b"-_", b"+/")
"""URL-safe base64 back to the standard alphabet (``_URL_SAFE`` below goes the other way)."""


def _decode(text: str) -> str:
    """The text inside URL-safe base64 (padding optional); raises ValueError otherwise."""
    if not isinstance(text, str) or not text.isascii() or len(text) > 200:
        raise ValueError
    padded = text + "=" * (-len(text) % 4)
    # base64.b64decode(..., altchars=b"-_", validate=True), without building its table each call
    return binascii.a2b_base64(padded.encode().translate(_FROM_URL_SAFE), strict_mode=True).decode()


def pk_limit(model: type | None) -> int:
    """The largest primary key ``model``'s ``id`` column can hold on every database."""
    from sqlalchemy import BigInteger

    column = getattr(getattr(model, "__table__", None), "c", {}).get("id") if model is not None else None
    return MAX_BIG_PK if column is not None and isinstance(column.type, BigInteger) else MAX_PK


_LIMITS: dict[str, int] = {}
"""``pk_limit`` per node type with a model, found once (every decoded ID asks)."""


def _type_limit(type_name: str) -> int:
    """The largest primary key of node type ``type_name`` (``MAX_PK`` for an unknown type)."""
    limit = _LIMITS.get(type_name)
    if limit is not None:
        return limit
    from jiedao.schema.node import model_for  # schema.node imports this module

    model = model_for(type_name)
    limit = pk_limit(model)
    if model is not None:  # a type not registered yet may be later (a plugin loaded after)
        _LIMITS[type_name] = limit
    return limit


def parse_pk(text: str, limit: int = MAX_PK) -> int:
    """A primary key written canonically, e.g. ``"42"``, at most ``limit``; raises ValueError otherwise."""
    if not _CANONICAL_PK.fullmatch(text):
        raise ValueError
    pk = int(text)
    if pk > limit:
        raise ValueError
    return pk


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def encode_global_id(type_name: str, pk: int | str) -> str:
    """The global ID of row ``pk`` of GraphQL type ``type_name``: unpadded URL-safe base64 of
    ``"<type_name>:<pk>"`` (binascii directly: a list of units encodes thousands)."""
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).translate(_URL_SAFE).rstrip(b"=").decode()


def global_id_of_row(type_name: str) -> Callable[[Any], str]:
    """``row -> encode_global_id(type_name, row.id)`` in one call (``Node.id`` on every row
    of a list: a page of units encodes thousands)."""
    prefix = f"{type_name}:"
    encode, url_safe = binascii.b2a_base64, _URL_SAFE

    def global_id(row: Any) -> str:
        return encode(f"{prefix}{row.id}".encode(), newline=False).translate(url_safe).rstrip(b"=").decode()

    return global_id


_KEY_PARSERS: dict[str, Callable[[str], Any]] = {}
"""The key parsers of node types whose key is not a primary key (computed nodes)."""


def register_key_parser(type_name: str, parse: Callable[[str], Any]) -> None:
    """Let global IDs of ``type_name`` carry a key ``parse`` reads (raising ``ValueError``
    on anything it did not write) instead of a primary key."""
    _KEY_PARSERS[type_name] = parse


def decode_global_id(global_id: str, field: str = "id") -> tuple[str, Any]:
    """``(type_name, pk)`` of a global ID (``pk`` is the parsed key of a computed node
    type); a malformed one raises ``DomainError`` (INVALID_ID)."""
    try:
        type_name, pk = _decode(global_id).split(":", 1)
        parse = _KEY_PARSERS.get(type_name)
        if parse is not None:
            return type_name, parse(pk)
        return type_name, parse_pk(pk, _type_limit(type_name))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("'{id}' is not a valid ID.", code="INVALID_ID", field=field, id=str(global_id)[:100]) from None


def decode_id_of(global_id: str, expected: str, field: str = "id") -> int:
    """The primary key inside a global ID that must be of type ``expected``."""
    type_name, pk = decode_global_id(global_id, field)
    if type_name != expected:
        raise DomainError("'{id}' is not the ID of a {expected}.", code="INVALID_ID", field=field, id=global_id, expected=expected)
    return pk


def encode_cursor(pk: int, list_name: str = "") -> str:
    """The cursor after row ``pk`` of the list of ``list_name`` (a table name)."""
    return base64.urlsafe_b64encode(f"c:{list_name}:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, list_name: str = "", field: str = "after", limit: int = MAX_PK) -> int:
    """The primary key inside a cursor of the list of ``list_name``; INVALID_CURSOR otherwise."""
    try:
        prefix, name, pk = _decode(cursor).split(":", 2)
        if prefix != "c":
            raise ValueError
        value = parse_pk(pk, limit)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("'{cursor}' is not a valid cursor.", code="INVALID_CURSOR", field=field, cursor=str(cursor)[:100]) from None
    if name != list_name:
        raise DomainError(
            "'{cursor}' is a cursor of another list; pass the endCursor of this list's previous page.",
            code="INVALID_CURSOR",
            field=field,
            cursor=str(cursor)[:100],
        )
    return value
