"""Prometheus exposition: request counts and latencies, and the street's current figures.

Labels stay low-cardinality: the street (only configured ones; anything else is
``unknown``), the kind of endpoint, the GraphQL operation type and the status class.
Figures are the current values of the visible GAUGE metrics, one series per street,
plugin and metric key.

``PrometheusRequests`` is an ASGI middleware installed through ``register.middleware``; it
counts into the kernel's ``RequestStats`` (``kernel.state("dashboard").requests``). The
output also carries the process-wide registry: the kernel's GraphQL operation counters
(``schema.observability``) and the Python process collectors.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from jiedao.api.domain import MetricKind
from jiedao.api.web import posted_query
from jiedao.plugins.dashboard.service.figures import Figures, visible_metrics
from jiedao.plugins.dashboard.service.ranges import Preset, resolve

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_PEEK = 64 * 1024
_OPERATION = re.compile(r"^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\b|^\s*(?:#[^\n]*\n\s*)*(\{)")


class RequestStats:
    """The Prometheus request series of one kernel (part of the dashboard's runtime state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "jiedao_http_requests", "HTTP requests and WebSocket connections served.",
            ("street", "endpoint", "operation", "status"), registry=self.registry,
        )
        self.latency = Histogram(
            "jiedao_http_request_duration_seconds", "Time to answer an HTTP request.",
            ("street", "endpoint", "operation"), buckets=BUCKETS, registry=self.registry,
        )
        self._children: dict[tuple[str, ...], tuple[Any, Any]] = {}

    def answered(self, street: str, endpoint: str, operation: str, status: int, seconds: float) -> None:
        """Count and time one answered request. The series' children are kept by their labels
        (``labels()`` checks them and takes a lock at each call; they are few and never change)."""
        labels = (street, endpoint, operation, f"{status // 100}xx")
        children = self._children.get(labels)
        if children is None:
            children = self._children[labels] = (self.latency.labels(*labels[:3]), self.requests.labels(*labels))
        children[0].observe(seconds)
        children[1].inc()


def operation_type(body: bytes) -> str:
    """``query``, ``mutation``, ``subscription`` or ``other`` for a GraphQL JSON body."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[… nested too deeply
        return "other"
    if isinstance(payload, list):
        return "batch"
    document = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(document, str):
        return "other"
    return operation_kind(document)


def operation_kind(document: str) -> str:
    """``query``, ``mutation``, ``subscription`` or ``other`` for a GraphQL document's text."""
    match = _OPERATION.match(document)
    if match is None:
        return "other"
    return match.group(1) or "query"


def classify(path: str, streets) -> tuple[str, str]:
    """(street label, endpoint label) of a request path."""
    parts = path.strip("/").split("/")
    endpoint = parts[0] if parts[0] in ("graphql", "cockpit", "metrics", "healthz", "readyz") else "other"
    street = "-"
    if endpoint in ("graphql", "cockpit") and len(parts) > 1:
        street = parts[1] if parts[1] in streets else "unknown"
    return street, endpoint


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted under their own name; any other is counted as ``other`` (labels stay few)."""


class PrometheusRequests:
    """ASGI middleware counting and timing requests per street and GraphQL operation type."""

    def __init__(self, app, kernel):
        self.app = app
        self.kernel = kernel

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        stats: RequestStats = self.kernel.state("dashboard").requests
        street, endpoint = classify(scope.get("path", "/"), self.kernel.config.streets)
        if scope["type"] == "websocket":
            stats.requests.labels(street, endpoint, "subscription", "ws").inc()
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        operation = method.lower() if method in HTTP_METHODS else "other"  # a client may send any token as its method
        body = None
        if endpoint == "graphql" and scope.get("method") == "POST":
            receive, body = await _peek(receive)
        status = {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            if body is not None:
                # The endpoint has read what front ends send; other bodies are parsed here.
                query = posted_query(scope)
                operation = operation_type(body) if query is None else operation_kind(query)
            stats.answered(street, endpoint, operation, status["code"], time.perf_counter() - started)


async def _peek(receive):
    """Read the request body (up to ``MAX_PEEK`` bytes) and return a receive that replays it."""
    messages, body = [], b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if message["type"] != "http.request" or not message.get("more_body") or len(body) > MAX_PEEK:
            break

    async def replay():
        if messages:
            return messages.pop(0)
        return await receive()

    return replay, body


def _refusal(request: Request, token: str | None) -> Response | None:
    """Why ``request`` may not read /metrics, or None: it needs ``Authorization: Bearer
    $JIEDAO_METRICS_TOKEN``; without that setting /metrics does not exist (404)."""
    if token is None:
        return PlainTextResponse("Not Found", status_code=404)
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(supplied.strip().encode(), token.encode()):
        return PlainTextResponse(
            "Send 'Authorization: Bearer <JIEDAO_METRICS_TOKEN>'.", status_code=401, headers={"www-authenticate": 'Bearer realm="metrics"'}
        )
    return None


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: request series, then the figures of every street enabling the dashboard.

    Only for the holder of ``JIEDAO_METRICS_TOKEN`` (a bearer token; 404 when it is not set)."""
    kernel = request.app.state.kernel
    refusal = _refusal(request, kernel.config.transport.metrics_token)
    if refusal is not None:
        return refusal
    figures = CollectorRegistry(auto_describe=True)
    gauge = Gauge("jiedao_figure", "Current value of a GAUGE metric a plugin publishes.", ("street", "plugin", "metric"), registry=figures)
    published = Gauge("jiedao_metrics_published", "Metrics visible in the street's cockpit, per plugin.", ("street", "plugin"), registry=figures)
    for street in kernel.config.streets:
        if "dashboard" not in kernel.enabled_plugins(street):
            continue
        metrics = visible_metrics(kernel, street)
        for plugin in {p.plugin for p in metrics}:
            published.labels(street, plugin).set(sum(1 for p in metrics if p.plugin == plugin))
        if not any(p.metric.kind is MetricKind.GAUGE for p in metrics):
            continue
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            values = await Figures(kernel, street, session.execute).kpis(resolve(Preset.TODAY, kernel.settings(street, "dashboard").timezone))
        for kpi in values:
            if kpi.metric.metric.kind is MetricKind.GAUGE and kpi.value is not None:
                gauge.labels(street, kpi.metric.plugin, kpi.metric.metric.key).set(kpi.value)
    body = generate_latest(kernel.state("dashboard").requests.registry) + generate_latest(figures) + generate_latest(REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
