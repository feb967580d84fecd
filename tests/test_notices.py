"""Public notices (公示/公告): residents read those of their homes' places, staff publish and
withdraw them, anonymous callers read the street-wide ones only where the street allows it.

Everything runs through GraphQL as the real roles, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import delete, select, update

from jiedao.core import clock
from jiedao.core.identity.models import AuditEntry, User
from jiedao.core.models import Community, Compound, Household, Ownership, Resident
from jiedao.core.notices.models import Notice
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind
from jiedao.core.testing.fixtures import app_client, build_registry, default_streets
from jiedao.core.testing.plain_path import resolved_parent_types
from jiedao.schema.ids import decode_id_of, encode_global_id

PUBLISH = """mutation($input: PublishNoticeInput!) { publishNotice(input: $input) {
  notice { id title kind scope placeName validFrom validUntil attachments { name contentType size sha256 url } }
  errors { field code message } } }"""
WITHDRAW = """mutation($input: WithdrawNoticeInput!) { withdrawNotice(input: $input) {
  notice { id withdrawnAt withdrawalReason } errors { field code message } } }"""
NOTICES = """query($first: Int, $after: String, $all: Boolean) { notices(first: $first, after: $after, includeInactive: $all) {
  edges { node { id title kind scope placeName publishedBy publishedByUsername subjectId withdrawalReason
    attachments { name size url } } }
  pageInfo { hasNextPage endCursor } } }"""
ONE = "query($id: ID!) { notice(id: $id) { id title body placeName } }"
SHA = "a" * 64


class Place:
    """Two communities (A with one compound of two buildings, B with one of one building), their
    owners, and helpers to publish and read as the real roles."""

    def __init__(self, kernel, client, a: dict, b: dict, communities: dict[str, int]):
        self.kernel, self.client, self.a, self.b, self.communities = kernel, client, a, b, communities

    def gid(self, type_name: str, pk: int) -> str:
        return encode_global_id(type_name, pk)

    @property
    def scopes(self) -> dict[str, str | None]:
        return {
            "street": None,
            "community A": self.gid("Community", self.communities["a"]),
            "compound A": self.gid("Compound", self.a["compound"][0]),
            "building A1": self.gid("Building", self.a["buildings"][0]),
            "building A2": self.gid("Building", self.a["buildings"][1]),
            "community B": self.gid("Community", self.communities["b"]),
            "compound B": self.gid("Compound", self.b["compound"][0]),
        }

    async def admin(self) -> str:
        return await self.client.token("street_admin")

    async def resident(self, name: str, resident_id: int) -> str:
        return await self.client.token("resident", username=name, resident_id=resident_id)

    async def publish(self, title: str, scope: str = "street", token: str | None = None, **extra) -> dict:
        data = await self.client.query(PUBLISH, {"input": {"kind": "ANNOUNCEMENT", "title": title, "body": f"{title}的正文",
                                                           "scopeId": self.scopes[scope], **extra}}, token=token or await self.admin())
        return data["publishNotice"]

    async def published(self, title: str, scope: str = "street", **extra) -> str:
        payload = await self.publish(title, scope, **extra)
        assert payload["errors"] == [], payload["errors"]
        return payload["notice"]["id"]

    async def titles(self, token: str | None, **variables) -> list[str]:
        data = await self.client.query(NOTICES, {"first": 100, **variables}, token=token)
        return [e["node"]["title"] for e in data["notices"]["edges"]]


async def make_place(kernel, client) -> Place:
    a = await build_registry(kernel, "changqing", buildings=2, units_per_building=2)
    b = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        communities = {
            key: await session.scalar(select(Compound.community_id).where(Compound.id == ids["compound"][0])) for key, ids in (("a", a), ("b", b))
        }
    return Place(kernel, client, a, b, communities)


@pytest_asyncio.fixture
async def place(kernel, client) -> Place:
    return await make_place(kernel, client)


async def community_worker(place: Place, username: str, community: str | None) -> str:
    """A community worker's token; acting for the residents' committee of ``community`` ("a"/"b") when given."""
    token = await place.client.token("community_worker", username=username)
    if community is not None:
        async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
            user_id = await session.scalar(select(User.id).where(User.username == username))
            committee = Organisation(code=f"rc-{username}", kind=OrganisationKind.RESIDENTS_COMMITTEE, name="居委会", community_id=place.communities[community])
            session.add(committee)
            await session.flush()
            session.add(Membership(organisation_id=committee.id, user_id=user_id, office="委员"))
    return token


async def test_a_resident_reads_the_notices_of_the_places_of_their_homes_newest_first(place):
    for title, scope in [("全街道公告", "street"), ("A社区公告", "community A"), ("A小区公示", "compound A"),
                         ("A1幢通知", "building A1"), ("A2幢通知", "building A2"), ("B小区公示", "compound B")]:
        await place.published(title, scope)
    in_a1 = await place.resident("owner-a1", place.a["residents"][0])
    assert await place.titles(in_a1) == ["A1幢通知", "A小区公示", "A社区公告", "全街道公告"]
    in_b = await place.resident("owner-b", place.b["residents"][0])
    assert await place.titles(in_b) == ["B小区公示", "全街道公告"]

    # a resident with homes in both communities reads the notices of both
    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        session.add(Ownership(unit_id=place.b["units"][0], resident_id=place.a["residents"][2]))
    both = await place.resident("owner-a2-and-b", place.a["residents"][2])
    assert await place.titles(both) == ["B小区公示", "A2幢通知", "A小区公示", "A社区公告", "全街道公告"]

    page = await place.client.query(NOTICES, {"first": 2}, token=in_a1)
    assert [e["node"]["title"] for e in page["notices"]["edges"]] == ["A1幢通知", "A小区公示"]
    rest = await place.client.query(NOTICES, {"first": 2, "after": page["notices"]["pageInfo"]["endCursor"]}, token=in_a1)
    assert [e["node"]["title"] for e in rest["notices"]["edges"]] == ["A社区公告", "全街道公告"]
    assert rest["notices"]["pageInfo"]["hasNextPage"] is False

    staff = await place.client.token("grid_worker")
    assert len(await place.titles(staff)) == 6, "staff holding core.notices.read read every place's notices"


async def test_a_resident_who_buys_and_sells_a_home_reads_the_new_places_notices_at_once(place):
    """Which places reach a resident is read when the list is read: the condition kept for a
    resident between requests names their homes by query, never by the homes of the moment."""
    for title, scope in [("全街道公告", "street"), ("A2幢通知", "building A2"), ("B小区公示", "compound B")]:
        await place.published(title, scope)
    owner = await place.resident("owner-b-moving", place.b["residents"][0])
    assert await place.titles(owner) == ["B小区公示", "全街道公告"]
    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        session.add(Ownership(unit_id=place.a["units"][2], resident_id=place.b["residents"][0]))
    assert await place.titles(owner) == ["B小区公示", "A2幢通知", "全街道公告"], "bought a flat in A2"
    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        await session.execute(delete(Ownership).where(Ownership.unit_id == place.b["units"][0], Ownership.resident_id == place.b["residents"][0]))
    assert await place.titles(owner) == ["A2幢通知", "全街道公告"], "sold the one in B"


async def test_a_household_member_who_owns_nothing_reads_the_notices_of_their_household_unit(place):
    await place.published("A2幢通知", "building A2")
    await place.published("A1幢通知", "building A1")
    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        household = Household(unit_id=place.a["units"][2], name="租户")
        session.add(household)
        await session.flush()
        tenant = Resident(external_ref="tenant-1", name="租客", household_id=household.id)
        session.add(tenant)
        await session.flush()
    assert await place.titles(await place.resident("tenant", tenant.id)) == ["A2幢通知"]


async def test_a_resident_of_another_community_gets_not_found_for_a_compound_notice(place):
    notice = await place.published("A小区公示", "compound A")
    outsider = await place.resident("owner-b", place.b["residents"][0])
    body = await place.client.result(ONE, {"id": notice}, token=outsider)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    missing = await place.client.result(ONE, {"id": encode_global_id("Notice", 987654)}, token=outsider)
    assert missing["errors"][0]["message"] == body["errors"][0]["message"], "a hidden notice looks exactly like a missing one"
    assert (await place.client.query("query($id: ID!) { node(id: $id) { id } }", {"id": notice}, token=outsider))["node"] is None

    insider = await place.resident("owner-a", place.a["residents"][0])
    read = (await place.client.query(ONE, {"id": notice}, token=insider))["notice"]
    assert read["title"] == "A小区公示" and read["placeName"] == "测试小区"


async def test_withdrawn_expired_and_future_notices_stay_in_the_record_for_staff_only(place, monkeypatch):
    start = clock.now()
    await place.published("已撤回", "compound A")
    withdrawn = (await place.client.query(NOTICES, {"first": 1}, token=await place.admin()))["notices"]["edges"][0]["node"]["id"]
    payload = (await place.client.query(WITHDRAW, {"input": {"id": withdrawn, "reason": "内容有误，重新发布"}}, token=await place.admin()))["withdrawNotice"]
    assert payload["errors"] == [] and payload["notice"]["withdrawalReason"] == "内容有误，重新发布"
    await place.published("七天公示", "compound A", kind="PUBLICITY", validUntil=(start + timedelta(days=7)).isoformat())
    await place.published("下周公告", "compound A", validFrom=(start + timedelta(days=3)).isoformat())
    owner = await place.resident("owner-a", place.a["residents"][0])
    assert await place.titles(owner) == ["七天公示"]
    assert await place.titles(owner, all=True) == ["七天公示"], "includeInactive is for staff only"

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=5))
    assert await place.titles(owner) == ["下周公告", "七天公示"]
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=8))
    assert await place.titles(owner) == ["下周公告"]

    staff = await place.client.token("grid_worker")
    assert await place.titles(staff) == ["下周公告"]
    every = (await place.client.query(NOTICES, {"first": 10, "all": True}, token=staff))["notices"]["edges"]
    assert [(e["node"]["title"], e["node"]["withdrawalReason"]) for e in every] == [("下周公告", None), ("七天公示", None), ("已撤回", "内容有误，重新发布")]
    assert every[0]["node"]["publishedByUsername"] == "street_admin-changqing"
    assert (await place.client.query(NOTICES, {"first": 10}, token=owner))["notices"]["edges"][0]["node"]["publishedByUsername"] is None


async def test_anonymous_callers_read_nothing_unless_the_street_publishes_its_street_wide_notices(place, make_kernel, password_hash):
    await place.published("全街道公告")
    compound_notice = await place.published("A小区公示", "compound A")
    assert await place.titles(None) == [], "the setting is off by default"
    assert (await place.client.result(ONE, {"id": compound_notice}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    streets = default_streets()
    streets["changqing"]["public_notices"] = True
    open_kernel = await make_kernel(streets=streets)
    async with app_client(open_kernel, password_hash) as anonymous:
        data = await anonymous.query(NOTICES, {"first": 10})
        assert [e["node"]["title"] for e in data["notices"]["edges"]] == ["全街道公告"], "never narrower scopes"
        assert (await anonymous.result(ONE, {"id": compound_notice}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await anonymous.query(NOTICES, {"first": 10}, street="gongchen"))["notices"]["edges"] == [], "a per-street setting"


async def test_reading_a_page_of_notices_takes_the_same_statements_however_long_it_is(place):
    attachment = {"name": "名单.pdf", "contentType": "application/pdf", "size": 1024, "sha256": SHA, "url": "https://files.example/l.pdf"}
    for n, scope in enumerate(["street", "community A", "compound A", "building A1"]):
        await place.published(f"公告{n}", scope, attachments=[attachment])
    owner = await place.resident("owner-a1", place.a["residents"][0])
    few = await place.client.statements(NOTICES, {"first": 100}, token=owner)
    for n, scope in enumerate(["street", "community A", "compound A", "building A1"] * 4):
        await place.published(f"更多{n}", scope, attachments=[attachment, attachment])
    data = await place.client.query(NOTICES, {"first": 100}, token=owner)
    assert len(data["notices"]["edges"]) == 20 and data["notices"]["edges"][0]["node"]["attachments"][1]["url"] == attachment["url"]
    assert await place.client.statements(NOTICES, {"first": 100}, token=owner) == few


async def test_a_residents_list_names_each_notices_place_and_publisher_read_ahead(place, monkeypatch):
    """Each notice of a resident's list shows where it reaches (the street, the community, the
    compound, 'compound building') and who published it (the organisation, else the street);
    a page reads the names in one statement each, and graphql-core resolves no field of a
    notice."""
    ids = {scope: await place.published(f"{scope}的公告", scope) for scope in ("street", "community A", "compound A", "building A1")}
    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        wuye = Organisation(code="wuye-a", kind=OrganisationKind.PROPERTY_MANAGER, name="凤起物业")
        session.add(wuye)
        await session.flush()
        await session.execute(update(Notice).where(Notice.id == decode_id_of(ids["compound A"], "Notice")).values(published_by_organisation_id=wuye.id))
        community_name = (await session.get(Community, place.communities["a"])).name
    owner = await place.resident("owner-a1", place.a["residents"][0])
    query = "query($first: Int) { notices(first: $first) { edges { node { id placeName publishedBy } } } }"
    resolved = resolved_parent_types(monkeypatch)
    edges = (await place.client.query(query, {"first": 10}, token=owner))["notices"]["edges"]
    assert {e["node"]["id"]: (e["node"]["placeName"], e["node"]["publishedBy"]) for e in edges} == {
        ids["street"]: ("长庆街道", "长庆街道"),
        ids["community A"]: (community_name, "长庆街道"),
        ids["compound A"]: ("测试小区", "凤起物业"),
        ids["building A1"]: ("测试小区 1幢", "长庆街道"),
    }
    assert "Notice" not in resolved, resolved
    plain = await place.client.statements("query($first: Int) { notices(first: $first) { edges { node { id } } } }", {"first": 10}, token=owner)
    assert await place.client.statements(query, {"first": 10}, token=owner) == plain + 2


@pytest.mark.parametrize("role", ["resident", "inspector", "mediator", "grid_worker"])
async def test_roles_below_a_publisher_may_not_publish_or_withdraw(place, role):
    notice = await place.published("全街道公告")
    token = await place.client.token(role, resident_id=place.a["residents"][0] if role == "resident" else None)
    for query, variables in [(PUBLISH, {"input": {"kind": "ANNOUNCEMENT", "title": "t", "body": "b"}}),
                             (WITHDRAW, {"input": {"id": notice, "reason": "r"}})]:
        errors = await place.client.errors(query, variables, token=token)
        assert errors[0]["extensions"] == {"code": "FORBIDDEN", "permission": "core.notices.publish"}
    anonymous = await place.client.errors(PUBLISH, {"input": {"kind": "ANNOUNCEMENT", "title": "t", "body": "b"}})
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await place.titles(await place.client.token("street_admin")) == ["全街道公告"]


async def test_a_community_worker_publishes_and_withdraws_only_inside_their_community(place):
    outsider = await community_worker(place, "worker-none", None)
    refused = await place.publish("A社区公告", "community A", token=outsider)
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["errors"][0]["field"] == "scopeId"

    worker = await community_worker(place, "worker-a", "a")
    for scope in ("community A", "compound A", "building A2"):
        assert (await place.publish(f"{scope}的公告", scope, token=worker))["errors"] == []
    for scope in ("street", "community B", "compound B"):
        errors = (await place.publish("越界", scope, token=worker))["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("scopeId", "FORBIDDEN")], scope

    in_b = await place.published("B小区公示", "compound B")
    refused = (await place.client.query(WITHDRAW, {"input": {"id": in_b, "reason": "越界撤回"}}, token=worker))["withdrawNotice"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "FORBIDDEN")]
    own = (await place.client.query(NOTICES, {"first": 10}, token=worker))["notices"]["edges"]
    mine = next(e["node"]["id"] for e in own if e["node"]["title"] == "compound A的公告")
    withdrawn = (await place.client.query(WITHDRAW, {"input": {"id": mine, "reason": "已过期"}}, token=worker))["withdrawNotice"]
    assert withdrawn["errors"] == [] and withdrawn["notice"]["withdrawnAt"]

    async with place.kernel.db.transaction(place.kernel.street_id("changqing")) as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "worker-a").order_by(AuditEntry.id))).all()
    assert actions == ["core.notice.published"] * 3 + ["core.notice.withdrawn"]


async def test_bad_input_is_refused_naming_the_field(place, kernel):
    now = clock.now()
    other_street = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    cases = [
        ({"validFrom": now.isoformat(), "validUntil": (now - timedelta(hours=1)).isoformat()}, "validUntil", "BAD_INPUT"),
        ({"validUntil": (now - timedelta(days=1)).isoformat()}, "validUntil", "BAD_INPUT"),
        ({"title": "   "}, "title", "BAD_INPUT"),
        ({"title": "标" * 201}, "title", "BAD_INPUT"),
        ({"body": "字" * 20_001}, "body", "BAD_INPUT"),
        ({"scopeId": encode_global_id("Compound", other_street["compound"][0])}, "scopeId", "NOT_FOUND"),
        ({"scopeId": encode_global_id("Unit", place.a["units"][0])}, "scopeId", "BAD_INPUT"),
        ({"scopeId": "not-an-id"}, "scopeId", "INVALID_ID"),
        ({"attachments": [{"name": "a.pdf", "contentType": "application/pdf", "size": 1, "sha256": "xyz", "url": "https://f/a.pdf"}]}, "attachments[0].sha256", "BAD_INPUT"),
        ({"attachments": [{"name": "a.pdf", "contentType": "application/pdf", "size": 1, "sha256": SHA, "url": "javascript:alert(1)"}]}, "attachments[0].url", "BAD_INPUT"),
        ({"attachments": [{"name": "a.pdf", "contentType": "application/pdf", "size": -1, "sha256": SHA, "url": "/f/a.pdf"}]}, "attachments[0].size", "BAD_INPUT"),
    ]
    admin = await place.admin()
    for change, field, code in cases:
        data = await place.client.query(PUBLISH, {"input": {"kind": "PUBLICITY", "title": "公示", "body": "正文", **change}}, token=admin)
        errors = data["publishNotice"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], (change.keys(), errors)
    notice = await place.published("全街道公告")
    assert await place.titles(admin) == ["全街道公告"], "nothing refused was stored"
    empty = (await place.client.query(WITHDRAW, {"input": {"id": notice, "reason": " "}}, token=admin))["withdrawNotice"]["errors"]
    assert [(e["field"], e["code"]) for e in empty] == [("reason", "BAD_INPUT")]
    assert (await place.client.query(WITHDRAW, {"input": {"id": notice, "reason": "撤回"}}, token=admin))["withdrawNotice"]["errors"] == []
    again = (await place.client.query(WITHDRAW, {"input": {"id": notice, "reason": "再撤"}}, token=admin))["withdrawNotice"]["errors"]
    assert [(e["field"], e["code"]) for e in again] == [("id", "INVALID_STATE")]


LISTENER = """
from jiedao.core.hookspecs import hookimpl
from jiedao.core.plugins import PluginInfo

PLUGIN = PluginInfo(name="board", version="1.0", title="Notice board")
SEEN = []


async def seen(event, delivery):
    SEEN.append((delivery.street, event.scope, event.title, event.kind, event.compound_id))


@hookimpl
def jiedao_events(register):
    register.on("core.notice.published", seen)
"""


async def test_publishing_announces_core_notice_published_after_the_commit(make_kernel, password_hash, install_plugin):
    import sys

    board = install_plugin("board", LISTENER)
    streets = default_streets()
    streets["changqing"]["plugins"] = [*streets["changqing"]["plugins"], "board"]
    kernel = await make_kernel(streets=streets, extra_plugin_paths=[board])
    try:
        import jiedao_board

        async with app_client(kernel, password_hash) as client:
            place = await make_place(kernel, client)
            await place.published("A小区公示", "compound A", kind="PUBLICITY")
            refused = await place.publish(" ", "compound A")
            assert refused["errors"]
        assert jiedao_board.SEEN == [("changqing", "compound", "A小区公示", "publicity", place.a["compound"][0])]

        # outside a mutation (a CLI command, a background job) a street transaction announces it after its commit
        from jiedao.api.domain import street_transaction
        from jiedao.api.notices import publish_notice, STREET

        async with street_transaction(kernel, "changqing") as session:
            await publish_notice(session, scope=STREET, title="夜间公告", body="正文", kind="announcement", publisher="board")
            assert len(jiedao_board.SEEN) == 1, "nothing is announced before the commit"
        assert jiedao_board.SEEN[-1] == ("changqing", "street", "夜间公告", "announcement", None)

        # a transaction that fails announces nothing
        with pytest.raises(RuntimeError):
            async with street_transaction(kernel, "changqing") as session:
                await publish_notice(session, scope=STREET, title="撤回的公告", body="正文", kind="announcement", publisher="board")
                raise RuntimeError("the caller fails after publishing")
        assert [seen[2] for seen in jiedao_board.SEEN] == ["A小区公示", "夜间公告"]
    finally:
        sys.modules.pop("jiedao_board", None)


def test_the_street_setting_public_notices_is_checked_by_name():
    from jiedao.core.config import parse_config
    from jiedao.core.errors import ConfigurationError

    assert parse_config({"streets": {"x": {"name": "X"}}}).streets["x"].core.public_notices is False
    assert parse_config({"streets": {"x": {"name": "X", "public_notices": True}}}).streets["x"].core.public_notices is True
    with pytest.raises(ConfigurationError) as bad:
        parse_config({"streets": {"x": {"name": "X", "public_notices": "yes"}}})
    assert "street 'x', setting 'public_notices'" in str(bad.value)
    with pytest.raises(ConfigurationError) as unknown:
        parse_config({"streets": {"x": {"name": "X", "public_notice": True}}})
    assert "unknown key 'public_notice'" in str(unknown.value) and "public_notices" in str(unknown.value)

