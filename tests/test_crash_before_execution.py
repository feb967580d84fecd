"""A crash inside a schema extension before execution (while parsing, validating or starting
the operation) is the server's failure: 500 with the usual masked ``INTERNAL`` error, in either
media type -- while a refused document stays 400 (``core.graphql_over_http.crashed_before_execution``)."""

from __future__ import annotations

import logging

from jiedao.core.graphql_over_http import GRAPHQL_RESPONSE

URL = "/graphql/changqing"
MODERN = {"accept": GRAPHQL_RESPONSE, "accept-language": "en"}
LEGACY = {"accept": "application/json", "accept-language": "en"}


def _explode(*args, **kwargs):
    raise RuntimeError("boom: secret detail of the cost estimate")


async def test_a_crash_inside_a_schema_extension_is_a_500_with_the_masked_error(client, monkeypatch, caplog):
    monkeypatch.setattr("jiedao.schema.extensions.estimate", _explode)
    with caplog.at_level(logging.ERROR):
        modern = await client.http.post(URL, json={"query": "{ __typename }"}, headers=MODERN)
        legacy = await client.http.post(URL, json={"query": "{ __typename }"}, headers=LEGACY)
    for answer in (modern, legacy):
        assert answer.status_code == 500, answer.text
        [error] = answer.json()["errors"]
        assert error["extensions"]["code"] == "INTERNAL" and error["message"].startswith("Internal error. Quote request id")
        assert "secret detail" not in answer.text
    assert "data" not in modern.json() and legacy.json()["data"] is None
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert any("secret detail" in str(record.exc_info) for record in caplog.records if record.exc_info)


async def test_a_refused_document_stays_400_and_an_executed_one_200(client, monkeypatch):
    refused = await client.http.post(URL, json={"query": "{ noSuchField }"}, headers=MODERN)
    assert refused.status_code == 400 and "INTERNAL" not in refused.text
    executed = await client.http.post(URL, json={"query": "{ __typename }"}, headers=MODERN)
    assert executed.status_code == 200 and executed.json()["data"] == {"__typename": "Query"}
