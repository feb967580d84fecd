"""Errors as data (``UserError``) and the errors shown to clients unmasked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from jiedao.core.errors import DomainError


@strawberry.type(description="A problem the user can fix, returned in a mutation payload.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str
    code: str = strawberry.field(description="A stable machine-readable code, e.g. NOT_FOUND.")


def user_errors(error: DomainError) -> list[UserError]:
    """The payload ``errors`` list for a refused action."""
    return [UserError(field=error.field, message=error.message, code=error.code)]


class ClientError(Exception):
    """An error in a query (not a mutation) that the client caused; shown unmasked with its code."""

    def __init__(self, message: str, code: str = "BAD_REQUEST"):
        super().__init__(message)
        self.extensions = {"code": code}


EXPECTED = (DomainError, ClientError, PermissionError, GraphQLError)


def is_expected(error: GraphQLError) -> bool:
    """Validation errors and errors the client caused are shown; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, EXPECTED)
