"""Content-Security-Policy of the HTML pages the server renders (GraphiQL, the cockpit).

The policy is derived from the page itself: each external script and stylesheet by its exact
URL (same-origin ones as ``'self'``), each inline ``<script>`` by its SHA-256 hash. Nothing else
may run; the page may talk only to its own origin (HTTP and WebSocket), may not be framed,
and may not submit forms or change its base URL. Inline styles stay allowed: GraphiQL and
plotly.js set them from script, and styles cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)

#: Every response that sets no policy of its own (JSON, CSV, plain text) gets this one.
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _source(url: str) -> str:
    return url if re.match(r"^https://", url) else "'self'"


def policy_for_page(page: str) -> str:
    """The Content-Security-Policy that lets ``page`` load exactly what it names, nothing more."""
    scripts: list[str] = []
    for attributes, body in _SCRIPT.findall(page):
        src = _SRC.search(attributes)
        if src:
            scripts.append(_source(src.group(1)))
        else:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            scripts.append(f"'sha256-{digest}'")
    styles = [_source(href.group(1)) for link in _STYLESHEET.findall(page) if (href := _HREF.search(link))]
    directives = {
        "default-src": ["'none'"],
        "script-src": list(dict.fromkeys(scripts)) or ["'none'"],
        "style-src": list(dict.fromkeys(["'self'", *styles, "'unsafe-inline'"])),
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
