"""How the command line logs: what an operator acts on at INFO, one line per record.

- Libraries' set-up chatter stays below INFO unless ``--verbose``: Alembic's plugin set-up and
  dialect lines (its "Running upgrade …" lines stay), the state machines of ``transitions``, the
  embedded broker's per-client lines of ``amqtt``, httpx's line per outgoing request.
- ``--log-format json`` (or ``JIEDAO_LOG_FORMAT=json``) writes one JSON object per record
  (``time``, ``level``, ``logger``, ``message``, ``exception``), for log collectors; the text
  format keeps a record on one line too (line breaks in a message are written as ``⏎``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FORMATS = ("text", "json")
QUIET = ("alembic.runtime.plugins", "transitions", "amqtt", "httpx", "httpcore")
"""Loggers kept at WARNING unless --verbose (httpx's request lines would also carry providers'
keys and signatures in their query strings; ``log_redaction`` masks them under --verbose)."""
_ALEMBIC_CHATTER = ("Context impl", "Will assume")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class OneLineFormatter(logging.Formatter):
    """The text format, with a record's line breaks folded so one record is one line
    (a traceback, when there is one, follows on its own lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).replace("\r\n", " ⏎ ").replace("\n", " ⏎ ")


def _not_alembic_chatter(record: logging.LogRecord) -> bool:
    return not (record.name == "alembic.runtime.migration" and record.getMessage().startswith(_ALEMBIC_CHATTER))


def configure_logging(*, verbose: bool = False, log_format: str = "text") -> logging.Handler:
    """Install the command line's handler on the root logger (replacing an earlier one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "jiedao", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.jiedao = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(_not_alembic_chatter)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    return handler
