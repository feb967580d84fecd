"""Render the errors a client sees in the request's language (``core.messages``).

A ``DomainError``, ``ClientError`` or permission refusal raised in a resolver reaches the client
as a GraphQL error whose ``message`` is English; this extension replaces it, just before the
result leaves, with the catalogue's rendering in the language of the request (or of the
WebSocket's upgrade request, for each event of a subscription). ``extensions.code`` and the rest
of the error are untouched. Mutation payload errors (``UserError.message``) render themselves.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions.mask_errors import MaskErrors

from jiedao.core.messages import render_error


class LocaliseErrors(MaskErrors):
    """Strawberry's error post-processing (operation results and each streamed or subscription
    result), translating instead of masking."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: False)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context.context
        for error in errors:
            source = error.original_error if getattr(error.original_error, "template", None) is not None else error
            rendered = render_error(context, source)
            if rendered is not None:
                error.message = rendered
        return errors
