"""The GraphQL-over-HTTP media types and status codes of ``/graphql/{street}``: a client asking
for ``application/graphql-response+json`` gets it, with 400 and no ``data`` for a request that
fails before execution and 200 for an executed one; ``application/json`` (and no ``Accept``)
keeps the legacy answers; 405/406/415 as the spec says."""

from __future__ import annotations

import pytest

from jiedao.core.graphql_over_http import GRAPHQL_RESPONSE, JSON, negotiate

URL = "/graphql/changqing"
MODERN = {"accept": GRAPHQL_RESPONSE, "accept-language": "en"}
LEGACY = {"accept": "application/json", "accept-language": "en"}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
        (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
        ("text/html", None),
        ("application/json;q=0", None),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),  # JSON refused by name: the wildcard's other type
        ("application/*;q=0.5, application/json;q=0", GRAPHQL_RESPONSE),  # the named type wins over the wildcard
        ("application/*;q=0.5, application/graphql-response+json;q=0.4", JSON),
    ],
)
def test_negotiate_picks_the_media_type_the_accept_header_prefers(accept, chosen):
    assert negotiate(accept) == chosen


async def test_executed_operation_gets_200_in_the_media_type_asked_for(client):
    modern = await client.http.post(URL, json={"query": "{ __typename }"}, headers=MODERN)
    assert modern.status_code == 200
    assert modern.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert modern.json()["data"] == {"__typename": "Query"}
    legacy = await client.http.post(URL, json={"query": "{ __typename }"}, headers=LEGACY)
    assert (legacy.status_code, legacy.headers["content-type"]) == (200, "application/json")
    bare = await client.http.post(URL, json={"query": "{ __typename }"})
    assert (bare.status_code, bare.headers["content-type"]) == (200, "application/json")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{"}, "Syntax Error"),
        ({"query": "{ noSuchField }"}, "Cannot query field 'noSuchField'"),
        ({"query": "query Q($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}}, "Variable '$id' has invalid value"),
        ({"query": "{ __schema { queryType { name } } }"}, "needs a logged-in caller"),
    ],
)
async def test_request_error_gets_400_without_data_when_asked_as_graphql_response(client, body, message):
    modern = await client.http.post(URL, json=body, headers=MODERN)
    assert modern.status_code == 400
    assert modern.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert "data" not in modern.json()
    assert message in modern.json()["errors"][0]["message"]
    legacy = await client.http.post(URL, json=body, headers=LEGACY)
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None and message in legacy.json()["errors"][0]["message"]


async def test_field_error_during_execution_is_200_with_data(client):
    """Permission refusals are field errors: the operation ran, so 200 and the data entry."""
    answer = await client.http.post(URL, json={"query": "{ me { username } }"}, headers=MODERN)
    assert answer.status_code == 200
    assert "data" in answer.json() and answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_transport_refusals_carry_the_spec_status_codes(client):
    bad_json = await client.http.post(URL, content=b'{ "not a JSON', headers={**MODERN, "content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in bad_json.json()
    missing = await client.http.post(URL, json={"qeury": "{ __typename }"}, headers=MODERN)
    assert missing.status_code == 400 and "data" not in missing.json()
    unknown = await client.http.post(URL, json={"query": "query A { __typename }", "operationName": "B"}, headers=LEGACY)
    assert unknown.status_code == 400 and 'Unknown operation named "B"' in unknown.json()["errors"][0]["message"]
    form = await client.http.post(URL, content=b"query={__typename}", headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415 and form.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    mutation = await client.http.get(URL, params={"query": "mutation { logout { revoked } }"}, headers=MODERN)
    assert (mutation.status_code, mutation.headers["allow"]) == (405, "POST")
    put = await client.http.put(URL, json={"query": "{ __typename }"})
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"
    assert put.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"  # JSON like every other refusal
    delete = await client.http.delete(URL, headers=MODERN)
    assert delete.status_code == 405 and delete.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    html_only = await client.http.post(URL, json={"query": "{ __typename }"}, headers={"accept": "text/html"})
    assert html_only.status_code == 406 and html_only.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_graphiql_still_opens_for_a_browser(client):
    page = await client.http.get(URL, headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8", "application/json; charset=latin-1"],
)
async def test_every_json_content_type_is_read_and_variables_and_operation_name_honoured(client, content_type):
    """What front ends send is read directly (``StreetGraphQL._plain_json_post``); other JSON
    spellings through Strawberry's parsing: the answers are the same."""
    body = b'{"query": "query A { __typename } query B($x: Boolean!) { b: __typename @include(if: $x) }", "operationName": "B", "variables": {"x": true}}'
    answer = await client.http.post(URL, content=body, headers={**LEGACY, "content-type": content_type})
    assert answer.status_code == 200 and answer.json()["data"] == {"b": "Query"}, answer.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"query": 1}', "`query` must be a string"),
        (b'{"query": "{ __typename }", "variables": []}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "extensions": "x"}', "`extensions` must be an object"),
        (b'{"query": "{ __typename', None),
        (b'{"query": "{ __typename }", "variables": {"x": "\xff"}}', "Unable to parse request body as JSON"),  # not UTF-8
        (b"\xfe\xff\x00{", "Unable to parse request body as JSON"),
        (b"[1]", None),
        (b"[" * 200_000, "Unable to parse request body as JSON"),  # deeper than the parser's recursion
        (b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 200_000 + b"}}", "Unable to parse request body as JSON"),
    ],
)
async def test_a_malformed_json_post_is_refused_with_400_naming_what_is_wrong(client, body, message):
    answer = await client.http.post(URL, content=body, headers={**MODERN, "content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    if message is not None:
        assert message in answer.json()["errors"][0]["message"]


async def test_what_front_ends_send_skips_strawberrys_body_parsing(client, monkeypatch):
    """The fast path is taken: Strawberry's Content-Type parser (the standard library's e-mail
    parser) runs only for the other spellings."""
    from strawberry.http import async_base_view

    parsed: list[str] = []
    real = async_base_view.parse_content_type
    monkeypatch.setattr(async_base_view, "parse_content_type", lambda value: parsed.append(value) or real(value))
    plain = await client.http.post(URL, json={"query": "{ __typename }"}, headers=LEGACY)
    assert plain.json()["data"] == {"__typename": "Query"} and parsed == []
    other = await client.http.post(URL, content=b'{"query": "{ __typename }"}', headers={**LEGACY, "content-type": "application/json; charset=latin-1"})
    assert other.json()["data"] == {"__typename": "Query"} and parsed == ["application/json; charset=latin-1"]
