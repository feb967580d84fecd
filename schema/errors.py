"""Errors as data (``UserError``) and the errors shown to clients unmasked."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any
from enum import Enum

import strawberry
from graphql import GraphQLError

from jiedao.core.errors import DomainError
from jiedao.core.messages import format_message, render_for

KERNEL_ERROR_CODES: dict[str, str] = {
    "INVALID": "The input breaks a rule of the domain; the message says which (the default code).",
    "BAD_INPUT": "A value cannot be stored as given: too long, out of range, malformed or missing.",
    "REQUIRED": "A value that must be given is missing or empty.",
    "INVALID_ID": "The value is not a global ID, or not the ID of the expected type.",
    "INVALID_CURSOR": "The pagination cursor is malformed or belongs to another list.",
    "NOT_FOUND": "The thing named does not exist in this street (or is not visible to the caller).",
    "FORBIDDEN": "The caller may not do this to this particular thing.",
    "DUPLICATE": "The thing already exists (a name, a number or a membership is taken).",
    "CONFLICT": "Someone else changed the same thing at the same moment; reload and try again.",
    "INVALID_STATE": "The thing is not in a state that allows this action.",
    "INVALID_TRANSITION": "The thing cannot move to the state asked for from its current one.",
    "TOO_EARLY": "It is too early for this action; the message says from when.",
    "INVALID_CREDENTIALS": "Wrong username or password.",
    "NO_ACCESS": "The account has no role in the street it asked for.",
    "WEAK_PASSWORD": "The password is too weak or too common.",
    "THROTTLED": "Too many failed attempts; try again later.",
}
"""The codes every schema has; a plugin adds its own with ``PluginInfo(error_codes=...)``."""

ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def error_code_enum(codes: Mapping[str, str]) -> type[Enum]:
    """The GraphQL enum ``ErrorCode`` with these codes (code -> description), in this order."""
    members = {code: strawberry.enum_value(code, description=description) for code, description in codes.items()}
    return strawberry.enum(Enum("ErrorCode", members), name="ErrorCode", description="Why a mutation was refused; stable, for programs.")


ErrorCode = error_code_enum(KERNEL_ERROR_CODES)
"""The kernel's codes; the composed schema's ``ErrorCode`` adds every plugin's."""


@strawberry.type(description="A problem the user can fix, returned in a mutation payload.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    template: strawberry.Private[str]
    code: ErrorCode = strawberry.field(description="A stable machine-readable code, e.g. NOT_FOUND; the same in every language.")
    params: strawberry.Private[dict] = dataclasses.field(default_factory=dict)

    @strawberry.field(description="What is wrong, in words to show the user, in the request's language (Accept-Language, else the street's).")
    def message(self, info: strawberry.Info) -> str:
        return render_for(info.context, self.template, self.params)

    @property
    def english(self) -> str:
        """The message in English (the template with its params), as logged."""
        return format_message(self.template, self.params)


def user_errors(*errors: Any) -> list[UserError]:
    """The payload ``errors`` list for a refused action (one error, or all of a bulk input's):
    ``DomainError``s, or anything with ``message``, ``code``, ``field`` (and ``template``/``params``)."""
    return [
        UserError(
            field=getattr(error, "field", None),
            template=getattr(error, "template", error.message),
            params=dict(getattr(error, "params", None) or {}),
            code=error.code,
        )
        for error in errors
    ]


class ClientError(Exception):
    """An error in a query (not a mutation) that the client caused; shown unmasked with its code.

    Like ``DomainError``: an English template with named placeholders filled from ``params``,
    rendered in the request's language when it reaches the client (``schema.localise``)."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", **params: Any):
        self.template = message
        self.params = params
        super().__init__(format_message(message, params))
        self.extensions = {"code": code}

    @classmethod
    def of(cls, error: DomainError) -> ClientError:
        """The query error for a ``DomainError`` (same template, params and code, no field)."""
        return cls(error.template, error.code, **error.params)


EXPECTED = (DomainError, ClientError, PermissionError, GraphQLError)


def is_expected(error: GraphQLError) -> bool:
    """Validation errors and errors the client caused are shown; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, EXPECTED)
