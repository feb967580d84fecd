"""Why a contact's field was refused, in the reader's language.

``contact_problems`` and ``importfile.text_problem`` give their reasons as English text (the CSV
importers print them to an operator as they are); a refusal through GraphQL matches the reason
against ``REASON_TEMPLATES`` and passes it on as a ``Translatable``, and the field's name as a
word of the core's names table (``name`` → 姓名), so the whole message follows the request's
language. A reason no template matches stays English.
"""

from __future__ import annotations

from jiedao.core.messages import MessagePatterns, Name, Translatable

REASON_TEMPLATES = (
    "empty",
    "control character U+{code} at character {position}",
    "{length} characters; at most {limit}",
    "'{phone}' is not a mobile number of 11 digits starting 13-19, or a landline with its area code (0571-87001234)",
)
"""The reasons of ``contact_problems`` and ``text_problem`` (keep in step with them)."""

_REASONS = MessagePatterns(REASON_TEMPLATES)


def translatable_reason(reason: str) -> Translatable | str:
    """``reason`` as the ``Translatable`` that wrote it, or itself."""
    return _REASONS.match(reason) or reason


def field_word(field: str) -> Name:
    """A contact field's name (``name``, ``relation``, ``phone``, ``dingtalk``, ``wecom``) as a word."""
    return Name(field, "core")
