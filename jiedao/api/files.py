"""Attachments: a content-addressed file store (``LocalFileStore(root).put(data) -> "sha256/<hex>"``)."""

from __future__ import annotations

from jiedao.core.files import FileStore, LocalFileStore

__all__ = ["FileStore", "LocalFileStore"]
