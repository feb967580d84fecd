"""Typed domain events: declared in PluginInfo, subscribed by name, checked at start-up."""

from __future__ import annotations

import pytest

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError
from jiedao.core.kernel import Kernel

PUBLISHER = """
from dataclasses import dataclass
from typing import ClassVar

from jiedao.core.events import DomainEvent
from jiedao.core.plugins import PluginInfo


@dataclass(frozen=True)
class Rang(DomainEvent):
    name: ClassVar[str] = "bell.rang"
    times: int


PLUGIN = PluginInfo(name="bell", version="1.0", title="Bell", events=(Rang,))
"""

LISTENER = """
from jiedao.core.hookspecs import hookimpl
from jiedao.core.plugins import PluginInfo

PLUGIN = PluginInfo(name="ear", version="1.0", title="Ear")
HEARD = []


async def heard(event, delivery):
    HEARD.append((delivery.street, event.times))


@hookimpl
def jiedao_events(register):
    register.on("{event}", {handler})
"""


@pytest.fixture(autouse=True)
def fresh_modules():
    """Each test installs its own versions of the two plugins: forget the last ones."""
    import sys

    yield
    for name in ("jiedao_bell", "jiedao_ear"):
        sys.modules.pop(name, None)


def config(*plugins: str):
    streets = {"changqing": {"name": "长庆街道", "plugins": list(plugins)}, "gongchen": {"name": "拱宸桥街道", "plugins": ["bell"]}}
    return parse_config({"streets": streets}, database_url="sqlite+aiosqlite:///:memory:")


async def test_a_typed_event_reaches_the_subscribers_of_streets_enabling_them(install_plugin):
    bell = install_plugin("bell", PUBLISHER)
    ear = install_plugin("ear", LISTENER.format(event="bell.rang", handler="heard"))
    kernel = await Kernel.load(config("bell", "ear"), extra_plugin_paths=[bell, ear])
    kernel._street_ids = {"changqing": 1, "gongchen": 2}
    import jiedao_bell
    import jiedao_ear

    assert await kernel.events.publish("changqing", jiedao_bell.Rang(times=3)) == []
    await kernel.events.publish("gongchen", jiedao_bell.Rang(times=4))
    assert jiedao_ear.HEARD == [("changqing", 3)]
    await kernel.close()


@pytest.mark.parametrize(
    ("event", "handler", "problem"),
    [
        ("bell.rung", "heard", "subscribes to 'bell.rung', which plugin 'bell' does not publish (it publishes: bell.rang)"),
        ("bell.rang", "lambda event, delivery: None", "which is not 'async def'"),
        ("bell.rang", "HEARD.append", "which is not 'async def'"),
    ],
)
async def test_a_wrong_subscription_stops_start_up_naming_the_plugin(install_plugin, event, handler, problem):
    bell = install_plugin("bell", PUBLISHER)
    ear = install_plugin("ear", LISTENER.format(event=event, handler=handler))
    with pytest.raises(ConfigurationError) as error:
        await Kernel.load(config("bell", "ear"), extra_plugin_paths=[bell, ear])
    assert "plugin 'ear'" in str(error.value) and problem in str(error.value)


async def test_an_undeclared_event_cannot_be_published(install_plugin):
    bell = install_plugin("bell", PUBLISHER.replace("events=(Rang,)", "events=()"))
    kernel = await Kernel.load(config("bell"), extra_plugin_paths=[bell])
    kernel._street_ids = {"changqing": 1, "gongchen": 2}
    import jiedao_bell

    with pytest.raises(TypeError, match="not a declared event"):
        await kernel.events.publish("changqing", jiedao_bell.Rang(times=1))
    await kernel.close()
