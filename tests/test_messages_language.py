"""Messages follow the request's language (issue 19): ``Accept-Language``, else the street's
``language`` setting; garbage falls back; ``code`` and ``field`` never change (``core.messages``)."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError
from jiedao.core.messages import core_catalogue, preferred_languages
from jiedao.core.testing.fixtures import default_streets
from jiedao.core.testing.uvicorn_server import UvicornServer
from tests.test_websocket_auth import make_token

CREATE = """mutation($input: CreateGridInput!) { createGrid(input: $input) { grid { id } errors { code field message } } }"""
COMMUNITIES = "{ communities { id } }"
GRIDS = "{ grids { totalCount } }"

CHINESE = "本街道已有编码为“g-01”的网格。"
ENGLISH = "A grid with the code 'g-01' already exists in this street."


@pytest.fixture
def jiedao_streets():
    streets = default_streets()
    streets["gongchen"]["language"] = "en"
    return streets


async def _refused_twice(client, street: str, language: str | None) -> dict:
    admin = await client.token("street_admin", street)
    community = (await client.query(COMMUNITIES, token=admin, street=street))["communities"][0]["id"]
    variables = {"input": {"code": "g-01", "name": "第一网格", "communityId": community}}
    await client.result(CREATE, variables, token=admin, street=street)  # the first is created
    body = await client.result(CREATE, variables, token=admin, street=street, language=language)
    return body["data"]["createGrid"]["errors"][0]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", CHINESE),
        ("zh", CHINESE),
        ("zh-Hans-CN", CHINESE),
        ("zh-TW,en;q=0.5", CHINESE),
        ("en", ENGLISH),
        ("en-US,en;q=0.9", ENGLISH),
        ("fr, en;q=0.8, zh-CN;q=0.9", CHINESE),
        (None, CHINESE),  # the street's language (zh-CN by default)
        ("\x7f\x00garbage;q=x", CHINESE),
        ("de", CHINESE),
        ("*", CHINESE),
    ],
)
async def test_a_refused_mutation_answers_in_the_request_language(kernel, client, language, expected):
    from jiedao.core.testing.fixtures import build_registry

    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    error = await _refused_twice(client, "changqing", language)
    assert error == {"code": "DUPLICATE", "field": "code", "message": expected}


async def test_without_the_header_a_street_answers_in_its_own_language(kernel, client):
    from jiedao.core.testing.fixtures import build_registry

    await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    assert (await _refused_twice(client, "gongchen", None))["message"] == ENGLISH
    assert (await _refused_twice(client, "gongchen", "zh-CN"))["message"] == CHINESE


async def test_a_refused_query_answers_in_the_request_language_with_the_same_code(kernel, client):
    resident = await client.token("resident")
    chinese = (await client.errors(GRIDS, token=resident, language="zh-CN"))[0]
    english = (await client.errors(GRIDS, token=resident, language="en"))[0]
    assert chinese["extensions"] == english["extensions"] and english["extensions"]["code"] == "FORBIDDEN"
    assert english["message"].startswith("You lack the permission '")
    assert chinese["message"].startswith("您在本街道没有权限“")
    anonymous = (await client.errors(GRIDS, language=None))[0]
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED" and anonymous["message"].startswith("请先登录")


def test_a_street_language_must_be_one_the_catalogue_has():
    assert parse_config({"streets": {"x": {"name": "X", "plugins": [], "language": "en"}}}).streets["x"].core.language == "en"
    with pytest.raises(ConfigurationError) as refused:
        parse_config({"streets": {"x": {"name": "X", "plugins": [], "language": "fr"}}})
    assert "language" in str(refused.value) and "zh-CN" in str(refused.value)


def test_accept_language_parsing_never_fails():
    assert preferred_languages("en;q=0.5, zh-CN") == ["zh-CN", "en"]
    assert preferred_languages("x" * 1000) == []
    assert preferred_languages(";;,,q=1,\udcff") == []
    assert core_catalogue().negotiate("zh-hans", "en") == "zh-CN"


SUBSCRIBE_ALARMS = "subscription { alarmChanged { change } }"


@pytest.fixture
def server(database_url):
    with UvicornServer({"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}, database_url) as running:
        yield running


async def _subscription_error(server: UvicornServer, token: str, headers: dict[str, str], init: dict[str, str]) -> dict:
    async with connect(server.ws_url("changqing"), subprotocols=["graphql-transport-ws"], additional_headers=headers, open_timeout=20) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}", **init}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 20))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE_ALARMS}}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 20))
    payload = answer["payload"]
    return payload[0] if isinstance(payload, list) else payload["errors"][0]


async def test_a_subscription_error_is_in_the_language_of_the_connection(server):
    token = make_token(server, "resident-live", role="resident")
    chinese = await _subscription_error(server, token, {"Accept-Language": "zh-CN"}, {})
    english = await _subscription_error(server, token, {"Accept-Language": "en"}, {})
    street_default = await _subscription_error(server, token, {}, {})
    app = await _subscription_error(server, token, {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"})
    assert english["message"].startswith("You lack the permission '")
    assert chinese["message"].startswith("您在本街道没有权限“")
    assert street_default["message"] == chinese["message"] == app["message"]
    assert chinese["extensions"] == english["extensions"]
