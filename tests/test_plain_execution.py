"""The executor's plain-field path answers exactly what graphql-core's own path answers.

``schema.plain_execution`` reads columns without calling their resolvers. Every document
below runs on two copies of one small schema — Strawberry's executor, and ours with the
fields marked — and the answers must be equal: data, error messages and error paths,
including a null in a non-null field, a value its scalar refuses, a refused field, an
object of the wrong type, fragments, aliases and ``@include``.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission
from strawberry.types.field import StrawberryField

from jiedao.schema.node import enum_field
from jiedao.schema.plain_execution import GETTER, INFO_FREE, PlainFieldsExecutor, mark_plain_fields


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Refuse(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Upper(StrawberryField):
    """A field class of its own: the value is not the attribute."""

    def get_result(self, source: Any, info: Any, args: Any, kwargs: Any) -> Any:
        return getattr(source, self.python_name).upper()


@strawberry.type
class Row:
    name: str
    nickname: str | None
    count: int
    colour: Colour
    tone: strawberry.Private[str] = "red"
    weight: float = 1.5
    flag: bool = True
    secret: str = strawberry.field(default="s", permission_classes=[Refuse])
    shade = enum_field(Colour, "tone")
    motto: str = Upper(default="steady")

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, cls)

    setattr(is_type_of.__func__, INFO_FREE, True)  # it reads no info: nested rows may be plain

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def padded(self, width: int = 6) -> str:
        return self.name.ljust(width, ".")


@strawberry.type
class Other:
    name: str


def _rows(*broken: str) -> list[Any]:
    rows = [Row(name="a", nickname=None, count=1, colour=Colour.RED), Row(name="b", nickname="bee", count=2, colour=Colour.GREEN)]
    if "null" in broken:
        rows.append(Row(name=None, nickname=None, count=3, colour=Colour.RED))  # type: ignore[arg-type]
    if "count" in broken:
        rows.append(Row(name="c", nickname=None, count="three", colour=Colour.RED))  # type: ignore[arg-type]
    if "tone" in broken:
        rows.append(Row(name="d", nickname=None, count=4, colour=Colour.RED, tone="purple"))
    if "type" in broken:
        rows.append(Other(name="o"))
    if "numbers" in broken:  # values a scalar changes (or refuses) where their class alone would pass
        rows.append(Row(name="e", nickname=None, count=2**31, colour=Colour.RED, weight=float("nan")))
        rows.append(Row(name="f", nickname=None, count=True, colour=Colour.RED, weight=float("inf"), flag=1))  # type: ignore[arg-type]
        rows.append(Row(name="g", nickname=None, count=-(2**31), colour=Colour.RED, weight=3, flag=0.0))  # type: ignore[arg-type]
        rows.append(Row(name="h", nickname=None, count=2**31 - 1, colour=Colour.RED, weight=-1e308, flag="yes"))  # type: ignore[arg-type]
    return rows


@strawberry.type
class Pair:
    left: Row
    right: Row | None
    rows: list[Row]


def _pairs(broken: str) -> list[Pair]:
    rows = _rows(*broken.split(",")) if broken else _rows()
    return [Pair(left=rows[0], right=None, rows=[]), Pair(left=rows[1], right=rows[-1], rows=rows)]


@strawberry.type
class Query:
    @strawberry.field
    def pairs(self, broken: str = "") -> list[Pair]:
        return _pairs(broken)

    @strawberry.field
    def rows(self, broken: str = "") -> list[Row]:
        return _rows(*broken.split(",")) if broken else _rows()

    @strawberry.field
    def maybe_rows(self, broken: str = "") -> list[Row | None]:
        return [None, *(_rows(*broken.split(",")) if broken else _rows())]

    @strawberry.field
    def row(self) -> Row:
        return _rows()[1]

    @strawberry.field
    def later_rows(self) -> list[Row]:
        """Rows, then an awaitable one (graphql-core awaits items of a list)."""

        async def later() -> Row:
            return _rows()[0]

        return [*_rows(), later()]  # type: ignore[list-item]


GENERAL = strawberry.Schema(query=Query)
PLAIN = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecutor)
MARKED = mark_plain_fields(PLAIN._schema)

DOCUMENTS = [
    "{ rows { name nickname count colour shade motto } }",
    '{ maybeRows(broken: "tone") { name shade } }',
    "{ rows { __typename a: name b: name count } row { name shout } }",
    "{ rows { ...R } } fragment R on Row { name colour }",
    "query($with: Boolean!) { rows { name count @include(if: $with) nickname @skip(if: $with) } }",
    "{ rows { name shout padded(width: 3) } }",
    "{ rows { name secret } }",
    '{ rows(broken: "null") { name count } }',
    '{ maybeRows(broken: "null") { name count } }',
    '{ rows(broken: "count") { name count } }',
    '{ maybeRows(broken: "count") { name count } }',
    '{ rows(broken: "type") { name } }',
    '{ maybeRows(broken: "null,count") { nickname name } }',
    "{ pairs { left { name colour } right { __typename name } rows { name shade } } }",
    '{ pairs(broken: "null") { left { name } right { name count } } }',
    '{ pairs(broken: "type") { right { name } rows { name } } }',
    '{ pairs(broken: "count") { rows { count } } }',
    "{ pairs { left { name shout } right { name } } }",
    '{ rows(broken: "numbers") { name count } }',
    '{ maybeRows(broken: "numbers") { name weight } }',
    '{ maybeRows(broken: "numbers") { name flag count } }',
    '{ pairs(broken: "numbers") { rows { weight flag } } }',
]


def _answer(result: Any) -> tuple[Any, list[tuple[str, list[Any] | None]]]:
    return result.data, sorted((e.message, e.path) for e in result.errors or [])


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("include", [True, False])
def test_plain_path_answers_like_graphql_core(document: str, include: bool) -> None:
    variables = {"with": include} if "$with" in document else None
    general = GENERAL.execute_sync(document, variable_values=variables)
    plain = PLAIN.execute_sync(document, variable_values=variables)
    assert _answer(plain) == _answer(general)


def test_broken_rows_report_the_row_and_field_that_failed() -> None:
    result = PLAIN.execute_sync('{ maybeRows(broken: "null,count") { name count } }')
    assert result.data == {"maybeRows": [None, {"name": "a", "count": 1}, {"name": "b", "count": 2}, None, None]}
    assert sorted((e.message, e.path) for e in result.errors) == [
        ("Cannot return null for non-nullable field Row.name.", ["maybeRows", 3, "name"]),
        ("Int cannot represent non-integer value: 'three'", ["maybeRows", 4, "count"]),
    ]


def test_only_pure_column_fields_are_marked() -> None:
    fields = PLAIN._schema.type_map["Row"].fields
    marked = {name for name, field in fields.items() if getattr(field.resolve, GETTER, None) is not None}
    # a resolver, a permission class or arguments keep a field on graphql-core's path
    assert marked == {"name", "nickname", "count", "colour", "shade", "weight", "flag"}
    assert MARKED == 10  # and Pair's left, right and rows (objects read from the attribute)


class CountingExecutor(PlainFieldsExecutor):
    fields_resolved = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        CountingExecutor.fields_resolved += 1
        return super().execute_field(*args, **kwargs)


def test_a_list_of_plain_rows_resolves_no_field_of_its_rows() -> None:
    counting = strawberry.Schema(query=Query, execution_context_class=CountingExecutor)
    mark_plain_fields(counting._schema)
    result = counting.execute_sync("{ rows { __typename name nickname count colour } row { name shout } }")
    assert result.errors is None and result.data["rows"][1] == {"__typename": "Row", "name": "b", "nickname": "bee", "count": 2, "colour": "GREEN"}
    # rows, row and row.shout: graphql-core's path; the ten columns of the list and row.name: read directly
    assert CountingExecutor.fields_resolved == 3
    CountingExecutor.fields_resolved = 0
    result = counting.execute_sync("{ pairs { left { name } right { name } rows { __typename count } } }")
    assert result.errors is None and result.data["pairs"][1]["rows"][1] == {"__typename": "Row", "count": 2}
    assert CountingExecutor.fields_resolved == 1  # pairs; their rows, nested or listed, are read directly


def test_a_selections_answer_function_is_written_once_per_shape() -> None:
    """The function answering a row (``schema.plain_answers``) is written the first time a
    selection's shape is seen; asking again, or another street's rows in the same shape,
    reuses it."""
    from jiedao.schema.plain_answers import _writer

    document = "{ rows { renamed: name count weight flag __typename } pairs { left { renamed: name } } }"
    first = PLAIN.execute_sync(document)
    written = _writer.cache_info().misses
    again = PLAIN.execute_sync(document)
    assert _writer.cache_info().misses == written
    assert again.data == first.data == GENERAL.execute_sync(document).data
    assert first.data["rows"][0] == {"renamed": "a", "count": 1, "weight": 1.5, "flag": True, "__typename": "Row"}


async def test_an_awaitable_item_after_plain_rows_is_awaited_as_graphql_core_does() -> None:
    """The executor asks whether items are awaitable once per class it has seen not to be
    (rows, edges): a coroutine among the rows still takes graphql-core's path."""
    document = "{ rows { name } laterRows { name count } }"
    for _ in range(2):  # the second time, Row is a class known never to be awaitable
        plain, general = await PLAIN.execute(document), await GENERAL.execute(document)
        assert _answer(plain) == _answer(general)
        assert plain.data["laterRows"][-1] == {"name": "a", "count": 1}
