"""A small file store for attachments of any plugin (a mediation case's files, a proxy's
authorisation): content-addressed, a local directory by default.

Rows keep only the reference the store returns (``sha256/<hex>``); another store (object
storage) can replace ``LocalFileStore`` as long as it implements ``put`` and ``get``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol


class FileStore(Protocol):
    """Where attachment contents live."""

    def put(self, data: bytes) -> str:
        """Store ``data``; return its reference."""

    def get(self, reference: str) -> bytes:
        """The contents stored under ``reference`` (``KeyError`` if unknown)."""


class LocalFileStore:
    """Files in a local directory, named by the SHA-256 of their contents."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, reference: str) -> Path:
        kind, _, digest = reference.partition("/")
        if kind != "sha256" or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise KeyError(reference)
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Write ``data`` once (identical contents share one file); return ``sha256/<hex>``."""
        reference = "sha256/" + hashlib.sha256(data).hexdigest()
        path = self._path(reference)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(data)
            temporary.replace(path)
        return reference

    def get(self, reference: str) -> bytes:
        """The stored contents; ``KeyError`` for an unknown or malformed reference."""
        path = self._path(reference)
        if not path.exists():
            raise KeyError(reference)
        return path.read_bytes()
