"""Limits on input fields (``Annotated[str, LONG]``): every mutation's input is checked against them."""

from __future__ import annotations

from jiedao.schema.validation import LONG, MaxLength, Money, Range

__all__ = [
    "LONG",
    "MaxLength",
    "Money",
    "Range",
]
