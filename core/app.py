"""The ASGI application: GraphQL per street, health checks, plugin routes, background work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute

from jiedao.core import log_redaction
from jiedao.core.errors import PluginError
from jiedao.core.gc_settle import settle_after_start
from jiedao.core.kernel import Kernel
from jiedao.core.security_headers import SecurityHeaders
from jiedao.core.endpoint import GraphQLEndpoint
from jiedao.core.pages.routes import ROUTES as PAGE_ROUTES
from jiedao.core.replicas import READ_AFTER_HEADER, WRITTEN_HEADER
from jiedao.core.workers import run_when_leader

log = logging.getLogger("jiedao")


async def healthz(_request: Request) -> PlainTextResponse:
    """The process is up."""
    return PlainTextResponse("ok")


def _readyz(kernel: Kernel):
    async def readyz(_request: Request) -> JSONResponse:
        """The database answers, and every plugin's readiness check (``register.readiness``) passes."""
        try:
            async with kernel.db.engine.connect() as connection:
                await connection.execute(text("select 1"))
        except Exception as error:  # noqa: BLE001 - reported as not ready
            log.warning("readiness check failed: %s", error)
            return JSONResponse({"ready": False, "database": "unreachable"}, status_code=503)
        problems = await _plugin_problems(kernel)
        if problems:
            return JSONResponse({"ready": False, **problems}, status_code=503)
        return JSONResponse({"ready": True})

    return readyz


async def _plugin_problems(kernel: Kernel) -> dict[str, str]:
    """``{name: reason}`` of the plugins' readiness checks that do not pass."""
    problems = {}
    for plugin, name, check in kernel.contributions.readiness:
        try:
            reason = check(kernel)
            if asyncio.iscoroutine(reason):
                reason = await reason
        except Exception as error:  # noqa: BLE001 - a broken check reports, it does not crash /readyz
            log.exception("%s", PluginError(plugin, "readiness", error))
            reason = f"readiness check failed ({type(error).__name__})"
        if reason:
            problems[name] = str(reason)
    return problems


async def _run_background(kernel: Kernel, plugin: str, task) -> None:
    try:
        await task(kernel)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - one job fails alone
        log.exception("%s", PluginError(plugin, "jiedao_background", error))


async def _run_all_background(kernel: Kernel) -> None:
    """Every plugin's background work, until cancelled."""
    await asyncio.gather(*(_run_background(kernel, plugin, task) for plugin, task in kernel.contributions.background))


def build_app(kernel: Kernel, *, background: bool = True, relays: bool | None = None, background_lock: str | None = None) -> Starlette:
    """The Starlette app of ``kernel``; ``background=False`` skips plugins' long-running work.

    ``relays`` (default: as ``background``) runs the plugins' relays (``register.relay``),
    which every serving process of a deployment needs: ``jiedao serve --no-background`` runs
    the relays without the background work. ``background_lock`` (``serve --workers``): the
    background work runs in whichever process holds that lock
    (``core.workers.run_when_leader``)."""
    relays = background if relays is None else relays
    from jiedao.core.identity.throttle import LoginPolicy

    LoginPolicy.from_env()  # refuse to start with bad JIEDAO_LOGIN_* settings
    graphql = GraphQLEndpoint(kernel)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        log_redaction.install()  # after the server configured its logging
        await kernel.sync_streets()
        settle_after_start()
        work = [*(kernel.contributions.background if background else ()), *(kernel.contributions.relays if relays else ())]
        tasks = [asyncio.create_task(_run_background(kernel, plugin, task)) for plugin, task in work]
        if background_lock is not None:
            tasks.append(asyncio.create_task(run_when_leader(background_lock, lambda: _run_all_background(kernel))))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await kernel.close()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", _readyz(kernel)),
        Route("/graphql/{street}", graphql),  # every method: the endpoint refuses the others in JSON (405, Allow)
        WebSocketRoute("/graphql/{street}", graphql),
        *PAGE_ROUTES,
        *(route for _, route in kernel.contributions.routes),
    ]
    middleware = [Middleware(cls, kernel=kernel, **options) for _, cls, options in kernel.contributions.middleware]
    if kernel.config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(kernel.config.cors_origins),
                allow_methods=["GET", "POST"],
                # A front end on another origin reads its commit position and sends it back
                # for read-your-writes on replicas (core.replicas).
                allow_headers=["authorization", "content-type", "x-request-id", READ_AFTER_HEADER],
                expose_headers=["x-request-id", WRITTEN_HEADER],
            )
        )
    middleware.insert(0, Middleware(SecurityHeaders))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.kernel = kernel
    return app
