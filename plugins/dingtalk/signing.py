"""DingTalk's signature of a custom group robot's webhook call ("加签").

DingTalk documents: ``string_to_sign = timestamp + "\\n" + secret``, HMAC-SHA256 keyed with the
secret, Base64, then URL-encoded; ``timestamp`` is in milliseconds and must lie within one
hour of DingTalk's clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

MAX_SKEW_MS = 60 * 60 * 1000
"""How far a robot call's timestamp may lie from DingTalk's clock."""


def now_ms() -> int:
    """The current time in milliseconds since the epoch, as the robot's ``timestamp``."""
    return int(time.time() * 1000)


def raw_signature(timestamp: int | str, secret: str) -> str:
    """Base64 of HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}") (before URL-encoding)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_sign(timestamp: int | str, secret: str) -> str:
    """The ``sign`` query parameter exactly as DingTalk documents it (URL-encoded)."""
    return quote_plus(raw_signature(timestamp, secret))
