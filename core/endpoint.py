"""The GraphQL endpoint: ``/graphql/{street}`` over HTTP (GraphiQL on GET) and WebSocket."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from cross_web.request import StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from jiedao.core.graphql_over_http import GRAPHQL_RESPONSE, crashed_before_execution, encode_json, is_request_error, negotiate
from jiedao.core.known_queries import STEPPED_ASIDE, KnownQueries, known_key
from jiedao.core.identity.service import Authentication, AuthenticationFailed, SessionCheck, authenticate
from jiedao.core.messages import request_language
from jiedao.core.pages.routes import built_page, page_response
from jiedao.core.replicas import read_after
from jiedao.core.request_ids import new_request_id
from jiedao.schema.context import Context
from jiedao.core.socket_operations import OperationContextsHandler
from jiedao.core.socket_watch import Watched, watch_of
from jiedao.schema.statements import start_counting, stop_counting

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

MAX_BODY_BYTES = 1_000_000
PLAIN_JSON = frozenset({"application/json", "application/json;charset=utf-8"})
"""Content-Type values (spaces removed, lower case) of a body ``_plain_json_post`` reads itself."""
log = logging.getLogger("jiedao.http")


PARSED = "jiedao.parsed_operation"
"""The scope entry of the operation ``_known_answer`` parsed (``parse_http_body`` takes it)."""
KNOWN_KEY = "jiedao.known_key"
"""The scope entry of the request's ``known_queries.known_key`` (a well-formed JSON POST)."""
POSTED_QUERY = "jiedao.posted_query"
"""The scope entry of the document text of a well-formed JSON POST (``posted_query``)."""


def posted_query(scope: Scope) -> str | None:
    """The GraphQL document a request to ``/graphql/{street}`` posted as JSON, once the
    endpoint has read it (a middleware asks after the response), or ``None`` when it has not
    (another body, a refusal before reading, SQLite's path): read the body then."""
    return scope.get(POSTED_QUERY)


class _RequestAdapter(StarletteRequestAdapter):
    """Strawberry's request adapter, giving the ASGI scope (what ``_known_answer`` parsed)."""

    @property
    def scope(self) -> Scope:
        return self._request.scope


class StreetGraphQL(GraphQL):
    """Strawberry's ASGI view for one derived schema, building a ``Context`` per request."""

    graphql_transport_ws_handler_class = OperationContextsHandler
    """Each operation of a socket with a context (and connection) of its own, given back at its end."""

    request_adapter_class = _RequestAdapter

    def __init__(self, kernel: Kernel, schema):
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], multipart_uploads_enabled=False)
        self.kernel = kernel
        self.known = KnownQueries(schema._schema)
        """Queries one compiled statement answered before, answered again without executing."""

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
            authentication=auth,
            roles=auth.roles,
            permissions=auth.permissions,
            token_id=auth.token_id,
            client_address=request.client.host if request.client else "",
            language=request_language(self.kernel, scope["jiedao.street"], request.headers),
            # encode_json below: orjson inserts compiled answers as they are; not again after
            # the statement of a known query stepped aside (core.known_queries)
            answers_as_json=STEPPED_ASIDE not in scope,
        )
        if self.kernel.db.replicas is not None:
            context.read_after = read_after(request)
        scope["jiedao.contexts"].append(context)
        return context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's view, answering in the media type the request accepts (``graphql_over_http``)
        with the GraphQL-over-HTTP status codes, refusals included as GraphQL error bodies."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        accept = request.headers.get("accept")
        media_type = scope["jiedao.media_type"] = negotiate(accept)
        if media_type is None and not (request.method == "GET" and "text/html" in (accept or "")):
            message = f"This endpoint answers {GRAPHQL_RESPONSE} or application/json; the request accepts neither (Accept: {accept})."
            response = _error_response(406, message, "NOT_ACCEPTABLE", scope["jiedao.request_id"])
        else:
            try:
                response = await self._known_answer(request)
                if response is None:
                    response = await self._plain_answer(request)
                if response is None:
                    response = await self.run(request)
            except HTTPException as refusal:
                response = _refusal_response(refusal, request, media_type)
            else:
                if "jiedao.status" in scope:
                    response.status_code = scope["jiedao.status"]
        _send_as(response, media_type, scope["jiedao.request_id"])
        await response(scope, receive, send)

    async def _known_answer(self, request: Request) -> Response | None:
        """The answer of a well-formed JSON POST of a known query (``core.known_queries``),
        or ``None``: Strawberry's view answers. The parsed operation is kept for the view."""
        data = await self._plain_json_post(self.request_adapter_class(request))
        scope = request.scope
        scope[PARSED] = data  # None: not a plain JSON POST, Strawberry's parsing reads it
        if data is None:
            return None
        scope[POSTED_QUERY] = data.query
        if not self.kernel.db.is_postgres:
            return None
        key = scope[KNOWN_KEY] = known_key(data.query, data.operation_name, scope["jiedao.auth"], self.kernel)
        known = self.known.find(key)
        if known is None:
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        body = await self.known.answer(known, data.variables, data.operation_name, context)
        if body is not None:
            return self.create_response(body, sub_response)
        if context.compiled_answer is STEPPED_ASIDE:
            scope[STEPPED_ASIDE] = True  # the view's context answers without the statement
        try:
            await context.close()  # its connection back before the view's context takes one
        except Exception:  # noqa: BLE001 - the endpoint closes it again at the end
            log.warning("request %s: closing the known query's context failed", scope["jiedao.request_id"], exc_info=True)
        return None

    async def _plain_answer(self, request: Request) -> Response | None:
        """The answer to a well-formed JSON POST (``_plain_json_post``), executed as Strawberry's
        ``run`` would for it — its context, ``execute_single``, ``process_result`` — without
        the checks that cannot apply to it (a WebSocket, a method other than POST, GraphiQL,
        parsing, a batch, a streamed result: each ``isinstance`` against Strawberry's result
        protocols walks their attributes, a twentieth of a short query's CPU), or ``None``:
        Strawberry's view answers anything else."""
        data = request.scope.get(PARSED)
        if data is None:
            return None  # (its None stays: Strawberry's parsing reads the body)
        del request.scope[PARSED]
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        result = await self.execute_single(
            request=request, request_adapter=self.request_adapter_class(request), sub_response=sub_response, context=context,
            root_value=None, request_data=data,
        )
        body = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, body)
        return self.create_response(body, sub_response)

    async def process_result(self, request, result):
        """Strawberry's result body; for a request error asked as ``application/graphql-response+json``
        no ``data`` entry and status 400 (``application/json`` keeps 200 and ``"data": null``);
        a crash before execution (a schema extension raised) is 500 in either media type, with
        the masked ``INTERNAL`` error. A query one compiled statement answered whole, without
        an error, becomes known (``core.known_queries``)."""
        body = await super().process_result(request, result)
        key = request.scope.get(KNOWN_KEY)
        if key is not None and not result.errors and request.scope["jiedao.contexts"]:
            answered = request.scope["jiedao.contexts"][-1].compiled_answer
            if answered is not None:
                self.known.remember(key, answered)
        if crashed_before_execution(result):
            if request.scope.get("jiedao.media_type") == GRAPHQL_RESPONSE:
                body.pop("data", None)
            request.scope["jiedao.status"] = 500
        elif request.scope.get("jiedao.media_type") == GRAPHQL_RESPONSE and is_request_error(result):
            body.pop("data", None)
            request.scope["jiedao.status"] = 400
        return body

    def decode_json(self, data: str | bytes) -> object:
        """Strawberry's JSON decoding; a body that is not UTF-8 or is nested too deeply is
        refused like unparsable JSON (400), not left to escape as a server error (the standard
        library raises ``UnicodeDecodeError`` or ``RecursionError`` for them, which Strawberry
        does not catch)."""
        try:
            return super().decode_json(data)
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError(f"not UTF-8: {error.reason}", "", 0) from None
        except RecursionError:  # [[[[… nested deeper than the parser's recursion
            raise json.JSONDecodeError("nested too deeply", "", 0) from None

    def encode_json(self, data: object) -> str:
        """Answers and WebSocket messages as JSON (``graphql_over_http.encode_json``: orjson)."""
        return encode_json(data)

    async def parse_http_body(self, request):
        """The request's operation: a well-formed JSON POST read directly (``_plain_json_post``),
        anything else by Strawberry's parsing, refusing a JSON body that is not an object
        (``[]``, ``1``, ``null``)."""
        plain = request.scope.pop(PARSED) if PARSED in request.scope else await self._plain_json_post(request)
        if plain is not None:
            return plain
        try:
            return await super().parse_http_body(request)
        except AttributeError:  # data.get(...) on a number, a string or null
            raise HTTPException(400, NOT_AN_OBJECT) from None

    async def _plain_json_post(self, request) -> GraphQLRequestData | None:
        """The operation of a POST whose body is a JSON object with a string ``query`` and, if
        any, an object ``variables`` and ``extensions`` and a string ``operationName``, sent as
        ``application/json`` by a client not asking for a streamed answer — what front ends
        send — or None for anything else, which Strawberry's parsing then answers or refuses
        with its own messages. Strawberry parses the Content-Type header with the standard
        library's e-mail parser and looks for stream transports at each request: a tenth of
        the CPU of a short query."""
        if request.method != "POST" or (request.content_type or "").replace(" ", "").lower() not in PLAIN_JSON:
            return None
        accept = request.headers.get("accept") or ""
        if "multipart/mixed" in accept or "text/event-stream" in accept:
            return None
        try:
            data = self.decode_json(await request.get_body())
        except json.JSONDecodeError:  # not JSON, not UTF-8, nested too deeply
            return None
        if not isinstance(data, dict) or not isinstance(query := data.get("query"), str):
            return None
        variables, extensions, name = data.get("variables"), data.get("extensions"), data.get("operationName")
        if not (isinstance(variables, dict | None) and isinstance(extensions, dict | None) and isinstance(name, str | None)):
            return None
        return GraphQLRequestData(query=query, variables=variables, operation_name=name, extensions=extensions, protocol="http")

    def _validate_batch_request(self, request_data, protocol) -> None:
        if self.schema.config.batching_config is None:
            raise HTTPException(400, NOT_AN_OBJECT)
        super()._validate_batch_request(request_data, protocol)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the front end's build (no CDN: works offline), with the street in its
        ``<meta name="jiedao-config">`` and a Content-Security-Policy allowing exactly what the
        page loads. Strawberry calls this only for a browser's GET without ``?query=``."""
        return page_response(*built_page(self.kernel, request.scope["jiedao.street"], "graphiql.html"))

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate the socket at ``connection_init`` and watch its token from then on.

        The token comes with the upgrade request (``Authorization`` header, or ``?token=`` for
        old clients) or, as graphql-ws clients send it, in the ``connection_init`` payload
        ``{"Authorization": "Bearer <token>"}``. Without a valid one the socket is closed with
        4401 (no, unknown, revoked or expired token) or 4403 (no role in this street)."""
        scope = context.request.scope
        closer: SocketCloser = scope["jiedao.closer"]
        params = context.connection_params or {}
        if isinstance(wanted := params.get("Accept-Language") or params.get("accept-language"), str):
            # Browsers cannot set the upgrade request's headers: the app says its language here.
            context.language = request_language(self.kernel, context.street, {"accept-language": wanted})
        if not context.signed_in:
            header = params.get("Authorization") or params.get("authorization")
            if not isinstance(header, str):
                log.info("websocket %s to %s refused: no token in connection_init", context.request_id, context.street)
                await closer.close(4401, "Unauthorized: send {\"Authorization\": \"Bearer <token>\"} in connection_init")
                raise ConnectionRejectionError
            try:
                auth = await authenticate(self.kernel, context.street, header)
            except AuthenticationFailed as failure:
                log.info("websocket %s to %s refused: %s", context.request_id, context.street, failure)
                await closer.close(failure.close_code, _close_reason(failure))
                raise ConnectionRejectionError from None
            context.authentication, context.roles, context.permissions, context.token_id = auth, auth.roles, auth.permissions, auth.token_id
        watched = Watched(SessionCheck(context.token_id, context.street_id, context.roles), closer.close, context.request_id)
        watch_of(self.kernel).add(watched)
        scope["jiedao.watched"] = watched


NOT_AN_OBJECT = 'The request body must be one JSON object, e.g. {"query": "{ street { name } }"}.'


def _close_reason(failure: AuthenticationFailed) -> str:
    """A WebSocket close reason (at most 123 bytes) for ``failure``."""
    prefix = "Forbidden: " if failure.close_code == 4403 else "Unauthorized: "
    return (prefix + str(failure)).encode()[:123].decode(errors="ignore")


class SocketCloser:
    """The ``send`` of one WebSocket that can close it from outside the GraphQL handler
    (with the code the protocol defines) and drops whatever is sent after the close."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.closed = False

    async def __call__(self, message) -> None:
        if self.closed:
            return
        if message["type"] == "websocket.close":
            self.closed = True
        await self._send(message)

    async def close(self, code: int, reason: str) -> None:
        """Close the (accepted) socket with ``code``; nothing is sent on it afterwards."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):  # the client may be gone already
            await self._send({"type": "websocket.close", "code": code, "reason": reason})


async def _refuse_socket(scope: Scope, receive: Receive, send: Send, code: int, reason: str) -> None:
    """Accept, then close with ``code``: a close before accepting reaches clients as HTTP 403."""
    socket = WebSocket(scope, receive, send)
    offered = scope.get("subprotocols") or []
    await socket.accept(subprotocol=GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered else None)
    await socket.close(code, reason)


def _error_response(status: int, message: str, code: str, request_id: str, headers: dict[str, str] | None = None) -> Response:
    """A GraphQL error body refusing the request (``_send_as`` adds its request id header)."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _refusal_response(refusal: HTTPException, request: Request, media_type: str | None) -> Response:
    """The GraphQL error body for a request Strawberry refused, with the spec's status: 405 (and
    ``Allow``) for a method other than GET/POST or a mutation over GET, 415 for a body that is
    not JSON, else Strawberry's (400 for unparsable JSON, a missing or malformed parameter)."""
    request_id = request.scope["jiedao.request_id"]
    status, headers = refusal.status_code, {}
    if status == 405:
        headers["allow"] = "GET, POST"
    elif isinstance(refusal.__cause__, InvalidOperationTypeError) and request.method == "GET":
        status, headers["allow"] = 405, "POST"
    elif refusal.reason == "Unsupported content type":
        status = 415
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}.get(status, "BAD_REQUEST")
    reason = "Send the request as JSON (Content-Type: application/json)." if status == 415 else refusal.reason
    return _error_response(status, reason, code, request_id, headers)


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
        headers = dict(scope.get("headers", []))
        request_id = _request_id(headers)
        if street not in self.kernel.config.streets:
            if scope["type"] == "websocket":
                await _refuse_socket(scope, receive, send, 4404, f"No street '{street}' here."[:123])
                return
            await _reply(send, 404, f"No street '{street}' here.", "UNKNOWN_STREET", request_id)
            return
        if scope["type"] == "http":
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
                await _reply(send, 413, f"The request body exceeds {MAX_BODY_BYTES} bytes.", "BODY_TOO_LARGE", request_id)
                return
            receive = _limited(receive)
        try:
            auth = await authenticate(self.kernel, street, _authorization(scope, headers))
        except AuthenticationFailed as failure:
            client = scope.get("client") or ("-", 0)
            log.info("request %s to %s refused: %s (client %s)", request_id, street, failure, client[0])
            if scope["type"] == "websocket":
                await _refuse_socket(scope, receive, send, failure.close_code, _close_reason(failure))
                return
            await _reply(send, 401, str(failure), "UNAUTHENTICATED", request_id)
            return
        scope["jiedao.street"] = street
        scope["jiedao.request_id"] = request_id
        scope["jiedao.auth"] = auth
        scope["jiedao.contexts"] = contexts = []
        counter = start_counting()
        view = self.views[self.kernel.schemas.street_plugins[street]]
        if scope["type"] == "websocket":
            send = scope["jiedao.closer"] = SocketCloser(send)
        try:
            await view(scope, receive, send)
        except BodyTooLarge:
            await _reply(send, 413, f"The request body exceeds {MAX_BODY_BYTES} bytes.", "BODY_TOO_LARGE", request_id)
        finally:
            stop_counting(counter)  # the closing COMMITs count in an outer counter only (a test's)
            if "jiedao.watched" in scope:
                watch_of(self.kernel).discard(scope["jiedao.watched"])
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


def _request_id(headers: dict[bytes, bytes]) -> str:
    """The client's ``X-Request-Id`` when it is a plausible one, else a new id."""
    supplied = headers.get(b"x-request-id", b"").decode("latin-1")
    return supplied if 8 <= len(supplied) <= 64 and supplied.replace("-", "").isalnum() else new_request_id()


def _authorization(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    header = headers.get(b"authorization")
    if header is not None:
        return header.decode("latin-1")
    if scope["type"] == "websocket":
        # Browsers cannot set headers on WebSockets; the token may come as ?token=...
        from urllib.parse import parse_qs

        token = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if token:
            return f"Bearer {token[0]}"
    return None


_GRAPHQL_RESPONSE_TYPE = f"{GRAPHQL_RESPONSE}; charset=utf-8".encode()


def _send_as(response: Response, media_type: str | None, request_id: str) -> None:
    """Finish the headers of a view's HTTP response: its ``X-Request-Id``, and the
    GraphQL-over-HTTP media type when the request asked for it (Strawberry's responses say
    ``application/json``). Every HTTP answer of a street's view passes here, once."""
    raw = response.raw_headers
    if media_type == GRAPHQL_RESPONSE:
        for index, (name, value) in enumerate(raw):
            if name == b"content-type":
                if value.startswith(b"application/json"):
                    raw[index] = (name, _GRAPHQL_RESPONSE_TYPE)
                break
    raw.append((b"x-request-id", request_id.encode()))
