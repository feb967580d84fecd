"""Request ids: 32 hexadecimal digits, unique across the processes of a deployment.

A request's id is in its response (``X-Request-Id``), its log lines and its masked errors, so
an operator can find one request from a user's screenshot. It names a request, it guards
nothing: it needs to be unique, not unpredictable. So it is a random part drawn once per
process (again in a forked child) and a counter — where ``uuid4`` cost a read of the
system's random source for every request.
"""

from __future__ import annotations

import itertools
import os
import secrets

_process_part = secrets.token_hex(8)
_counter = itertools.count()


def new_request_id() -> str:
    """A new request id: this process's random part, then its count of ids so far."""
    return f"{_process_part}{next(_counter):016x}"


def _draw_again() -> None:
    global _process_part, _counter
    _process_part, _counter = secrets.token_hex(8), itertools.count()


os.register_at_fork(after_in_child=_draw_again)
