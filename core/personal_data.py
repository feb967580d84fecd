"""Personal data: masking phone and ID-card numbers, validating and protecting ID cards."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

_ID_CARD = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def id_card_problem(number: str) -> str | None:
    """Why ``number`` is not a valid resident ID-card number (GB 11643-1999), or None."""
    number = number.strip().upper()
    if not _ID_CARD.match(number):
        return "an ID-card number has 17 digits and a check digit (0-9 or X)"
    expected = _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS)) % 11]
    if number[17] != expected:
        return f"the check digit should be {expected}"
    return None


def mask_id_card(number: str) -> str:
    """Keep the region (6) and the last 4 characters: ``330105********123X``."""
    number = number.strip().upper()
    return number[:6] + "*" * 8 + number[-4:]


def id_card_digest(number: str) -> str:
    """A keyed hash of the ID-card number, for matching people without storing the number.

    The key comes from ``JIEDAO_SECRET``; without it a fixed development key is used.
    """
    key = os.environ.get("JIEDAO_SECRET", "jiedao-development-secret").encode()
    return hmac.new(key, number.strip().upper().encode(), hashlib.sha256).hexdigest()
