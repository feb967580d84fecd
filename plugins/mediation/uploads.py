"""Files sent to mediation as base64 (a case's attachment, performance evidence, the
committee's seal image): decoded and checked against the street's size limit, with errors
naming the input field."""

from __future__ import annotations

import base64
import binascii

from jiedao.api import DomainError


def decode_upload(content_base64: str, max_bytes: int, *, field: str = "contentBase64") -> bytes:
    """The bytes of a non-empty upload of at most ``max_bytes``; ``DomainError`` naming ``field``
    otherwise (``INVALID`` not base64, ``MISSING_CONTENT`` empty, ``TOO_LARGE``)."""
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("The upload is not valid base64.", code="INVALID", field=field) from None
    if not data:
        raise DomainError("The upload is empty.", code="MISSING_CONTENT", field=field)
    if len(data) > max_bytes:
        raise DomainError("The upload is larger than {limit} bytes.", code="TOO_LARGE", field=field, limit=max_bytes)
    return data
