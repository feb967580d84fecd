"""Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), checked the way the gateway checks it.

The SDK signs ``Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,
Signature=<hex>`` over the canonical request::

    METHOD \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n SignedHeaders \\n HashedPayload

with the query sorted by name and RFC 3986-encoded, the signed headers lower-cased, trimmed and
sorted, the payload's SHA-256 in ``x-acs-content-sha256``; the string to sign is
``ACS3-HMAC-SHA256 \\n hex(sha256(canonical request))``, signed with HMAC-SHA256 and the
AccessKey secret. Written from Alibaba Cloud's documentation of the V3 signature, not from the
SDK's code, so that a mistake in either shows.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

ALGORITHM = "ACS3-HMAC-SHA256"
REQUIRED_SIGNED = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version")


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


class SignatureProblem(Exception):
    """Why a request's signature is refused, with the provider's error code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def parse_authorization(value: str) -> Authorization:
    """``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`` split into its parts."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureProblem("IncompleteSignature", f"unsupported signature algorithm {algorithm!r}")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    try:
        return Authorization(algorithm, fields["Credential"], tuple(fields["SignedHeaders"].split(";")), fields["Signature"])
    except KeyError as missing:
        raise SignatureProblem("IncompleteSignature", f"the Authorization header lacks {missing.args[0]}") from None


def encode(text: str) -> str:
    """RFC 3986 percent-encoding: unreserved characters stay, everything else is %XX of UTF-8."""
    return quote(text, safe="-_.~")


def canonical_query(raw_query: str) -> str:
    """The query string decoded, sorted by name and re-encoded."""
    pairs = sorted((encode(k), encode(v)) for k, v in parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_request(method: str, path: str, raw_query: str, headers: Mapping[str, str], signed: Sequence[str], payload_hash: str) -> str:
    """The canonical request of a V3 signature (``path`` as sent on the wire, already encoded)."""
    lines = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    return "\n".join([method.upper(), path or "/", canonical_query(raw_query), lines, ";".join(signed), payload_hash])


def signature(secret: str, canonical: str) -> str:
    """HMAC-SHA256 of the string to sign with the AccessKey secret, in hex."""
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def verify(method: str, path: str, raw_query: str, headers: Mapping[str, str], body: bytes, access_key_id: str, secret: str) -> str:
    """Check a request's V3 signature against the expected AccessKey; returns the canonical
    request on success, raises ``SignatureProblem`` (with Alibaba Cloud's code) otherwise.

    ``headers`` must have lower-case names."""
    value = headers.get("authorization")
    if not value:
        raise SignatureProblem("MissingAuthorization", "the request carries no Authorization header")
    auth = parse_authorization(value)
    if auth.access_key_id != access_key_id:
        raise SignatureProblem("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    signed = list(auth.signed_headers)
    if signed != sorted(signed) or any(name not in signed for name in REQUIRED_SIGNED):
        raise SignatureProblem("IncompleteSignature", f"SignedHeaders must be sorted and include {', '.join(REQUIRED_SIGNED)}")
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        raise SignatureProblem("InvalidPayload.Mismatch", "x-acs-content-sha256 is not the SHA-256 of the body")
    canonical = canonical_request(method, path, raw_query, headers, signed, payload_hash)
    if not hmac.compare_digest(signature(secret, canonical), auth.signature):
        raise SignatureProblem("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    return canonical
