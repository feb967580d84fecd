"""``node(id:)`` returns an object only to a caller whose own queries return it.

The attack of issue 13 (item 5): a resident iterated global IDs ("Type:pk", base64) through
``node(id:)`` and read every resident — elderly people living alone with their addresses —,
device, alarm, meeting, finding... This test walks every type of the full schema that
implements ``Node``, as every demo role, on the seeded demo street, and compares what
``node`` returns with what the role's own queries (the type's lists, ``me``, ...) return.
"""

from __future__ import annotations

import pytest

import asyncio
import random
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from jiedao.core.demo import DEMO_PASSWORD
from jiedao.core.identity.models import User
from jiedao.schema.ids import decode_global_id, encode_global_id
from jiedao.schema.node import model_for

LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code message } } }"

ROLES = {
    "platform admin": "admin",
    "street admin": "changqing-admin",
    "community worker": "changqing-worker",
    "grid worker": "changqing-grid",
    "mediator": "changqing-mediator",
    "inspector": "changqing-inspector",
    "resident": "changqing-owner1",
    "anonymous": None,
}
REFUSALS = {"FORBIDDEN", "UNAUTHENTICATED"}
"""Error codes that mean "this caller may not use this query": it then returns nothing."""

BATCH = 25  # node fields per request, under the alias limit
SAMPLE = 12  # rows probed per type and region (first, last, random) besides the ones each role sees

Fetch = Callable[[str, dict | None], Awaitable[dict | None]]


# -- what each role's own queries return ------------------------------------------------


gid = encode_global_id


def ids_of(data, type_name: str) -> set[str]:
    """The ids of every object of ``type_name`` anywhere in a response."""
    found: set[str] = set()
    if isinstance(data, dict):
        if data.get("__typename") == type_name and "id" in data:
            found.add(data["id"])
        for value in data.values():
            found |= ids_of(value, type_name)
    elif isinstance(data, list):
        for value in data:
            found |= ids_of(value, type_name)
    return found


def listed(query: str):
    """A source: one query whose response holds the objects (``__typename id`` requested)."""

    async def collect(fetch: Fetch, type_name: str) -> set[str]:
        return ids_of(await fetch(query, None), type_name)

    return collect


def paged(field: str, args: str = "", parent: str | None = None):
    """A source: the connection ``field`` followed page by page (inside ``parent``'s
    objects, e.g. a task force's findings, when ``parent`` names a list query of them)."""

    async def pages(fetch: Fetch, type_name: str, path: str, variables: dict) -> set[str]:
        found: set[str] = set()
        after = None
        while True:
            body = f"{field}(first: 100, after: $after{', ' + args if args else ''}) {{ edges {{ node {{ __typename id }} }} pageInfo {{ hasNextPage endCursor }} }}"
            head = "query($after: String" + (", $parent: ID!" if "parent" in variables else "") + ")"
            data = await fetch(f"{head} {{ {path.replace('BODY', body)} }}", {**variables, "after": after})
            if data is None:
                return found
            found |= ids_of(data, type_name)
            page = data
            while "pageInfo" not in page:
                page = next(v for v in page.values() if isinstance(v, dict))
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    async def collect(fetch: Fetch, type_name: str) -> set[str]:
        if parent is None:
            return await pages(fetch, type_name, "BODY", {})
        list_query, one_query, parent_type = parent.split("|")
        found: set[str] = set()
        for parent_id in ids_of(await fetch(list_query, None), parent_type):
            found |= await pages(fetch, type_name, one_query + "(id: $parent) { BODY }", {"parent": parent_id})
        return found

    return collect


def inside(field: str, selection: str, size: int = 50):
    """A source: the connection ``field`` followed page by page, ``selection`` asked of each
    of its nodes (e.g. every enterprise's evidence)."""

    async def collect(fetch: Fetch, type_name: str) -> set[str]:
        found: set[str] = set()
        after = None
        while True:
            query = f"query($after: String) {{ {field}(first: {size}, after: $after) {{ edges {{ node {{ {selection} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
            data = await fetch(query, {"after": after})
            if data is None:
                return found
            found |= ids_of(data, type_name)
            if not data[field]["pageInfo"]["hasNextPage"]:
                return found
            after = data[field]["pageInfo"]["endCursor"]

    return collect


REFERENCES = {
    "Community": [listed("{ communities { __typename id } }")],
    "Compound": [listed("{ compounds { __typename id } }")],
    "Building": [paged("buildings")],
    "Unit": [paged("units"), listed("{ me { resident { units { __typename id } } } }")],
    "Resident": [paged("residents"), listed("{ me { resident { __typename id } } }")],
    "Device": [paged("devices")],
    "Alarm": [paged("alarms", "status: [ACTIVE_UNACK, ACKNOWLEDGED, CLEARED]")],
    "QuarantinedMessage": [paged("quarantinedMessages")],
    "Ballot": [paged("ballots")],
    "Topic": [paged("topics"), paged("myTopics"), paged("consultations")],
    "Meeting": [paged("meetings")],
    "Studio": [listed("{ studios { __typename id } }")],
    "MediationCommittee": [listed("{ mediationCommittees { __typename id } }")],
    "Case": [paged("mediationCases")],
    "TaskForce": [listed("{ taskForces { __typename id } }")],
    "Finding": [paged("findings", parent="{ taskForces { __typename id } }|taskForce|TaskForce")],
    "Enterprise": [paged("enterprises")],
    "Notice": [paged("notices", "includeInactive: true")],
    "Organisation": [paged("organisations"), listed("{ me { organisations { organisation { __typename id } } } }")],
    "Membership": [
        listed("{ organisations(first: 50) { edges { node { members(includeEnded: true) { __typename id } } } } }"),
        listed("{ me { organisations { organisation { members(includeEnded: true) { __typename id } } } } }"),
    ],
    "Grid": [paged("grids"), listed("{ me { grids { __typename id } } }")],
    "GridWorker": [listed("{ grids(first: 100) { edges { node { workers { __typename id } } } } }")],
    "WorkItem": [paged("workItems")],
    "Notification": [paged("notifications"), listed("{ me { notifications(first: 100) { edges { node { __typename id } } } } }")],
    "DutyShift": [listed("{ dutyShifts { __typename id } }")],  # the demo roster covers 2026-2027: every shift is on duty now
    "FundAccount": [paged("fundAccounts")],
    "FundUse": [paged("fundUses")],
    "FundEntry": [paged("ledger", parent="{ fundAccounts(first: 100) { edges { node { __typename id } } } }|fundAccount|FundAccount")],
    "ReturnVisit": [inside("mediationCases", "returnVisits { __typename id }")],
    "TopicComment": [inside(field, "comments { __typename id }") for field in ("topics", "myTopics", "consultations")],
    "MeetingAgendaItem": [
        inside("meetings", "agenda { __typename id }"),
        *(inside(field, "agendaItems { __typename id }") for field in ("topics", "myTopics", "consultations")),
    ],
    "MeetingActionItem": [
        inside("meetings", "actionItems { __typename id }"),
        *(inside(field, "actionItems { __typename id }") for field in ("topics", "myTopics", "consultations")),
    ],
    "CreditScore": [inside("enterprises", "history(limit: 100) { __typename id }")],
    "CreditEvidence": [inside("enterprises", "evidence { __typename id }")],
    "CreditAppeal": [inside("enterprises", "appeals { __typename id }")],
    "CreditRepairRequest": [inside("enterprises", "repairRequests { __typename id }")],
    "Hotspot": [listed("{ cockpit { hotspots { __typename id } } }")],
    "Street": [listed("{ street { __typename id } }")],
    "Me": [listed("{ me { __typename id } }")],
}
"""For every node type, the queries through which a caller reaches its objects."""

BY_ID = {
    "Building": "building",
    "Device": "device",
    "Topic": "topic",
    "Ballot": "ballot",
    "Case": "mediationCase",
    "TaskForce": "taskForce",
    "Enterprise": "enterprise",
    "WorkItem": "workItem",
    "FundAccount": "fundAccount",
}
"""The type-specific ``x(id:)`` queries, which must answer exactly as ``node`` does."""


# -- the demo street, and the rows only some callers may see ----------------------------


async def login(client, username: str) -> str:
    result = (await client.query(LOGIN, {"u": username, "p": DEMO_PASSWORD}))["login"]
    assert result["token"], result["errors"]
    return result["token"]


async def seed(kernel, client) -> dict[str, str | None]:
    """The demo (the ``demo`` marker seeds it), plus rows of the resident's own (a topic, a case they are party to, a
    quarantined message); returns each role's token."""
    from jiedao.plugins.mediation.models import Case, CaseParty
    from jiedao.plugins.mediation.states import PartyRole
    from jiedao.plugins.sensors.models import QuarantinedMessage
    from jiedao.plugins.sensors.service.alarms import now

    from jiedao.api.work import open_work_item

    tokens = {role: (await login(client, username) if username else None) for role, username in ROLES.items()}
    owner = tokens["resident"]
    unit = (await client.query("{ me { resident { units { id } } } }", token=owner))["me"]["resident"]["units"][0]["id"]
    raised = await client.query(
        "mutation($u: ID!) { raiseTopic(input: {title: \"楼道灯坏了\", unitId: $u}) { errors { message } } }", {"u": unit}, token=owner
    )
    assert raised["raiseTopic"]["errors"] == []
    async with kernel.db.transaction() as session:
        resident_id = await session.scalar(select(User.resident_id).where(User.username == ROLES["resident"]))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        case_id = await session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        session.add(CaseParty(case_id=case_id, resident_id=resident_id, role=PartyRole.THIRD_PARTY.value))
        session.add(QuarantinedMessage(received_at=now(), topic="jiedao/changqing/devices/X/telemetry", reason="bad_json"))
        await _seed_credit_requests(session)
        for n, raised_by in enumerate((resident_id, None, None)):
            await open_work_item(session, subject=f"Topic:{n}", title="楼道灯坏了", category="repair", source="RESIDENT_APPEAL", raised_by=raised_by)
    from jiedao.core.notify import Notification, notify

    await notify(kernel, Notification(street="changqing", recipients=("grid_worker", "community_worker", "mediator"), subject="楼道灯坏了"))
    return tokens


async def _seed_credit_requests(session) -> None:
    """An appeal against every enterprise's current score and a repair request of its first
    evidence item (the demo has none): rows the operator sees of their own enterprise only."""
    from jiedao.plugins.credit.models import Appeal, Enterprise, Evidence, RepairRequest
    from jiedao.plugins.sensors.service.alarms import now

    for enterprise in (await session.scalars(select(Enterprise).where(Enterprise.current_score_id.is_not(None)))).all():
        session.add(Appeal(enterprise_id=enterprise.id, score_id=enterprise.current_score_id, reason="评分有误", filed_by="operator", filed_at=now()))
        evidence = await session.scalar(select(Evidence.id).where(Evidence.enterprise_id == enterprise.id).order_by(Evidence.id).limit(1))
        if evidence is not None:
            session.add(RepairRequest(enterprise_id=enterprise.id, evidence_id=evidence, reason="已整改", requested_by="operator", requested_at=now()))


def fetcher(client, token: str | None, *, strict: bool) -> Fetch:
    """``fetch(query, variables)``: the data, or ``None`` when the caller may not use the
    query; any other error fails the test (and with ``strict`` every error does)."""

    async def fetch(query: str, variables: dict | None) -> dict | None:
        body = await client.result(query, variables, token=token)
        errors = body.get("errors") or []
        codes = {e.get("extensions", {}).get("code") for e in errors}
        assert not errors or (not strict and codes <= REFUSALS), f"{query}: {errors}"
        return None if errors else body["data"]

    return fetch


async def reachable(client, token, type_name: str, *, strict: bool) -> set[str]:
    """The ids of ``type_name`` the caller's own queries return."""
    fetch = fetcher(client, token, strict=strict)
    found: set[str] = set()
    for source in REFERENCES[type_name]:
        found |= await source(fetch, type_name)
    return found


async def fetched(client, token, field: str, ids: list[str]) -> set[str]:
    """The ids among ``ids`` that ``field(id:)`` returns to the caller (a refusal: none)."""
    found: set[str] = set()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        header = ", ".join(f"$i{n}: ID!" for n in range(len(batch)))
        fields = " ".join(f"n{n}: {field}(id: $i{n}) {{ __typename id }}" for n in range(len(batch)))
        body = await client.result(f"query({header}) {{ {fields} }}", {f"i{n}": i for n, i in enumerate(batch)}, token=token)
        errors = body.get("errors") or []
        assert {e.get("extensions", {}).get("code") for e in errors} <= REFUSALS, errors
        answered = {key: value for key, value in (body.get("data") or {}).items() if value}
        for key, value in answered.items():  # the same object comes back: its ID and its type
            assert value["id"] == batch[int(key[1:])] and value["__typename"] == decode_global_id(value["id"])[0], value
        found |= {value["id"] for value in answered.values()}
    return found


COMPUTED = {"Hotspot", "Street", "Me"}
"""Node types not backed by rows: every object is one some caller's queries return."""


def identity(global_id: str) -> str:
    """What names the object behind ``global_id`` for this test, readably (``Type:key``).
    A hotspot's window under a preset ends now, so its ID carries the second its list was
    read: the lists of the roles, read one after another, may differ in that second alone.
    Its place and the window's start name it."""
    type_name, key = decode_global_id(global_id)
    return f"{type_name}:{key[:3] if type_name == 'Hotspot' else key}"  # a hotspot's key: (place kind, place, start, end)


async def every_row(kernel, type_name: str, seen: dict[str, set[str]] | None = None) -> list[str]:
    if type_name in COMPUTED:
        return sorted(set().union(*seen.values())) if seen else []
    model = model_for(type_name)
    assert model is not None, f"{type_name} implements Node but has no model"
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return [gid(type_name, pk) for pk in (await session.scalars(select(model.id).order_by(model.id))).all()]


# -- the test ---------------------------------------------------------------------------


@pytest.mark.demo
async def test_node_returns_only_what_the_callers_own_queries_return(kernel, client):
    tokens = await seed(kernel, client)
    admin = tokens["platform admin"]
    introspected = await client.query('{ __type(name: "Node") { possibleTypes { name } } }', token=admin)
    node_types = sorted(t["name"] for t in introspected["__type"]["possibleTypes"])
    assert set(node_types) == set(REFERENCES), "every Node type needs the queries that reach it listed in REFERENCES"

    rng = random.Random(13)
    leaks, missing, disagreements = [], [], []
    for type_name in node_types:
        seen = {role: await reachable(client, token, type_name, strict=role == "platform admin") for role, token in tokens.items()}
        seen["anonymous"] = set()  # public queries (the street) answer the anonymous, node(id:) never does
        rows = await every_row(kernel, type_name, seen)
        assert rows, f"the seeded street has no {type_name}"
        if type_name not in COMPUTED:
            assert seen["platform admin"] == set(rows), f"the platform admin's queries reach every {type_name}"
        probes = set(rows[:SAMPLE] + rows[-SAMPLE:] + rng.sample(rows, min(SAMPLE, len(rows))))
        for ids in seen.values():
            probes |= set(sorted(ids)[:SAMPLE])
        probes = sorted(probes)
        probed = {identity(probe) for probe in probes}
        for role, token in tokens.items():
            returned = {identity(found) for found in await fetched(client, token, "node", probes)}
            expected = {identity(found) for found in seen[role]} & probed
            if returned - expected:
                leaks.append(f"{role}: node returned {len(returned - expected)} {type_name} its queries do not, e.g. {sorted(returned - expected)[0]}")
            if expected - returned:
                missing.append(f"{role}: node refused {len(expected - returned)} {type_name} its queries return")
            if type_name in BY_ID:
                by_id = {identity(found) for found in await fetched(client, token, BY_ID[type_name], probes)}
                if by_id != returned:
                    disagreements.append(f"{role}: {BY_ID[type_name]}(id:) and node(id:) disagree on {len(by_id ^ returned)} {type_name}")
    assert not leaks, "\n".join(leaks)
    assert not missing, "\n".join(missing)
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.demo
async def test_the_resident_of_the_issue_cannot_enumerate_residents(kernel, client):
    """The reported attack itself: ``changqing-owner1`` walks Resident IDs."""
    tokens = await seed(kernel, client)
    rows = await every_row(kernel, "Resident")
    own = await client.query("{ me { resident { id } } }", token=tokens["resident"])
    walked = await fetched(client, tokens["resident"], "node", rows[:200])
    assert walked <= {own["me"]["resident"]["id"]}
    query = "query($id: ID!) { node(id: $id) { ... on Resident { name elderly livesAlone } } }"
    refused = await client.result(query, {"id": rows[-1]}, token=tokens["resident"])
    absent = await client.result(query, {"id": gid("Resident", 10**9)}, token=tokens["resident"])
    assert refused["data"] == absent["data"] == {"node": None}
    assert "errors" not in refused and "errors" not in absent, "a refusal does not tell that the resident exists"


async def test_a_node_type_that_declares_no_read_rule_is_never_fetched(make_kernel, hello_plugin_path, password_hash, request):
    """The hello plugin declares ``Greeting`` with ``node_type(Greeting)`` and nothing else:
    not even a platform admin gets it through ``node``, while the Building it hangs off is."""
    from jiedao.core import migrate
    from jiedao.core.testing.fixtures import app_client, build_registry

    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["hello"]}}, extra_plugin_paths=[hello_plugin_path])
    owner_url = getattr(request.node, "jiedao_owner_url", None)
    await asyncio.to_thread(migrate.upgrade, kernel, "hello@head", owner_url or kernel.config.database_url)
    registry = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    building = gid("Building", registry["buildings"][0])
    async with app_client(kernel, password_hash) as client:
        admin = await client.token("platform_admin", None)
        worker = await client.token("community_worker")
        added = await client.query(
            "mutation($b: ID!) { addGreeting(input: {buildingId: $b, text: \"你好\"}) { greeting { id text } errors { code } } }", {"b": building}, token=worker
        )
        greeting = added["addGreeting"]["greeting"]
        assert greeting["text"] == "你好"
        for token in (admin, worker):
            found = await client.query("query($g: ID!, $b: ID!) { g: node(id: $g) { id } b: node(id: $b) { id } }", {"g": greeting["id"], "b": building}, token=token)
            assert found == {"g": None, "b": {"id": building}}
