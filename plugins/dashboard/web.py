"""HTTP routes of the dashboard: the web cockpit, its chart library, CSV export and /metrics."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import plotly
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from jiedao.api import DomainError
from jiedao.api.messages import render_for_request, Translatable
from jiedao.api.web import authenticate, AuthenticationFailed, policy_for_page
from jiedao.plugins.dashboard.documents import COCKPIT_DOCUMENTS
from jiedao.plugins.dashboard.service import ranges
from jiedao.plugins.dashboard.service.export import csv_of
from jiedao.plugins.dashboard.service.figures import Figures
from jiedao.plugins.dashboard.service.prometheus import metrics_endpoint
from jiedao.plugins.dashboard.service.tiles import tile_origin

PAGE = Path(__file__).resolve().parent / "static" / "cockpit.html"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _street_or_404(request: Request) -> str | None:
    kernel = request.app.state.kernel
    street = request.path_params["street"]
    if street not in kernel.config.streets or "dashboard" not in kernel.enabled_plugins(street):
        return None
    return street


async def cockpit_page(request: Request) -> Response:
    """``GET /cockpit/{street}``: the one-page web cockpit (it talks only to /graphql/{street})."""
    street = _street_or_404(request)
    if street is None:
        return PlainTextResponse("No cockpit for this street.", status_code=404)
    kernel = request.app.state.kernel
    config = {"street": street, "name": kernel.config.streets[street].name, "documents": COCKPIT_DOCUMENTS}
    page = PAGE.read_text(encoding="utf-8")
    page = page.replace("__STREET_NAME__", html.escape(config["name"])).replace("__CONFIG__", json.dumps(config, ensure_ascii=False).replace("</", "<\\/"))
    policy = cockpit_policy(page, kernel.settings(street, "dashboard").map_tiles)
    return HTMLResponse(page, headers={"cache-control": "no-store", "content-security-policy": policy})


def cockpit_policy(page: str, map_tiles: str | None) -> str:
    """The page's own policy (``policy_for_page``), with images also allowed from exactly the
    origin of the street's intranet tile server when ``map_tiles`` is set."""
    policy = policy_for_page(page)
    origin = tile_origin(map_tiles)
    if origin is None:
        return policy
    directives = [part.strip() for part in policy.split(";")]
    return "; ".join(f"{d} {origin}" if d.startswith("img-src ") else d for d in directives)


async def plotly_js(_request: Request) -> Response:
    """``GET /cockpit/static/plotly.min.js``: plotly.js as shipped in the plotly package (no CDN)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})


async def export_csv(request: Request) -> Response:
    """``GET /cockpit/{street}/export.csv?key=...&preset=...&interval=...|dimension=...`` with a bearer token."""
    street = _street_or_404(request)
    if street is None:
        return PlainTextResponse("No cockpit for this street.", status_code=404)
    kernel = request.app.state.kernel
    try:
        auth = await authenticate(kernel, street, request.headers.get("authorization"))
    except AuthenticationFailed as failure:
        return PlainTextResponse(str(failure), status_code=401)
    if auth.user is None:
        text = Translatable("Send 'Authorization: Bearer <token>' obtained from the login mutation.")
        return PlainTextResponse(render_for_request(kernel, street, request.headers, text), status_code=401)
    if "dashboard.cockpit.view" not in auth.permissions:
        text = Translatable("You lack the permission '{permission}' in this street.", permission="dashboard.cockpit.view")
        return PlainTextResponse(render_for_request(kernel, street, request.headers, text), status_code=403)
    q = request.query_params
    try:
        key = q.get("key") or _fail("Give the metric as ?key=...", "key")
        preset = _enum(ranges.Preset, q.get("preset", "LAST_7_DAYS"), "preset")
        interval = _enum(ranges.Interval, q["interval"], "interval") if q.get("interval") else None
        start, end = _time(q.get("start"), "start"), _time(q.get("end"), "end")
        period = ranges.resolve(preset, kernel.settings(street, "dashboard").timezone, start, end)
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            text = await csv_of(Figures(kernel, street, session.execute), period, key, interval, q.get("dimension"))
    except DomainError as error:
        status = 404 if error.code == "NOT_FOUND" else 400
        return PlainTextResponse(render_for_request(kernel, street, request.headers, error), status_code=status)
    filename = f"{street}-{key}.csv".replace("/", "_")
    return Response(text, media_type="text/csv; charset=utf-8", headers={"content-disposition": f'attachment; filename="{filename}"'})


def _fail(message: str, field: str, **params):
    raise DomainError(message, code="BAD_INPUT", field=field, **params)


def _enum(kind, value: str, field: str):
    try:
        return kind(value.upper())
    except ValueError:
        return _fail("'{value}' is not one of {allowed}.", field, value=value, allowed=", ".join(m.value for m in kind))


def _time(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return _fail("'{value}' is not an ISO 8601 time.", field, value=value)


ROUTES = (
    Route("/metrics", metrics_endpoint, methods=["GET"]),
    Route("/cockpit/static/plotly.min.js", plotly_js, methods=["GET"]),
    Route("/cockpit/{street}", cockpit_page, methods=["GET"]),
    Route("/cockpit/{street}/export.csv", export_csv, methods=["GET"]),
)
