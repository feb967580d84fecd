"""Global IDs (``base64("Type:pk")``) and opaque cursors."""

from __future__ import annotations

import base64
import binascii

from core.errors import DomainError


def encode_global_id(type_name: str, pk: int) -> str:
    """The global ID of row ``pk`` of GraphQL type ``type_name``."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_global_id(global_id: str) -> tuple[str, int]:
    """``(type_name, pk)`` of a global ID; a malformed one raises ``DomainError``."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(f"'{global_id}' is not a valid ID.", code="INVALID_ID", field="id") from None


def decode_id_of(global_id: str, expected: str, field: str = "id") -> int:
    """The primary key inside a global ID that must be of type ``expected``."""
    try:
        type_name, pk = decode_global_id(global_id)
    except DomainError as error:
        raise DomainError(error.message, code=error.code, field=field) from None
    if type_name != expected:
        raise DomainError(f"'{global_id}' is not the ID of a {expected}.", code="INVALID_ID", field=field)
    return pk


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"c:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
        if prefix != "c":
            raise ValueError
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(f"'{cursor}' is not a valid cursor.", code="INVALID_CURSOR", field="after") from None
