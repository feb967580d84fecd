"""The registry's types and lists in SQL, for queries answered by one statement
(``schema.compiled_reads``): ``buildings``, ``building(id:)``, ``units``, ``residents``,
``communities`` and ``compounds`` with their compounds, communities, buildings, units and
owners — the README's list, the lists front ends page through and the street's tree.

Each column is the value the field's resolver in ``core.graphql`` gives on the same row
(``Unit.area`` is ``area_dm2 / 100``; ``Resident.idCard`` the stored masked number); a field
missing here is simply not compiled (its query takes the general path). Caller-dependent
columns give SQL only where it is plain: a resident's phone for a caller who may read it in
full (the masked form stays in Python, ``core.personal_data.mask_phone``), party membership as
stored or null, as ``core.graphql`` answers them. ``tests/test_compiled_reads.py``
compares every declared field with the general path's answer, per role.
"""

from __future__ import annotations

from typing import Any

from jiedao.core import models
from jiedao.schema.compiled_reads import SqlLink, SqlList, SqlRoot, SqlType, sql_root, sql_type

PERSONAL_DATA = "jiedao.core.personal_data.read"
PARTY = "core.party.read"


def _phone(context: Any) -> str | None:
    """The stored number for a caller who may read it (else the general path masks it)."""
    return "{t}.phone" if context.has_permission(PERSONAL_DATA) else None


def _party_member(context: Any) -> str:
    """Party membership as stored for a caller with ``core.party.read``, else null."""
    return "{t}.party_member" if context.has_permission(PARTY) else "null::boolean"


sql_type(
    SqlType("Community", "communities", columns={"name": "{t}.name"}, lists={"compounds": SqlList("Compound", "community_id")}),
    models.Community,
)
sql_type(
    SqlType(
        "Compound",
        "compounds",
        columns={"name": "{t}.name"},
        links={"community": SqlLink("Community", "community_id")},
        lists={"buildings": SqlList("Building", "compound_id")},
    ),
    models.Compound,
)
sql_type(
    SqlType(
        "Building",
        "buildings",
        columns={"name": "{t}.name"},
        links={"compound": SqlLink("Compound", "compound_id")},
        lists={"units": SqlList("Unit", "building_id")},
    ),
    models.Building,
)
sql_type(
    SqlType(
        "Unit",
        "units",
        columns={
            "number": "{t}.number",
            "stairwell": "{t}.stairwell",
            "floor": "{t}.floor",
            "area": "({t}.area_dm2::float8 / 100)",
        },
        links={"building": SqlLink("Building", "building_id")},
        lists={"owners": SqlList("Resident", "unit_id", link_table="ownerships", link_target="resident_id")},
    ),
    models.Unit,
)
sql_type(
    SqlType(
        "Resident",
        "residents",
        columns={
            "name": "{t}.name",
            "isOrganisation": "{t}.is_organisation",
            "livesAlone": "{t}.lives_alone",
            "disabled": "{t}.disabled",
            "bedridden": "{t}.bedridden",
            "idCard": "{t}.id_card_masked",
            "phone": _phone,
            "partyMember": _party_member,
        },
    ),
    models.Resident,
)
sql_root("buildings", SqlRoot("Building", "connection", filters={"compoundId": ("compound_id", "Compound")}))
sql_root("building", SqlRoot("Building", "by_id"))
# Both need core.registry.read / core.residents.read, under which every unit and resident is
# visible (core.graphql.visible_units, visible_residents): no visibility rule to write here.
sql_root("units", SqlRoot("Unit", "connection", filters={"buildingId": ("building_id", "Building")}))
sql_root("residents", SqlRoot("Resident", "connection"))
sql_root("communities", SqlRoot("Community", "list"))
sql_root("compounds", SqlRoot("Compound", "list"))
