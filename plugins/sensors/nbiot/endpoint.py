"""The HTTP(S) endpoints the platforms push to, one per street and platform.

- ``POST /sensors/nbiot/{street}/ctwing?token=TOKEN``: CTWing's subscription push;
- ``GET /sensors/nbiot/{street}/onenet?msg=..&nonce=..&signature=..``: OneNET's URL check
  (answers ``msg`` when signed with the street's token);
- ``POST /sensors/nbiot/{street}/onenet``: OneNET's push (``msg``, ``nonce``, ``signature``).

Order of checks: the street enables sensors and the platform (404), the token's variable is
set (503), the body is at most ``max_body_bytes`` (400, nothing read past it); then the signature (401 for a
missing one, 403 for a wrong one): nothing is written before it is verified. A verified
push is stored in one transaction before the answer (``deliveries.take``): 200 when every
message was stored or was a retry, 400 naming each refused message's field (the others of
the push are stored all the same; the refused ones are quarantined, as MQTT's are).
Query-string values never reach the access log (``core.log_redaction``).
"""

from __future__ import annotations

import logging
import os

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from jiedao.plugins.sensors.nbiot import ctwing, onenet
from jiedao.plugins.sensors.nbiot.deliveries import Taken, take
from jiedao.plugins.sensors.nbiot.messages import BadBody, BadField, Pushed
from jiedao.plugins.sensors.nbiot.signatures import onenet_signed, same_token

log = logging.getLogger("jiedao.sensors.nbiot")
PLUGIN = "sensors"


class Refuse(Exception):
    """An answer given before anything is stored."""

    def __init__(self, status: int, message: str, field: str | None = None):
        self.response = JSONResponse({"error": message, **({"field": field} if field else {})}, status_code=status)


def _secret(request: Request, platform: str) -> tuple[str, str, object]:
    """The street, its token for ``platform`` and its NB-IoT settings; ``Refuse`` (404/503) otherwise."""
    kernel = request.app.state.kernel
    street = request.path_params["street"]
    if street not in kernel.config.streets or PLUGIN not in kernel.enabled_plugins(street):
        raise Refuse(404, "no such street enables sensors")
    settings = kernel.settings(street, PLUGIN).nbiot
    env = getattr(settings, f"{platform}_token_env")
    if env is None:
        raise Refuse(404, f"{platform} pushes are not enabled for this street")
    token = os.environ.get(env, "")
    if not token:
        log.error("%s pushes to %s refused: environment variable %s is not set", platform, street, env)
        raise Refuse(503, f"the {platform} token of this street is not configured")
    return street, token, settings


async def _body(request: Request, limit: int) -> bytes:
    """The request body; ``BadBody`` (too_large) past ``limit`` bytes, carrying the first
    ``limit`` bytes (``partial``) and reading no further."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            error = BadBody("body", f"larger than {limit} bytes", "too_large")
            error.partial = b"".join(chunks)[:limit]
            raise error
    return b"".join(chunks)


def _answer(taken: Taken, ignored: int = 0) -> Response:
    """200 with the counts, or 400 naming the refused messages' fields."""
    body = {"accepted": taken.accepted, "duplicates": taken.duplicates, "readings": taken.readings, "ignored": ignored}
    if not taken.refused:
        return JSONResponse(body)
    first = taken.refused[0]
    body |= {
        "error": f"{first.field}: {first.message}",
        "field": first.field,
        "refused": [{"index": r.index, "field": r.field, "reason": r.reason, "message": r.message} for r in taken.refused],
    }
    return JSONResponse(body, status_code=400)


def _unreadable(error: BadBody, raw: bytes, label: str) -> Pushed:
    """A verified body that holds no readable message, kept in quarantine like a bad message."""
    return Pushed(error.field, None, "", label, raw=raw, error=BadField(error.reason, error.field, error.message))


async def ctwing_push(request: Request) -> Response:
    """``POST /sensors/nbiot/{street}/ctwing?token=...``: one CTWing message."""
    try:
        street, token, settings = _secret(request, "ctwing")
        given = request.query_params.get("token")
        if not given:
            raise Refuse(401, "the push URL must carry the street's token (?token=...)", "token")
        if not same_token(given, token):
            raise Refuse(403, "wrong token", "token")
    except Refuse as refusal:
        return refusal.response
    raw = b""
    try:
        raw = await _body(request, settings.max_body_bytes)
        items = ctwing.parse(raw)
    except BadBody as error:
        items = [_unreadable(error, getattr(error, "partial", raw), "unreadable push")]
    taken = await take(request.app.state.kernel, street, "ctwing", items)
    return _answer(taken, ignored=0 if items else 1)


async def onenet_check(request: Request) -> Response:
    """``GET /sensors/nbiot/{street}/onenet?msg=..&nonce=..&signature=..``: OneNET's URL
    verification, answered with ``msg`` when signed with the street's token."""
    try:
        _street, token, _settings = _secret(request, "onenet")
    except Refuse as refusal:
        return refusal.response
    query = request.query_params
    missing = [name for name in ("msg", "nonce", "signature") if not query.get(name)]
    if missing:
        return JSONResponse({"error": f"'{missing[0]}' is missing", "field": missing[0]}, status_code=401)
    if not onenet_signed(token, query["nonce"], query["msg"], query["signature"]):
        return JSONResponse({"error": "wrong signature", "field": "signature"}, status_code=403)
    return PlainTextResponse(query["msg"])


async def onenet_push(request: Request) -> Response:
    """``POST /sensors/nbiot/{street}/onenet``: OneNET's push, verified before it is read further."""
    try:
        street, token, settings = _secret(request, "onenet")
        try:
            raw = await _body(request, settings.max_body_bytes)
            envelope = onenet.envelope(raw)
        except onenet.Unsigned as error:
            raise Refuse(401, error.message, error.field) from None
        except BadBody as error:  # not verifiable: nothing is kept
            raise Refuse(400, error.message, error.field) from None
        if not onenet_signed(token, envelope.nonce, envelope.msg, envelope.signature):
            raise Refuse(403, "wrong signature", "signature")
    except Refuse as refusal:
        return refusal.response
    try:
        items, ignored = onenet.parse(envelope)
    except BadBody as error:
        items, ignored = [_unreadable(error, envelope.msg.encode(), "unreadable push")], 0
    taken = await take(request.app.state.kernel, street, "onenet", items)
    return _answer(taken, ignored)


ROUTES = [
    Route("/sensors/nbiot/{street}/ctwing", ctwing_push, methods=["POST"]),
    Route("/sensors/nbiot/{street}/onenet", onenet_check, methods=["GET"]),
    Route("/sensors/nbiot/{street}/onenet", onenet_push, methods=["POST"]),
]
