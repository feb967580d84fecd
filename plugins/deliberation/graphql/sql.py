"""One ballot with its turnout in SQL, for queries answered by one statement
(``schema.compiled_reads``): ``ballot(id:)`` with its plain columns, its compound and its
turnout — the screen of a ballot being voted on, asked again as votes come in.

Each column is the value the field gives on the same row (enums and times are written as
the field's type answers them by the compiler). The turnout is ``service.turnout`` for the
ballot in the two cases SQL says simply: a closed ballot's counts as its result stored them
(``tally.count_from_result``), and an announced ballot's (open or cancelled) over the
electorate fixed at announcement, against its votes (``tally.count_statement`` over
``tally.frozen_electorate``: owner groups summed, a group voting once). A draft's turnout
counts today's owners or adult residents: the source gives no row for it, and the general
path answers. ``plugins/deliberation/tests/test_compiled_ballot.py`` compares every declared
field with the general path's answer, per role and per state of the ballot.
"""

from __future__ import annotations

from jiedao.api.graphql import SqlLink, SqlObject, SqlRoot, SqlType, sql_root, sql_type
from jiedao.plugins.deliberation import models
from jiedao.plugins.deliberation.models import BallotStatus

_CLOSED = BallotStatus.CLOSED.value
_COUNTS = ("eligible_area", "eligible_owners", "participating_area", "participating_owners")


def _stored(name: str) -> str:
    """A count of the stored result as ``int(result[name])`` reads it; null (the general
    path then answers) where it is missing or not a number."""
    return f"case when json_typeof({{t}}.result -> '{name}') = 'number' then trunc(({{t}}.result ->> '{name}')::numeric)::bigint end as {name}"


# Python takes the stored counts where the ballot is closed and its result a truthy value (a
# non-empty object; `json_object_keys` is asked of an object only), the fixed electorate's
# where it has no result (SQL or JSON null, an empty object). A closed ballot's result of
# any other JSON is neither: no row, the general path answers.
_KEYS = "exists (select from json_object_keys({t}.result))"
_HAS_RESULT = f"({{t}}.status = '{_CLOSED}' and case when json_typeof({{t}}.result) = 'object' then {_KEYS} else false end)"
_NO_RESULT = (
    f"({{t}}.status <> '{_CLOSED}' or case coalesce(json_typeof({{t}}.result), 'null')"
    f" when 'null' then true when 'object' then not {_KEYS} else false end)"
)
_STORED = f"select {', '.join(_stored(name) for name in _COUNTS)} where {_HAS_RESULT}"
_FIXED = (
    "select * from (select coalesce(sum(g.area), 0)::bigint as eligible_area, count(g.owner_key) as eligible_owners,"
    " coalesce(sum(case when v.choice is not null then g.area else 0 end), 0)::bigint as participating_area,"
    " count(case when v.choice is not null then g.owner_key end) as participating_owners"
    " from (select e.owner_key, sum(e.area_dm2) as area from deliberation_electors e"
    " where e.street_id = {street} and e.ballot_id = {t}.id group by e.owner_key) g"
    " left join deliberation_votes v on v.street_id = {street} and v.ballot_id = {t}.id and v.owner_key = g.owner_key) counted"
    f" where {{t}}.electorate_fixed_at is not null and {_NO_RESULT}"
)
_TURNOUT = f"{_STORED} union all {_FIXED}"

sql_type(
    SqlType(
        "Ballot",
        "deliberation_ballots",
        columns={
            "title": "{t}.title",
            "matter": "{t}.matter",
            "rule": "{t}.rule",
            "status": "{t}.status",
            "electorate": "{t}.electorate",
            "opensAt": "{t}.opens_at",
            "closesAt": "{t}.closes_at",
            "announcedAt": "{t}.opened_at",
            "cancelledAt": "{t}.cancelled_at",
            "cancellationReason": "{t}.cancellation_reason",
        },
        links={"compound": SqlLink("Compound", "compound_id")},
        objects={
            "turnout": SqlObject(
                "BallotTurnout",
                _TURNOUT,
                columns={
                    "eligibleOwners": "{o}.eligible_owners",
                    "participatingOwners": "{o}.participating_owners",
                    "eligibleArea": "({o}.eligible_area::float8 / 100)",
                    "participatingArea": "({o}.participating_area::float8 / 100)",
                },
            )
        },
    ),
    models.Ballot,
)
# ``ballot(id:)`` needs deliberation.ballot.read, under which every ballot of the street is
# visible (BallotQuery.ballot reads it by ID): no visibility rule to write here.
sql_root("ballot", SqlRoot("Ballot", "by_id"))
