"""The robot's signature follows DingTalk's documented scheme, computed here independently."""

from __future__ import annotations

import base64
import hashlib

from jiedao.plugins.dingtalk.signing import robot_sign

# The inputs of DingTalk's documented Python example ("加签"): a millisecond timestamp and the
# robot's secret (which starts with SEC).
TIMESTAMP = "1577262236757"
SECRET = "SEC09faf4f6b65b2a5c1f2bd4c0b9e6f3d2a1a7f8c9e0d1b2a3f4e5d6c7b8a9f0e1"


def hmac_sha256_by_hand(key: bytes, msg: bytes) -> bytes:
    """RFC 2104 written out: H((K ^ opad) || H((K ^ ipad) || m)), 64-byte blocks."""
    key = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + msg).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


def url_encode_base64(text: str) -> str:
    """Percent-encode the three characters Base64 uses that a URL cannot carry as such."""
    return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def test_robot_sign_is_url_encoded_base64_of_hmac_sha256_over_timestamp_newline_secret():
    expected = url_encode_base64(base64.b64encode(hmac_sha256_by_hand(SECRET.encode(), f"{TIMESTAMP}\n{SECRET}".encode())).decode())

    assert robot_sign(TIMESTAMP, SECRET) == expected
    assert robot_sign(int(TIMESTAMP), SECRET) == expected
    assert robot_sign(TIMESTAMP, SECRET + "x") != expected
