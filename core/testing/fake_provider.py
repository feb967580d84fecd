"""A channel plugin's fake provider under a real uvicorn, mounted where the kernel mounts it
(``/dev/providers/{street}/{name}``), with the environment a channel needs to reach it with
``endpoint = "fake"`` exactly as a demo street is configured::

    @pytest.fixture
    def provider():
        with serve_fake(fake_dingtalk, "dingtalk", STREET, SETTINGS, SECRETS) as served:
            yield served
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from jiedao.core.notify.channels import FAKE_PROVIDERS_URL
from jiedao.core.notify.fakes import FakeRecorder
from jiedao.core.testing.asgi_server import AsgiServer


@dataclass
class ServedFake:
    """The running fake: its recorder, its state (``app.state.fake``, None when the app keeps
    none) and the environment channels get (the secrets and where the street's fakes are)."""

    recorder: FakeRecorder
    fake: Any
    environ: dict[str, str]

    def channel_environ(self, **changed: str) -> dict[str, str]:
        """The channel's environment, with some secrets changed (to make them wrong)."""
        return {**self.environ, **changed}


@contextmanager
def serve_fake(factory: Callable[..., Any], name: str, street: str, settings: Any, secrets: Mapping[str, str]) -> Iterator[ServedFake]:
    """Serve ``factory(recorder, street, settings, secrets)`` as the fake provider ``name`` of
    ``street`` on a free port of 127.0.0.1 until the block ends."""
    recorder = FakeRecorder()
    app = factory(recorder, street, settings, dict(secrets))
    site = Starlette(routes=[Mount(f"/dev/providers/{street}/{name}", app)])
    with AsgiServer(site) as server:
        environ = {**secrets, FAKE_PROVIDERS_URL: f"{server.url}/dev/providers/{street}"}
        yield ServedFake(recorder, getattr(app.state, "fake", None), environ)
