"""HTTP routes of the front end: ``/`` (landing), ``/app/{street}/...``, ``/static/...``, favicon.

The app's HTML is the Vite build's ``app.html`` with the street's configuration filled in and a
Content-Security-Policy derived from the page (only same-origin scripts and styles, GraphQL
over HTTP and WebSocket to the same origin). Hashed assets are cached for a year; the HTML
never is, so a new build reaches browsers on their next visit.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from jiedao.schema.page_policy import policy_for_page

DIST = Path(__file__).resolve().parent / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"


def street_config(kernel, street: str) -> dict:
    """What the app learns from the server about ``street``: slug, name, enabled plugins."""
    return {"street": street, "name": kernel.config.streets[street].name, "plugins": sorted(kernel.enabled_plugins(street))}


def built_page(kernel, street: str, name: str) -> tuple[str, str]:
    """The built page ``name`` (``app.html``, ``graphiql.html``) for ``street`` — its
    configuration in the ``<meta name="jiedao-config">``, its name in the title — and its
    Content-Security-Policy, derived from the build's page *before* anything is filled in: a
    value that ever escaped its escaping could not bring its script into the policy."""
    config = street_config(kernel, street)
    template = (DIST / name).read_text(encoding="utf-8")
    page = template.replace("__CONFIG__", html.escape(json.dumps(config, ensure_ascii=False), quote=True)).replace(
        "__TITLE__", html.escape(config["name"])
    )
    return page, policy_for_page(template)


def page_response(page: str, policy: str) -> HTMLResponse:
    """A built page as sent: never cached (a new build reaches browsers at once), with its policy."""
    return HTMLResponse(page, headers={"cache-control": "no-store", "content-security-policy": policy})


async def app_page(request: Request) -> Response:
    """``GET /app/{street}`` and every path below it: the single-page app of the street."""
    kernel = request.app.state.kernel
    street = request.path_params["street"]
    if street not in kernel.config.streets:
        return PlainTextResponse(f"No street '{street}' here.", status_code=404)
    return page_response(*built_page(kernel, street, "app.html"))


async def static_file(request: Request) -> Response:
    """``GET /static/{path}``: a file of the build; hashed assets are immutable."""
    relative = request.path_params["path"]
    path = (DIST / relative).resolve()
    if not path.is_relative_to(DIST) or not path.is_file() or path.suffix == ".html":
        return PlainTextResponse("Not found.", status_code=404)
    cache = IMMUTABLE if relative.startswith("assets/") else "public, max-age=3600"
    return FileResponse(path, headers={"cache-control": cache})


async def favicon(_request: Request) -> Response:
    """``GET /favicon.ico`` and ``/favicon.svg``: the street emblem (an SVG; browsers accept it)."""
    return FileResponse(DIST / "favicon.svg", media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})


async def landing(request: Request) -> Response:
    """``GET /``: each street with links to its app, GraphiQL and (with the dashboard) cockpit."""
    kernel = request.app.state.kernel
    rows = []
    for slug, street in kernel.config.streets.items():
        links = [f'<a href="/app/{slug}/">居民与工作台 App</a>', f'<a href="/graphql/{slug}">GraphiQL</a>']
        if "dashboard" in kernel.enabled_plugins(slug):
            links.append(f'<a href="/cockpit/{slug}">数字驾驶舱 Cockpit</a>')
        rows.append(f"<li><h2>{html.escape(street.name)} <small>{html.escape(slug)}</small></h2><p>{' · '.join(links)}</p></li>")
    page = LANDING.replace("__STREETS__", "\n".join(rows))
    return HTMLResponse(page, headers={"cache-control": "no-store", "content-security-policy": policy_for_page(page)})


LANDING = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>街道 Jiedao</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem}ul{list-style:none;padding:0}li{border-top:1px solid #d0d7de;padding:.5rem 0}h2{font-size:1.2rem;margin:.5rem 0}
small{color:#57606a;font-weight:normal}a{color:#0b5cad}</style></head>
<body><main><h1>街道 Jiedao</h1><p>本服务器上的街道 · Streets served here</p><ul>
__STREETS__
</ul></main></body></html>
"""

ROUTES = [
    Route("/", landing),
    Route("/favicon.ico", favicon),
    Route("/favicon.svg", favicon),
    Route("/static/{path:path}", static_file),
    Route("/app/{street}", app_page),
    Route("/app/{street}/{rest:path}", app_page),
]
