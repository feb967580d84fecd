"""Verifying that a push comes from the platform: every comparison is constant-time.

- CTWing: the subscription URL the operator registers on the platform carries the street's
  token (``?token=...``); the request is accepted only when it matches.
- OneNET: ``signature = Base64(MD5(token + nonce + msg))`` over the exact text of ``msg`` as
  pushed, for the URL verification (GET, query parameters) and for every push (POST body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def same_token(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time (bytes of UTF-8)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def onenet_signature(token: str, nonce: str, msg: str) -> str:
    """OneNET's signature of a push: Base64 of the MD5 digest of ``token + nonce + msg`` (UTF-8)."""
    return base64.b64encode(hashlib.md5((token + nonce + msg).encode(), usedforsecurity=False).digest()).decode()


def onenet_signed(token: str, nonce: str, msg: str, signature: str) -> bool:
    """Whether ``signature`` is OneNET's signature of ``msg`` and ``nonce`` under ``token``.
    A ``+`` turned into a space by a form decoder is put back, as OneNET's sample receiver does."""
    expected = onenet_signature(token, nonce, msg)
    return hmac.compare_digest(expected.encode(), signature.replace(" ", "+").encode())
