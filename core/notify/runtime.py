"""The notification machinery of one process: channel instances per street, the fake
providers' recorder, and the wake-up of the delivery worker when new messages commit."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from jiedao.core.notify.channels import FAKE_PROVIDERS_URL
from jiedao.core.notify.fakes import FakeRecorder

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

log = logging.getLogger("jiedao.notify")
KEY = "core.notify"


class NotifyRuntime:
    """Channels built on first use per street; ``wake`` set when messages are committed."""

    def __init__(self, kernel: Kernel, environ: Mapping[str, str] | None = None) -> None:
        self.kernel = kernel
        self.environ = dict(os.environ if environ is None else environ)
        self.recorder = FakeRecorder()
        self.wake = asyncio.Event()
        self._channels: dict[str, dict[str, Any]] = {}
        self.fakes_enabled = self.environ.get("JIEDAO_FAKE_PROVIDERS", "") == "1"
        """Whether ``/dev/providers`` and ``/dev/outbox`` answer (the demo, tests)."""

    def public_url(self, street: str) -> str:
        """Base URL of links in messages (the street's ``public_url``, else JIEDAO_PUBLIC_URL)."""
        configured = self.kernel.settings(street, "notify").public_url
        return (configured or self.environ.get("JIEDAO_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

    def channels(self, street: str) -> dict[str, Any]:
        """The channels the street can use: core's and those of the plugins it enables."""
        built = self._channels.get(street)
        if built is None:
            enabled = {"core", *self.kernel.enabled_plugins(street)}
            environ = dict(self.environ)
            if self.fakes_enabled:
                environ[FAKE_PROVIDERS_URL] = f"{self.public_url(street)}/dev/providers/{street}"
            built = {}
            for name, (plugin, cls) in self.kernel.contributions.channels.items():
                if plugin not in enabled:
                    continue
                settings = self.kernel.config.streets[street].settings.get(plugin)
                try:
                    built[name] = cls(settings, environ)
                except Exception:  # noqa: BLE001 - a misconfigured channel must not stop the others
                    log.exception("channel '%s' of plugin '%s' cannot start in %s", name, plugin, street)
            self._channels[street] = built
        return built

    def reset(self, environ: Mapping[str, str] | None = None) -> None:
        """Forget built channels (tests change endpoints and secrets)."""
        if environ is not None:
            self.environ = dict(environ)
            self.fakes_enabled = self.environ.get("JIEDAO_FAKE_PROVIDERS", "") == "1"
        self._channels.clear()

    async def close(self) -> None:
        """Close every channel's connections."""
        for channels in self._channels.values():
            for channel in channels.values():
                try:
                    await channel.aclose()
                except Exception:  # noqa: BLE001
                    log.exception("channel '%s' failed to close", getattr(channel, "name", channel))
        self._channels.clear()


def runtime(kernel: Kernel) -> NotifyRuntime:
    """The process's notification runtime (made on first use, closed with the kernel)."""
    existing = kernel._state.get(KEY)
    if existing is None:
        existing = kernel._state[KEY] = NotifyRuntime(kernel)
    return existing


WAKE = "jiedao.notify.wake"


def wake_after_commit(session) -> None:
    """Ask this process's worker to look at the outbox once ``session`` commits."""
    session.info[WAKE] = True


@event.listens_for(Session, "after_commit")
def _wake(session) -> None:
    if session.info.pop(WAKE, False):
        kernel = session.info.get("kernel")
        if kernel is not None:
            runtime(kernel).wake.set()
