"""Checks of a channel's settings: the provider endpoint, and names of environment variables."""

from __future__ import annotations

from urllib.parse import urlsplit

from jiedao.core.notify.channels import FAKE

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
"""The pattern of a setting naming an environment variable (``JIEDAO_DINGTALK_APP_KEY``)."""


def checked_endpoint(value: str, example: str) -> str:
    """``"fake"`` or an absolute http(s) URL without query or fragment (trailing ``/`` removed);
    anything else raises ``ValueError`` citing ``example`` (the provider's real endpoint)."""
    if value == FAKE:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"must be an http(s) URL such as {example} or \"fake\" (the local fake provider)")
    return value.rstrip("/")
