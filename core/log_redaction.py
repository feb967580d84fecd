"""Query strings never reach the server's logs: ``?token=...`` would put a bearer token there."""

from __future__ import annotations

import logging
import re

#: uvicorn logs HTTP requests on ``uvicorn.access`` and WebSocket handshakes on ``uvicorn.error``;
#: httpx logs each outgoing request (to SMS, DingTalk, WeCom: keys and signatures in the query).
LOGGERS = ("uvicorn.access", "uvicorn.error", "httpx")
_QUERY_VALUE = re.compile(r"([?&][^=&#\s\"]*)=[^&#\s\"]*")


def redact(text: str) -> str:
    """``/graphql/x?token=abc&a=1`` → ``/graphql/x?token=***&a=***`` (names kept, values gone)."""
    return _QUERY_VALUE.sub(r"\1=***", text) if "?" in text else text


class RedactQueryStrings(logging.Filter):
    """A logging filter replacing every query-string value in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) if isinstance(value, str) else value for key, value in record.args.items()}
        return True


def _redacted(arg):
    """``arg`` with its query-string values masked: strings, and URL objects (httpx passes
    ``httpx.URL``, which would otherwise be formatted unmasked)."""
    if isinstance(arg, str):
        return redact(arg)
    if type(arg).__name__ == "URL":
        return redact(str(arg))
    return arg


def install() -> None:
    """Attach the filter to uvicorn's and httpx's loggers (once; safe to call again after logging is reconfigured)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactQueryStrings) for existing in logger.filters):
            logger.addFilter(RedactQueryStrings())
