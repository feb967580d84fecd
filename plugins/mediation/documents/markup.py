"""Filling the HTML templates: every value escaped, only fragments built here pass as markup.

Fields come from people (a party's name, the agreed terms): ``<script>`` or ``<img src=...>``
in them must print as text, never become markup that WeasyPrint would fetch or lay out. NUL and
other control characters are dropped (HTML cannot carry them); so are the invisible bidi
embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), with which a field
could reorder what is printed around it (an amount, a date). Right-to-left *letters* (a Uyghur
name) stay.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources
from string import Template

_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


class Safe(str):
    """Markup built by this package from escaped values; inserted as it is."""


def clean(value: object) -> str:
    """``value`` as text without control characters or bidi controls (line breaks kept)."""
    text = "" if value is None else str(value)
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape(value: object) -> Safe:
    """``value`` as HTML text: cleaned, escaped, in a ``field`` span when not empty."""
    if isinstance(value, Safe):
        return value
    text = clean(value)
    if not text:
        return Safe("")
    return Safe(f'<span class="field">{html.escape(text, quote=True)}</span>')


def plain(value: object) -> Safe:
    """``value`` cleaned and escaped, without the span (for a title or an attribute)."""
    return Safe(html.escape(clean(value), quote=True))


def paragraphs(value: object) -> Safe:
    """Multi-line text as paragraphs (one per non-empty line), each escaped."""
    lines = [line.strip() for line in clean(value).split("\n")]
    return Safe("".join(f"<p>{escape(line)}</p>" for line in lines if line))


def join(fragments) -> Safe:
    """Fragments of markup one after the other."""
    return Safe("".join(Safe(f) if isinstance(f, Safe) else escape(f) for f in fragments))


@cache
def _template(name: str) -> Template:
    return Template(resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8"))


def fill(template: str, /, **values: object) -> Safe:
    """Template ``templates/<template>`` with ``$placeholders`` replaced by ``values``, each
    escaped unless it is ``Safe``; a placeholder without a value raises ``KeyError``."""
    return Safe(_template(template).substitute({key: escape(value) for key, value in values.items()}))


def stylesheet() -> str:
    """The documents' CSS (A4 pages, Noto CJK fonts)."""
    return resources.files(__package__).joinpath("templates", "documents.css").read_text(encoding="utf-8")
