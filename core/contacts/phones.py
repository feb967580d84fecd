"""Phone numbers of people to reach: Chinese mobiles and landlines with their area code."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
PHONE_RULE = "a mobile number of 11 digits starting 13-19, or a landline with its area code (0571-87001234)"


def normalise_phone(value: str) -> str | None:
    """``value`` as stored (``13800001234`` or ``0571-87001234``), or None when it is not a
    Chinese mobile or landline number; spaces and dashes are ignored."""
    digits = _SEPARATORS.sub("", value.strip())
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(digits):
        area = digits[:3] if digits[1] in "12" else digits[:4]  # 010, 02x: three digits; others four
        local = digits[len(area):]
        if 7 <= len(local) <= 8 and local[0] not in "01":
            return f"{area}-{local}"
    return None
