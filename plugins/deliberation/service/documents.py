"""Documents kept with a vote: a proxy's identity (name and masked ID-card number) and a file
(the proxy's written authorisation, a paper ballot's scan), decoded from base64 and checked
against the street's size limit before it goes to the kernel's file store."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from jiedao.api import DomainError
from jiedao.api.domain import id_card_problem, mask_id_card

NAME_LENGTH = 100


@dataclass(frozen=True)
class Document:
    """A decoded file: its name, media type and contents."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Proxy:
    """Who voted for the owner: their name, masked ID-card number and written authorisation."""

    name: str
    id_card_masked: str
    authorisation: Document


def decode_document(name: str, content_type: str, content_base64: str, max_bytes: int, field: str) -> Document:
    """A named, non-empty file of at most ``max_bytes`` from base64; errors name ``field``'s parts."""
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("The content is not valid base64.", code="INVALID", field=f"{field}.contentBase64") from None
    if not data:
        raise DomainError("The file is empty.", code="REQUIRED", field=f"{field}.contentBase64")
    if len(data) > max_bytes:
        raise DomainError(
            "The file is larger than {most} bytes (max_attachment_bytes).", code="BAD_INPUT", field=f"{field}.contentBase64", most=max_bytes
        )
    if not name.strip():
        raise DomainError("Name the file.", code="REQUIRED", field=f"{field}.name")
    return Document(name.strip()[:200], (content_type or "application/octet-stream")[:100], data)


def check_proxy(name: str, id_card: str, authorisation: Document | None) -> Proxy:
    """A proxy needs a name, a valid ID-card number (kept masked only) and the written authorisation."""
    if not name.strip() or len(name.strip()) > NAME_LENGTH:
        raise DomainError("Give the proxy's name (1-{most} characters).", code="REQUIRED", field="proxy.name", most=NAME_LENGTH)
    if problem := id_card_problem(id_card):
        raise DomainError("The proxy's ID-card number is not valid: {problem}.", code="INVALID", field="proxy.idCard", problem=problem)
    if authorisation is None:
        raise DomainError("A proxy vote needs the owner's written authorisation (授权委托书) attached.", code="REQUIRED", field="proxy.authorisation")
    return Proxy(name.strip(), mask_id_card(id_card), authorisation)
