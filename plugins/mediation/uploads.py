"""Files sent to mediation as base64 (a case's attachment, performance evidence, the
committee's seal image): decoded and checked against the street's size limit, with errors
naming the input field."""

from __future__ import annotations

import base64
import binascii

from jiedao.api import DomainError


def decode_upload(content_base64: str, max_bytes: int, *, field: str = "contentBase64", what: str = "file") -> bytes:
    """The bytes of a non-empty upload of at most ``max_bytes``; ``DomainError`` naming ``field``
    otherwise (``INVALID`` not base64, ``MISSING_CONTENT`` empty, ``TOO_LARGE``)."""
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(f"The {what} is not valid base64.", code="INVALID", field=field) from None
    if not data:
        raise DomainError(f"The {what} is empty.", code="MISSING_CONTENT", field=field)
    if len(data) > max_bytes:
        raise DomainError(f"The {what} is larger than {max_bytes} bytes.", code="TOO_LARGE", field=field)
    return data
