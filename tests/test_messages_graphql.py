"""graphql-core's own messages -- parse, validation, variable coercion -- and Jiedao's document
refusals follow the request's language too (issue 19), keeping their ``extensions`` (``code``)
and, in English, their text (``core.messages_graphql``, ``schema.localise``)."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, build_schema, graphql_sync, parse, validate

from jiedao.core.messages import core_catalogue, placeholders
from jiedao.core.messages_graphql import DID_YOU_MEAN, GRAPHQL_TEMPLATES, translatable_graphql_message

CASES = [
    ("{", None, "语法错误：此处应为 Name，实际为 <EOF>。", "Syntax Error: Expected Name, found <EOF>."),
    ("{ streeet { name } }", None, "类型“Query”上没有可查询的字段“streeet”。你是否想用 'street'？", "Cannot query field 'streeet' on type 'Query'. Did you mean 'street'?"),
    ("{ street }", None, "字段“street”（类型“Street!”）必须选择子字段。你是否想用 'street { ... }'？", "Field 'street' of type 'Street!' must have a selection of subfields. Did you mean 'street { ... }'?"),
    (
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": None},
        "变量“$id”的值无效：非空类型“ID!”的值不能为 null。",
        "Variable '$id' has invalid value: Expected value of non-null type 'ID!' not to be None.",
    ),
    (
        "query($n: Int) { grids(first: $n) { totalCount } }",
        {"n": "many"},
        "变量“$n”的值无效：Int 不能表示非整数值：'many'",
        "Variable '$n' has invalid value: Int cannot represent non-integer value: 'many'",
    ),
]


@pytest.mark.parametrize(("document", "variables", "chinese", "english"), CASES)
async def test_graphql_cores_messages_answer_in_the_request_language_with_the_same_extensions(client, document, variables, chinese, english):
    token = await client.token("street_admin")
    [zh] = await client.errors(document, variables, token=token, language="zh-CN")
    [en] = await client.errors(document, variables, token=token, language="en")
    assert (zh["message"], en["message"]) == (chinese, english)
    assert zh.get("extensions") == en.get("extensions")
    assert zh.get("locations") == en.get("locations")


def test_every_graphql_template_has_a_chinese_translation_with_its_placeholders():
    catalogue = core_catalogue()
    for template in (*GRAPHQL_TEMPLATES, DID_YOU_MEAN, "{text} {suggestion}"):
        translated = catalogue.translations["zh-CN"].get(template)
        assert translated is not None, template
        assert placeholders(translated) == placeholders(template), template


SAMPLE = build_schema("""
type Query { node(id: ID!): Thing  things(first: Int, kind: Kind): [Thing!]!  name: String }
type Thing { id: ID!  title: String!  kind: Kind }
enum Kind { BIG SMALL }
""")

BAD_DOCUMENTS = [
    "{", "{ name \"", "{ ! }", "{ nod }", "{ node }", "{ node(id: 1, foo: 2) { id } }", "{ name { x } }",
    "{ things(first: \"a\") { id } }", "{ things(kind: HUGE) { id } }", "query Q($x: Int) { name }", "{ node(id: $y) { id } }",
    "{ ...F }", "fragment F on Query { name } { name }", "{ name @foo }", "query A { name } query A { name }", "{ name } { name }",
    "query ($k: String) { things(kind: $k) { id } }", "{ node(id: 1) { ... on Nope { id } } }", "{ a: name a: things { id } }",
    "mutation { name }",
]


def _messages_of(document: str) -> list[str]:
    try:
        return [error.message for error in validate(SAMPLE, parse(document))]
    except GraphQLError as error:
        return [error.message]


@pytest.mark.parametrize("document", BAD_DOCUMENTS)
def test_each_standard_graphql_core_message_has_a_template(document):
    messages = _messages_of(document)
    assert messages
    for message in messages:
        text = translatable_graphql_message(message)
        assert text is not None, message
        assert str(text) == message  # the English is unchanged
        assert text.in_language("zh-CN") != message


@pytest.mark.parametrize(
    ("variables", "operation"),
    [({}, None), ({"id": None}, None), ({"id": ["x"]}, None), (None, "Nope")],
)
def test_each_variable_and_operation_message_has_a_template(variables, operation):
    result = graphql_sync(SAMPLE, "query A($id: ID!) { node(id: $id) { id } } query B { name }", variable_values=variables, operation_name=operation or "A")
    if operation is None and variables is None:
        return
    for error in result.errors:
        assert translatable_graphql_message(error.message) is not None, error.message


def test_a_message_no_template_matches_is_left_alone():
    assert translatable_graphql_message("Something nobody foresaw.") is None
    assert translatable_graphql_message("Something nobody foresaw. Did you mean 'x'?") is None
