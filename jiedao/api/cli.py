"""Command-line helpers for a plugin's ``jiedao`` commands, and CSV imports (all or nothing)."""

from __future__ import annotations

from jiedao.core import importfile
from jiedao.core.cli import in_street, kernel_of, report_import_failure, require_street, run as run_command

__all__ = [
    "importfile",
    "in_street",
    "kernel_of",
    "report_import_failure",
    "require_street",
    "run_command",
]
