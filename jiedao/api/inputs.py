"""Limits on input fields (``Annotated[str, LONG]``): every mutation's input is checked against them;
``id_input`` for the inputs that name one row."""

from __future__ import annotations

from jiedao.core.runner import id_input
from jiedao.schema.validation import LONG, MaxLength, Money, Range

__all__ = [
    "id_input",
    "LONG",
    "MaxLength",
    "Money",
    "Range",
]
