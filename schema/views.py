"""The GraphQL endpoint: ``/graphql/{street}`` over HTTP (GraphiQL on GET) and WebSocket."""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.identity.service import Authentication, AuthenticationFailed, authenticate
from schema.context import Context
from schema.statements import start_counting

if TYPE_CHECKING:
    from core.kernel import Kernel

MAX_BODY_BYTES = 1_000_000
log = logging.getLogger("jiedao.http")


class StreetGraphQL(GraphQL):
    """Strawberry's ASGI view for one derived schema, building a ``Context`` per request."""

    def __init__(self, kernel: Kernel, schema):
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], multipart_uploads_enabled=False)
        self.kernel = kernel

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        scope = request.scope
        auth: Authentication = scope["jiedao.auth"]
        context = Context(
            kernel=self.kernel,
            street=scope["jiedao.street"],
            street_id=self.kernel.street_id(scope["jiedao.street"]),
            request_id=scope["jiedao.request_id"],
            request=request,
            response=response,
            user=auth.user,
            roles=auth.roles,
            permissions=auth.permissions,
            token_id=auth.token_id,
            client_address=request.client.host if request.client else "",
        )
        scope["jiedao.contexts"].append(context)
        return context

    async def on_ws_connect(self, context: Context) -> None:
        """Accept ``{"Authorization": "Bearer <token>"}`` in the ``connection_init`` payload
        (what graphql-ws clients send), for sockets opened without a token."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if context.user is not None or not isinstance(header, str):
            return
        try:
            auth = await authenticate(self.kernel, context.street, header)
        except AuthenticationFailed as failure:
            log.info("websocket %s to %s refused: %s", context.request_id, context.street, failure)
            raise ConnectionRejectionError from None
        context.user, context.roles, context.permissions, context.token_id = auth.user, auth.roles, auth.permissions, auth.token_id


async def _reply(send: Send, status: int, message: str, code: str, request_id: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"x-request-id", request_id.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GraphQLEndpoint:
    """Dispatches ``/graphql/{street}`` to the view of the street's plugin set."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.views = {plugins: StreetGraphQL(kernel, schema) for plugins, schema in kernel.schemas.by_plugins.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        street = scope["path_params"]["street"]
        request_id = _request_id(scope)
        if street not in self.kernel.config.streets:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4404})
                return
            await _reply(send, 404, f"No street '{street}' here.", "UNKNOWN_STREET", request_id)
            return
        if scope["type"] == "http":
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
                await _reply(send, 413, f"The request body exceeds {MAX_BODY_BYTES} bytes.", "BODY_TOO_LARGE", request_id)
                return
            receive = _limited(receive)
        try:
            auth = await authenticate(self.kernel, street, _authorization(scope))
        except AuthenticationFailed as failure:
            client = scope.get("client") or ("-", 0)
            log.info("request %s to %s refused: %s (client %s)", request_id, street, failure, client[0])
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401})
                return
            await _reply(send, 401, str(failure), "UNAUTHENTICATED", request_id)
            return
        scope["jiedao.street"] = street
        scope["jiedao.request_id"] = request_id
        scope["jiedao.auth"] = auth
        scope["jiedao.contexts"] = contexts = []
        start_counting()
        view = self.views[self.kernel.schemas.street_plugins[street]]
        try:
            await view(scope, receive, _with_request_id(send, request_id))
        except BodyTooLarge:
            await _reply(send, 413, f"The request body exceeds {MAX_BODY_BYTES} bytes.", "BODY_TOO_LARGE", request_id)
        finally:
            for context in contexts:
                await context.close()


class BodyTooLarge(Exception):
    pass


def _limited(receive: Receive) -> Receive:
    received = 0

    async def wrapped():
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > MAX_BODY_BYTES:
            raise BodyTooLarge
        return message

    return wrapped


def _request_id(scope: Scope) -> str:
    supplied = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
    return supplied if 8 <= len(supplied) <= 64 and supplied.replace("-", "").isalnum() else uuid.uuid4().hex


def _authorization(scope: Scope) -> str | None:
    header = dict(scope.get("headers", [])).get(b"authorization")
    if header is not None:
        return header.decode("latin-1")
    if scope["type"] == "websocket":
        # Browsers cannot set headers on WebSockets; the token may come as ?token=...
        from urllib.parse import parse_qs

        token = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if token:
            return f"Bearer {token[0]}"
    return None


def _with_request_id(send: Send, request_id: str) -> Send:
    async def wrapped(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
        await send(message)

    return wrapped
