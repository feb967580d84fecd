"""A faulty, conflicting or incompatible plugin is named, with the hook and the fix."""

from __future__ import annotations

import pytest

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError, PluginError
from jiedao.core.kernel import Kernel

HEADER = """
import strawberry
from jiedao.core.hookspecs import hookimpl
from jiedao.core.plugins import PluginInfo
"""


def config(*plugins: str):
    return parse_config({"streets": {"changqing": {"name": "长庆街道", "plugins": list(plugins)}}}, database_url="sqlite+aiosqlite:///:memory:")


async def test_a_hook_that_raises_stops_start_up_naming_plugin_and_hook(install_plugin):
    path = install_plugin(
        "faulty",
        HEADER
        + """
PLUGIN = PluginInfo(name="faulty", version="1.0", title="Faulty")

@hookimpl
def jiedao_permissions(register):
    raise RuntimeError("settings file missing")
""",
    )
    with pytest.raises(PluginError) as error:
        await Kernel.load(config(), extra_plugin_paths=[path])
    assert error.value.plugin == "faulty" and error.value.hook == "jiedao_permissions"
    assert "settings file missing" in str(error.value)


async def test_two_plugins_defining_the_same_field_are_refused_naming_both(install_plugin, hello_plugin_path):
    path = install_plugin(
        "echo",
        HEADER
        + """
PLUGIN = PluginInfo(name="echo", version="1.0", title="Echo")

@strawberry.type
class EchoQuery:
    @strawberry.field
    def hello(self, name: str) -> str:
        return name

@hookimpl
def jiedao_schema(register):
    register.query(EchoQuery)
""",
    )
    kernel = await Kernel.load(config(), extra_plugin_paths=[path, hello_plugin_path])
    with pytest.raises(ConfigurationError) as error:
        kernel.schemas
    message = str(error.value)
    assert "Query.hello" in message and "'hello'" in message and "'echo'" in message
    await kernel.close()


async def test_a_root_field_without_a_declared_permission_stops_start_up_naming_it(install_plugin):
    """Deny by default: a field must say who may call it (allow) or that anyone may (public)."""
    path = install_plugin(
        "mottos",
        HEADER
        + """
from jiedao.api import public

PLUGIN = PluginInfo(name="mottos", version="1.0", title="Mottos")

@strawberry.type
class MottosQuery:
    @strawberry.field
    def motto_of_the_day(self) -> str:
        return "祝一切顺利"

    @strawberry.field(permission_classes=public("a motto for the log-in page"))
    def motto_for_everyone(self) -> str:
        return "和谐"

@hookimpl
def jiedao_schema(register):
    register.query(MottosQuery)
""",
    )
    kernel = await Kernel.load(config("mottos"), extra_plugin_paths=[path])
    with pytest.raises(ConfigurationError) as error:
        kernel.schemas
    message = str(error.value)
    assert "Query.mottoOfTheDay (plugin 'mottos') declares no permission" in message
    assert 'allow("<permission>")' in message and "public(" in message
    assert "mottoForEveryone" not in message  # declared public: fine
    await kernel.close()


def test_a_mutation_declared_public_by_omission_is_refused_naming_it():
    """``@mutation(permission=None)`` used to make a mutation public without a word: now a
    plugin says ``public("why")`` or names a permission, and None stops the import."""
    from jiedao.api import mutation, payload, public

    WishPayload = payload("SafetyWishPayload", wish=str)

    with pytest.raises(TypeError, match=r"\.make_a_wish: permission=None is not allowed.*public\("):

        @mutation(WishPayload, permission=None)
        async def make_a_wish(write):
            return {"wish": "和谐"}

    @mutation(WishPayload, permission=public("a wish for the log-in page"))
    async def make_a_public_wish(write):
        return WishPayload(wish="和谐")


async def test_core_public_fields_answer_anonymous_callers_and_nothing_else_does(client):
    """The README's promise: anonymous callers get login, street and (where published) notices."""
    for query in ("{ street { name } }", "{ notices(first: 1) { totalCount } }"):
        answer = await client.post(query)
        assert "errors" not in answer.json(), (query, answer.json())
    for query in ("{ buildings(first: 1) { totalCount } }", "{ me { username } }", "{ auditLog(first: 1) { totalCount } }"):
        body = (await client.post(query)).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", (query, body)


async def test_two_plugins_defining_the_same_table_are_refused_naming_both(install_plugin, hello_plugin_path):
    path = install_plugin(
        "copycat",
        HEADER
        + """
from jiedao_hello.plugin import Greeting

PLUGIN = PluginInfo(name="copycat", version="1.0", title="Copycat")

@hookimpl
def jiedao_models(register):
    register.models(Greeting)
""",
    )
    with pytest.raises(ConfigurationError) as error:
        await Kernel.load(config(), extra_plugin_paths=[hello_plugin_path, path])
    assert "hello_greetings" in str(error.value) and "'hello'" in str(error.value) and "'copycat'" in str(error.value)


async def test_a_plugin_for_another_jiedao_version_is_refused(install_plugin):
    path = install_plugin(
        "future",
        HEADER + 'PLUGIN = PluginInfo(name="future", version="3.0", title="Future", jiedao=">=9.0")\n',
    )
    with pytest.raises(ConfigurationError) as error:
        await Kernel.load(config(), extra_plugin_paths=[path])
    assert "plugin 'future' 3.0 supports Jiedao >=9.0" in str(error.value)


async def test_a_misspelt_hook_stops_start_up(install_plugin):
    path = install_plugin(
        "typo",
        HEADER
        + """
PLUGIN = PluginInfo(name="typo", version="1.0", title="Typo")

@hookimpl
def jiedao_shema(register):
    pass
""",
    )
    with pytest.raises(PluginError) as error:
        await Kernel.load(config(), extra_plugin_paths=[path])
    assert "jiedao_shema" in str(error.value)


async def test_a_failing_event_handler_fails_alone(install_plugin, hello_plugin_path, tmp_path):
    path = install_plugin(
        "listener",
        HEADER
        + """
from dataclasses import dataclass
from typing import ClassVar

from jiedao.core.events import DomainEvent


@dataclass(frozen=True)
class Happened(DomainEvent):
    name: ClassVar[str] = "listener.happened"
    n: int


PLUGIN = PluginInfo(name="listener", version="1.0", title="Listener", events=(Happened,))
RECEIVED = []

async def broken(event, delivery):
    raise ValueError("cannot handle")

async def working(event, delivery):
    RECEIVED.append(event.n)

@hookimpl
def jiedao_events(register):
    register.on("listener.happened", broken)
    register.on("listener.happened", working)
""",
    )
    cfg = parse_config({"streets": {"changqing": {"name": "长庆街道", "plugins": ["listener"]}, "gongchen": {"name": "拱宸桥街道"}}}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'e.db'}")
    kernel = await Kernel.load(cfg, extra_plugin_paths=[path])
    kernel._street_ids = {"changqing": 1, "gongchen": 2}
    import jiedao_listener

    failures = await kernel.events.publish("changqing", jiedao_listener.Happened(n=1))
    assert [f.plugin for f in failures] == ["listener"] and "cannot handle" in str(failures[0])
    assert jiedao_listener.RECEIVED == [1]
    await kernel.events.publish("gongchen", jiedao_listener.Happened(n=2))
    assert jiedao_listener.RECEIVED == [1], "a street that does not enable the plugin does not reach it"
    await kernel.close()
