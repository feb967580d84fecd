"""Render the errors a client sees in the request's language (``core.messages``).

A ``DomainError``, ``ClientError`` or permission refusal raised in a resolver reaches the client
as a GraphQL error whose ``message`` is English; this extension replaces it, just before the
result leaves, with the catalogue's rendering in the language of the request (or of the
WebSocket's upgrade request, for each event of a subscription). ``extensions.code`` and the rest
of the error are untouched. Mutation payload errors (``UserError.message``) render themselves.
graphql-core's own messages (parse, validation, variables) and Jiedao's document refusals carry
no template: they are matched against ``core.messages_graphql``'s table of their patterns. Errors
Strawberry reports outside the operation (a parse error from the parser cache, a crash of an
extension) are localised by ``JiedaoSchema.process_errors`` with ``localise_errors``.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions.mask_errors import MaskErrors

from jiedao.core.messages import SOURCE_LANGUAGE, language_of, render_error
from jiedao.core.messages_graphql import translatable_graphql_message


class ErrorsAfterOperation(MaskErrors):
    """Strawberry's ``MaskErrors`` (errors post-processed after the operation and on each
    streamed result) finding a result's errors by reading ``errors``: its own check,
    ``isinstance`` against a runtime-checkable protocol, costs ≈ 60 µs a request."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


class LocaliseErrors(ErrorsAfterOperation):
    """Strawberry's error post-processing (operation results and each streamed or subscription
    result), translating instead of masking."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: False)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return localise_errors(self.execution_context.context, errors)


def localise_errors(context: object, errors: list[GraphQLError]) -> list[GraphQLError]:
    """``errors`` with their messages in the language of ``context``: a template's rendering,
    else the translation of a graphql-core message. A translated error is a copy: the errors of
    a document are cached (``DocumentValidationCache``) and shared by requests in other languages."""
    localised = []
    for error in errors:
        source = error.original_error if getattr(error.original_error, "template", None) is not None else error
        rendered = render_error(context, source)
        if rendered is None and language_of(context) != SOURCE_LANGUAGE:
            text = translatable_graphql_message(error.message)
            rendered = text.render(context) if text is not None else None
        if rendered is not None and rendered != error.message:
            error = GraphQLError(
                rendered, nodes=error.nodes, source=error.source, positions=error.positions,
                path=error.path, original_error=error.original_error, extensions=error.extensions,
            )
        localised.append(error)
    return localised
