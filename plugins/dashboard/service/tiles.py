"""The optional intranet map-tile server of the cockpit: its URL template, checked, and the
origin the page's Content-Security-Policy then lets images come from (that origin only)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ALLOWED = {"z", "x", "y"}


def check_tile_template(template: str) -> str:
    """``template`` if it is an http(s) URL template naming {z}, {x} and {y} exactly once each
    and nothing else in braces; raises ValueError saying what is wrong otherwise."""
    template = template.strip()
    names = _PLACEHOLDER.findall(template)
    unknown = sorted(set(names) - _ALLOWED)
    if unknown:
        raise ValueError(f"map_tiles: unknown placeholder {{{unknown[0]}}}; only {{z}}, {{x}} and {{y}} are filled in")
    for name in ("z", "x", "y"):
        if names.count(name) != 1:
            raise ValueError(f"map_tiles: the URL template must contain {{{name}}} exactly once, e.g. https://tiles.intranet/{{z}}/{{x}}/{{y}}.png")
    parts = urlsplit(_PLACEHOLDER.sub("0", template))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("map_tiles: must be an http:// or https:// URL with a host, e.g. https://tiles.intranet/{z}/{x}/{y}.png")
    if parts.username or parts.password or "{" in urlsplit(template).netloc or any(c in template for c in "\"'<> \\"):
        raise ValueError("map_tiles: no credentials, placeholders in the host, quotes, spaces or angle brackets")
    if parts.query and not re.fullmatch(r"[A-Za-z0-9_.~=&%-]*", parts.query):
        raise ValueError("map_tiles: the query string may hold only letters, digits and =&%-._~")
    return template


def tile_origin(template: str | None) -> str | None:
    """``scheme://host[:port]`` of the tile server, as a CSP source, or None when unset."""
    if not template:
        return None
    parts = urlsplit(_PLACEHOLDER.sub("0", template))
    return f"{parts.scheme}://{parts.netloc}".lower()
