"""Every response names its request (``X-Request-Id``), uniquely across a deployment's
processes (``core.request_ids``)."""

from __future__ import annotations

import os
import re

from jiedao.core.request_ids import new_request_id


async def test_every_request_gets_an_id_of_its_own(client):
    ids = [(await client.post("{ street { name } }")).headers["x-request-id"] for _ in range(20)]
    assert len(set(ids)) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", each) for each in ids), ids


def test_a_forked_process_draws_its_own_part_of_the_ids():
    parent = new_request_id()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writing, new_request_id().encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    childs = os.read(reading, 64).decode()
    os.close(reading)
    assert childs[:16] != parent[:16], "a child numbering from the parent's part would repeat its ids"
    assert new_request_id()[:16] == parent[:16] and new_request_id() != parent


async def test_each_answer_of_the_endpoint_names_its_request_once(client):
    """Answers, refusals of the view (406, 415, 400) and a query asked twice (the second time
    known: ``core.known_queries``) each carry one ``X-Request-Id``, the one in their errors."""
    asked = [
        client.http.post("/graphql/changqing", json={"query": "{ street { name } }"}),
        client.http.post("/graphql/changqing", json={"query": "{ street { name } }"}),
        client.http.post("/graphql/changqing", json={"query": "{ street { name } }"}, headers={"accept": "text/plain"}),
        client.http.post("/graphql/changqing", content=b"query=x", headers={"content-type": "text/plain"}),
        client.http.post("/graphql/changqing", content=b"{", headers={"content-type": "application/json"}),
        client.http.post("/graphql/changqing", json={"query": "{ street { name } }"}, headers={"accept": "application/graphql-response+json"}),
    ]
    statuses = []
    for request in asked:
        response = await request
        statuses.append(response.status_code)
        ids = response.headers.get_list("x-request-id")
        assert len(ids) == 1, (response.status_code, ids)
        errors = response.json().get("errors") or []
        assert all(error["extensions"]["requestId"] == ids[0] for error in errors if "requestId" in error.get("extensions", {}))
    assert statuses == [200, 200, 406, 415, 400, 200]
