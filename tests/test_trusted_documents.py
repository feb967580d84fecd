"""Trusted documents (``JIEDAO_TRUSTED_DOCUMENTS=allow-listed``): only the documents of the front
end's build (``core/pages/dist/persisted-documents.json``) run, however they are formatted;
any other is refused with ``PERSISTED_QUERY_NOT_ALLOWED`` before the schema sees it, over HTTP
and WebSocket alike; administrators may run anything (GraphiQL). Off by default."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import timedelta

import pytest
from websockets.asyncio.client import connect

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError
from jiedao.core.graphql_over_http import GRAPHQL_RESPONSE
from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.core.identity.roles import ALL_PERMISSION_ROLES
from jiedao.schema.trusted_documents import ADMINISTRATOR_ROLES, LONGEST, MANIFEST, MAX_TOKENS, NOT_ALLOWED, build_documents, canonical, is_trusted

URL = "/graphql/changqing"
LOGIN = """
  mutation GraphiqlLogin($input: LoginInput!) {
    login(input: $input) { token retryAfter errors { field message code } }
  }
"""
ARBITRARY = "{ street { name } }"


def manifest() -> dict[str, str]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_the_build_ships_its_documents_and_they_all_parse():
    documents = manifest()
    assert len(documents) >= 40 and all(key.startswith("sha256:") for key in documents)
    assert len(build_documents().canonical_forms) == len(documents)
    assert canonical(LOGIN) in build_documents().canonical_forms  # GraphiQL's log-in box, as its source writes it
    assert canonical(ARBITRARY) not in build_documents().canonical_forms
    assert not is_trusted(LOGIN + " " * LONGEST)  # longer than any of the build's: not even parsed
    assert canonical("{ a " * MAX_TOKENS + "}" * MAX_TOKENS) is None  # parsing stops at MAX_TOKENS


def test_the_setting_is_off_by_default_and_a_bad_value_is_named(monkeypatch):
    streets = {"streets": {"changqing": {"name": "长庆街道"}}}
    monkeypatch.delenv("JIEDAO_TRUSTED_DOCUMENTS", raising=False)
    assert parse_config(streets).trusted_documents == "off"
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "Allow-Listed")
    assert parse_config(streets).trusted_documents == "allow-listed"
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "on")
    with pytest.raises(ConfigurationError, match="JIEDAO_TRUSTED_DOCUMENTS must be one of off, allow-listed"):
        parse_config(streets)


async def test_allow_listed_refuses_other_documents_and_runs_the_builds(client):
    client.kernel.config.trusted_documents = "allow-listed"
    resident = await client.token("resident")
    for token in (None, resident):
        refused = await client.http.post(URL, json={"query": ARBITRARY}, headers={"accept": GRAPHQL_RESPONSE, **_bearer(token)})
        assert refused.status_code == 400 and "data" not in refused.json()
        assert [e["extensions"]["code"] for e in refused.json()["errors"]] == [NOT_ALLOWED]
    # an unknown field is refused as untrusted, not explained (the schema is not probed)
    probe = await client.result("{ noSuchField }", token=resident)
    assert [e["extensions"]["code"] for e in probe["errors"]] == [NOT_ALLOWED] and probe["data"] is None
    # the build's own documents run, whatever their formatting and operation name
    wrong = await client.result(LOGIN, {"input": {"username": "nobody", "password": "wrong-password"}})
    assert wrong["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    homes = next(text for text in manifest().values() if text.startswith("query ResidentHousehold "))
    answer = await client.result(homes, token=resident)
    assert "errors" not in answer and "me" in answer["data"]


async def test_administrators_may_run_any_document_when_allow_listed(client):
    assert ADMINISTRATOR_ROLES == set(ALL_PERMISSION_ROLES)
    client.kernel.config.trusted_documents = "allow-listed"
    for role, street in (("street_admin", "changqing"), ("platform_admin", None)):
        token = await client.token(role, street)
        assert await client.query(ARBITRARY, token=token) == {"street": {"name": "长庆街道"}}


async def test_a_plugin_page_s_registered_documents_run_for_its_users_when_allow_listed(client):
    """The cockpit's documents (``register.trusted_documents``) run for a community worker, who
    may see the cockpit but is no administrator; the same query written otherwise is refused."""
    from jiedao.plugins.dashboard.documents import COCKPIT_DOCUMENTS

    client.kernel.config.trusted_documents = "allow-listed"
    worker = await client.token("community_worker")
    metrics = await client.result(COCKPIT_DOCUMENTS["metrics"], token=worker)
    assert "errors" not in metrics and metrics["data"]["cockpit"]["metrics"]
    refresh = await client.result(COCKPIT_DOCUMENTS["refresh"], {"series": "", "withSeries": False, "bkey": "", "bdim": "", "withBreakdown": False}, token=worker)
    assert "errors" not in refresh and "kpis" in refresh["data"]["cockpit"]
    other = await client.result("{ cockpit { metrics { key kind } } }", token=worker)
    assert [e["extensions"]["code"] for e in other["errors"]] == [NOT_ALLOWED]


async def test_off_runs_any_document(client):
    assert client.kernel.config.trusted_documents == "off"
    assert await client.query(ARBITRARY) == {"street": {"name": "长庆街道"}}


def _bearer(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


async def _resident_token(kernel) -> str:
    from jiedao.core.identity import service
    from jiedao.core.identity.models import Grant, Token, User

    token = secrets.token_urlsafe(24)
    async with kernel.db.transaction() as session:
        user = User(username="trusted-resident", password_hash="-")
        session.add(user)
        await session.flush()
        session.add(Grant(user_id=user.id, street_id=kernel.street_id("changqing"), role="resident"))
        session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + timedelta(hours=1)))
    return token


async def _subscribe(url: str, token: str, query: str) -> dict:
    """The first message the server sends for one subscription (``next`` or ``error``)."""
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        return json.loads(await asyncio.wait_for(ws.recv(), 20))


def test_websocket_subscriptions_obey_the_same_rule(database_url, monkeypatch):
    """Over the socket an arbitrary subscription is refused; the build's own one (here without
    the permission it needs, so it answers at once) passes the allow-list and is judged by
    its permission instead."""
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "allow-listed")
    tokens: list[str] = []

    async def seed(kernel):
        tokens.append(await _resident_token(kernel))

    own = next(text for text in manifest().values() if text.startswith("subscription OpsAlarmChanged "))
    with UvicornServer({"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}, database_url, seed=seed) as server:
        refused = asyncio.run(_subscribe(server.ws_url("changqing"), tokens[0], "subscription { alarmChanged { change } }"))
        passed = asyncio.run(_subscribe(server.ws_url("changqing"), tokens[0], own))
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == NOT_ALLOWED
    codes = [e.get("extensions", {}).get("code") for e in (passed["payload"] if passed["type"] == "error" else passed["payload"]["errors"])]
    assert NOT_ALLOWED not in codes and codes == ["FORBIDDEN"]


def test_a_crafted_document_is_refused_before_its_canonical_form_is_computed(monkeypatch):
    """A deep, wide document costs a linear scan, not the sorting of every level (which took
    seconds of CPU per request for 9 KB): its tokens match no trusted document's."""
    from jiedao.schema import trusted_documents

    def never(document):
        raise AssertionError("canonical form computed for a document no trusted one could match")

    trusted_documents.build_documents()  # the build's own documents, read (and put in canonical form) once
    monkeypatch.setattr(trusted_documents, "canonical", never)
    crafted = "{" + "a{" * 195 + " ".join("b" * 4000) + "}" * 196
    assert not trusted_documents.is_trusted(crafted)
    assert not trusted_documents.is_trusted("{ street { name } }")
