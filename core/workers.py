"""``jiedao serve --workers N``: N uvicorn worker processes on one port, background work in one.

uvicorn's own supervisor starts the workers (and starts a new one when one dies); each worker
builds its kernel from the same environment and configuration as the parent, through
``worker_app``. The once-per-deployment background work (ingestion, escalation, notifications,
nightly jobs) runs in exactly one worker at a time: the workers compete for a name in Linux's
abstract socket namespace, unique to this ``serve`` (no file a clean-up of /tmp could remove
from under a running leader); the worker whose socket holds the name runs the work, and the
kernel frees the name when that process dies (even by ``kill -9``), so another worker takes it
over within ``LEADER_POLL_SECONDS``. The relays (live events between processes) run in every
worker.

A deployment across machines keeps one ``serve --no-background`` per container and the
background work elsewhere (deploy/README.md); ``--workers`` is for using every core of one host.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from jiedao.core.server import HTTP_PROTOCOL

log = logging.getLogger(__name__)

SPEC_VARIABLE = "JIEDAO_WORKER_SPEC"
"""Environment variable through which ``serve`` hands its options to the worker processes."""
LEADER_POLL_SECONDS = 1.0
"""How often a worker that does not run the background work tries to take it over."""


class WorkerHttpProtocol(HTTP_PROTOCOL):
    """The HTTP protocol of ``jiedao serve`` (request-head time limit) as a class the worker
    processes can import: uvicorn sends its settings to them by pickling."""

    header_timeout = 10.0
    """Set by ``worker_app`` from the configuration, before the worker accepts a connection."""


def worker_spec(*, background: bool, serve_options: dict[str, Any], log_format: str, verbose: bool, introspection: str | None) -> dict[str, Any]:
    """What every worker needs to build the same app as the parent: the name of the background
    work's lock (when it runs), the plugins' serve options, the logging settings."""
    lock = f"jiedao-background-{uuid.uuid4().hex}" if background else None
    return {"background_lock": lock, "serve_options": serve_options, "log_format": log_format, "verbose": verbose, "introspection": introspection}


def worker_app():
    """The ASGI app of one worker (uvicorn's ``factory=True`` target): the kernel loaded as
    ``jiedao`` loads it, the parent's serve options applied, background work behind the lock."""
    from jiedao.core.app import build_app
    from jiedao.core.kernel import Kernel
    from jiedao.core.logs import configure_logging

    spec = json.loads(os.environ[SPEC_VARIABLE])
    configure_logging(verbose=spec.get("verbose", False), log_format=spec["log_format"])
    # uvicorn calls the factory inside its running loop: load the kernel on a loop of its own,
    # as the command line does before it starts uvicorn.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        kernel = pool.submit(asyncio.run, Kernel.load()).result()
    WorkerHttpProtocol.header_timeout = kernel.config.transport.header_timeout_seconds
    kernel.serve_options.update(spec["serve_options"])
    if spec["introspection"]:
        kernel.config.introspection = spec["introspection"]
    return build_app(kernel, background=False, relays=True, background_lock=spec["background_lock"])


async def run_when_leader(lock_name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Wait until this process holds ``lock_name`` (an abstract socket name), then run ``work``
    (until cancelled); the name is freed when the work ends or the process dies."""
    holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        while True:
            try:
                holder.bind("\0" + lock_name)
                break
            except OSError:  # EADDRINUSE: another worker runs the work
                await asyncio.sleep(LEADER_POLL_SECONDS)
        log.info("background work runs in this worker (process %d)", os.getpid())
        await work()
    finally:
        holder.close()
