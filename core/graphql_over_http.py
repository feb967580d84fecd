"""The GraphQL-over-HTTP media types: which one a request's ``Accept`` asks for, and whether a
result is a *request error* (the operation never ran) that gets 400 and no ``data`` entry.

``application/graphql-response+json`` gets the spec's status codes: 400 for a request that fails
before execution (an unparsable or invalid document, a refused document, variables that cannot
be coerced), 200 for an executed one, field errors included. ``application/json`` (asked for,
``*/*``, or no ``Accept`` header at all, as graphql-http's audit and legacy clients expect) keeps
the legacy behaviour: 200 with ``"data": null`` for the same failures. An ``Accept`` naming
neither (nor a wildcard) gets 406.
"""

from __future__ import annotations

import functools
import json

import orjson
from strawberry.types.execution import ExecutionResult, PreExecutionError

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_AS_JSON = {JSON, "application/*", "*/*"}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header: ``GRAPHQL_RESPONSE`` or ``JSON``, or
    None when neither is acceptable. The highest quality wins; on a tie, the GraphQL media type.
    No header (or an empty one) means ``JSON``. Every request asks: the answer for a header of
    ordinary length is remembered (a client sends the same one each time)."""
    if accept is None or not accept.strip():
        return JSON
    if len(accept) > _REMEMBERED_LENGTH:
        return _negotiate(accept)
    return _remembered(accept)


_REMEMBERED_LENGTH = 200


def _negotiate(accept: str) -> str | None:
    explicit: dict[str, float] = {}
    wildcard: float | None = None
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        media, quality = media.lower(), _quality(parameters)
        if media in (GRAPHQL_RESPONSE, JSON):
            explicit[media] = max(explicit.get(media, 0.0), quality)
        elif media in _AS_JSON:  # a wildcard: stands for JSON unless JSON is named (RFC 9110 12.5.1)
            wildcard = max(wildcard or 0.0, quality)
    qualities = {GRAPHQL_RESPONSE: explicit.get(GRAPHQL_RESPONSE, 0.0), JSON: explicit.get(JSON, wildcard or 0.0)}
    best = max(qualities, key=lambda media: (qualities[media], media == GRAPHQL_RESPONSE))
    if qualities[best] > 0:
        return best
    # JSON refused by name, a wildcard still accepting: the GraphQL media type it also covers
    return GRAPHQL_RESPONSE if wildcard and GRAPHQL_RESPONSE not in explicit else None


_remembered = functools.lru_cache(maxsize=128)(_negotiate)


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """Whether ``result`` reports a failure before execution: parsing, validation or a refusal
    by a schema extension (Strawberry's ``PreExecutionError``), or graphql-core's refusal to
    start (variables that cannot be coerced, an unknown operation name), which comes back
    without data and with errors that have no path and no extensions."""
    if crashed_before_execution(result):
        return False
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None and not error.extensions for error in errors)


INTERNAL = "INTERNAL"
"""The code of a masked unexpected failure (``schema.extensions.MaskUnexpectedErrors``)."""


def crashed_before_execution(result: ExecutionResult) -> bool:
    """Whether ``result`` is a failure of the server before execution -- an exception raised by
    a schema extension while parsing, validating or starting the operation -- rather than a
    refused document: Strawberry reports both as a ``PreExecutionError``, a crash with one
    masked ``INTERNAL`` error (or, unmasked, an error whose original is not a GraphQL error).
    Such a result is answered 500, not 400."""
    if not isinstance(result, PreExecutionError):
        return False
    from jiedao.schema.errors import is_expected

    return any((error.extensions or {}).get("code") == INTERNAL or not is_expected(error) for error in result.errors or [])


def encode_json(data: object) -> str:
    """A GraphQL answer as JSON text, UTF-8 characters as they are (no ``\\uXXXX`` escapes: a
    Chinese page of buildings is a fifth smaller), encoded by orjson — about eight times faster
    than the standard library on a page of 100 buildings with their units, a visible share of
    a list query's CPU. A value orjson cannot encode (an integer beyond 64 bits in a JSON
    scalar) falls back to the standard library. Text, not bytes: WebSocket messages must be
    text frames."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
