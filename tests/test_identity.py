"""Log-in, tokens, roles per street, permissions, personal data and the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text, update

from jiedao.core.identity import service
from jiedao.core.identity.throttle import LoginPolicy
from jiedao.core.identity.models import AuditEntry, Grant, Token, User
from jiedao.core.models import Resident
from jiedao.core.testing.fixtures import TEST_PASSWORD, build_registry

LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token expiresAt errors { code message } } }"


async def make_user(kernel, password_hash, username="pan", role="mediator", street="changqing"):
    async with kernel.db.transaction() as session:
        user = await service.create_user(session, username, "", password_hash=password_hash)
        place = await service.street_by_slug(session, street) if street else None
        await service.grant(session, user, place, role)
    return user


async def test_login_returns_a_token_that_works_in_the_users_street(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    result = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]
    assert result["errors"] == [] and len(result["token"]) >= 40
    me = await client.query("{ me { username roles permissions } }", token=result["token"])
    assert me["me"]["username"] == "pan" and me["me"]["roles"] == ["mediator"]
    assert "core.registry.read" in me["me"]["permissions"]
    async with kernel.db.transaction() as session:
        stored = (await session.scalars(select(Token.digest))).all()
    assert result["token"] not in stored, "tokens are stored only as digests"


async def test_wrong_password_and_unknown_user_get_the_same_answer(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    wrong = (await client.query(LOGIN, {"u": "pan", "p": "nope-nope"}))["login"]
    unknown = (await client.query(LOGIN, {"u": "nobody", "p": "nope-nope"}))["login"]
    assert wrong["token"] is None and unknown["token"] is None
    assert wrong["errors"] == unknown["errors"] == [{"code": "INVALID_CREDENTIALS", "message": "Wrong username or password."}]


async def test_failed_logins_are_throttled_per_account(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    for _ in range(LoginPolicy().account.free):
        await client.query(LOGIN, {"u": "pan", "p": "wrong-password"})
    blocked = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]
    assert blocked["token"] is None and blocked["errors"][0]["code"] == "THROTTLED"


async def test_token_of_one_street_is_refused_in_another(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    token = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    assert (await client.query("{ me { username } }", token=token))["me"]["username"] == "pan"  # now cached for changqing
    response = await client.post("{ me { username } }", street="gongchen", token=token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    refused = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}, street="gongchen"))["login"]
    assert refused["errors"][0]["code"] == "NO_ACCESS"


async def test_malformed_expired_and_revoked_tokens_are_refused(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    token = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    for header in ("Basic abc", "Bearer ", "Bearer " + "x" * 300):
        response = await client.http.post("/graphql/changqing", json={"query": "{ me { username } }"}, headers={"authorization": header})
        assert response.status_code == 401
    logout = await client.query("mutation { logout { revoked } }", token=token)
    assert logout["logout"]["revoked"] == 1
    assert (await client.post("{ me { username } }", token=token)).status_code == 401
    fresh = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    async with kernel.db.transaction() as session:
        await session.execute(update(Token).where(Token.digest == service.digest(fresh)).values(expires_at=service.now() - timedelta(seconds=1)))
    response = await client.post("{ me { username } }", token=fresh)
    assert response.status_code == 401 and "expired" in response.json()["errors"][0]["message"]


async def test_logout_everywhere_revokes_every_token(kernel, client, password_hash):
    await make_user(kernel, password_hash)
    first = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    second = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    assert (await client.query("mutation { logoutEverywhere { revoked } }", token=first))["logoutEverywhere"]["revoked"] == 2
    assert (await client.post("{ me { username } }", token=second)).status_code == 401


async def test_anonymous_callers_get_only_what_is_public(kernel, client):
    await build_registry(kernel, "changqing", buildings=1)
    assert (await client.query("{ street { slug } }"))["street"]["slug"] == "changqing"
    for query in ("{ buildings(first: 1) { edges { cursor } } }", "{ me { username } }", "{ residents(first: 1) { edges { cursor } } }"):
        errors = await client.errors(query)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_see_what_they_should(kernel, client):
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    inspector = await client.token("inspector")
    worker = await client.token("community_worker")
    mediator = await client.token("mediator")
    resident = await client.token("resident")
    assert (await client.query("{ buildings(first: 5) { totalCount } }", token=inspector))["buildings"]["totalCount"] == 1
    errors = await client.errors("{ residents(first: 5) { totalCount } }", token=inspector)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN" and errors[0]["extensions"]["permission"] == "core.residents.read"
    errors = await client.errors("{ buildings(first: 5) { totalCount } }", token=resident)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    phones = await client.query("{ residents(first: 5) { edges { node { phone } } } }", token=worker)
    assert phones["residents"]["edges"][0]["node"]["phone"] == "13812345678"
    masked = await client.query("{ residents(first: 5) { edges { node { phone } } } }", token=mediator)
    assert masked["residents"]["edges"][0]["node"]["phone"] == "138****5678"


async def test_a_resident_sees_their_own_record_through_me(kernel, client):
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    token = await client.token("resident", resident_id=ids["residents"][0], username="owner-1")
    me = await client.query("{ me { username resident { name units { number } } } }", token=token)
    assert me["me"]["resident"] == {"name": "业主0", "units": [{"number": "001"}]}


async def test_audit_log_records_grants_and_is_readable_by_street_admins_only(kernel, client, password_hash):
    await make_user(kernel, password_hash, username="lao-fu")
    admin = await client.token("street_admin")
    worker = await client.token("community_worker")
    log = await client.query('{ auditLog(first: 10, action: "core.role.granted") { edges { node { actor action target details } } } }', token=admin)
    entries = [e["node"] for e in log["auditLog"]["edges"]]
    assert {"actor": "cli", "action": "core.role.granted", "target": "lao-fu", "details": {"role": "mediator"}} in entries
    errors = await client.errors("{ auditLog(first: 1) { edges { cursor } } }", token=worker)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    gongchen_admin = await client.token("street_admin", "gongchen")
    other = await client.query("{ auditLog(first: 10) { edges { node { target } } } }", street="gongchen", token=gongchen_admin)
    assert "lao-fu" not in {e["node"]["target"] for e in other["auditLog"]["edges"]}


async def test_platform_admin_works_in_every_street(kernel, client):
    token = await client.token("platform_admin", None)
    for street in ("changqing", "gongchen"):
        me = await client.query("{ me { roles permissions } }", street=street, token=token)
        assert me["me"]["roles"] == ["platform_admin"] and "core.audit.read" in me["me"]["permissions"]


async def test_revoked_grant_closes_the_street(kernel, client, password_hash):
    user = await make_user(kernel, password_hash)
    token = (await client.query(LOGIN, {"u": "pan", "p": TEST_PASSWORD}))["login"]["token"]
    async with kernel.db.transaction() as session:
        street = await service.street_by_slug(session, "changqing")
        assert await service.revoke(session, await session.get(User, user.id), street, "mediator")
        assert (await session.scalars(select(Grant).where(Grant.user_id == user.id))).all() == []
    assert (await client.post("{ me { username } }", token=token)).status_code == 401


async def test_database_refuses_cross_street_reads_and_audit_edits(kernel, request):
    """The PostgreSQL backstop: raw SQL in a street's transaction sees only that street,
    and the application role cannot rewrite the audit log."""
    await build_registry(kernel, "changqing", buildings=2)
    await build_registry(kernel, "gongchen", buildings=3)
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        raw = (await session.execute(text("select count(*) from buildings"))).scalar()
        residents = (await session.scalars(select(Resident))).all()
        async with kernel.db.transaction() as other:
            other.add(AuditEntry(street_id=None, at=service.now(), actor="t", action="t", target="", details={}, request_id=""))
    if kernel.db.is_postgres:
        assert raw == 3, "row-level security limits raw SQL to the transaction's street"
        async with kernel.db.session() as session:
            try:
                await session.execute(text("update audit_log set actor = 'forged'"))
                await session.commit()
                forged = True
            except Exception as error:  # noqa: BLE001 - the database must refuse
                forged = False
                assert "permission denied" in str(error)
        assert not forged
    else:
        assert raw == 5  # SQLite has no RLS: the ORM filter is the only layer there
    assert len(residents) == 3 * 4


async def test_orm_filter_scopes_reads_updates_and_writes_to_the_session_street(kernel):
    from sqlalchemy import delete

    from jiedao.core.db import CrossStreetWrite
    from jiedao.core.models import Building

    await build_registry(kernel, "changqing", buildings=2)
    await build_registry(kernel, "gongchen", buildings=1)
    gongchen = kernel.street_id("gongchen")
    async with kernel.db.transaction(gongchen) as session:
        assert len((await session.scalars(select(Building))).all()) == 1
        await session.execute(update(Building).values(name="改名"))
        await session.execute(delete(Building).where(Building.name == "1幢"))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        names = (await session.scalars(select(Building.name))).all()
        assert sorted(names) == ["1幢", "2幢"], "gongchen's update and delete touched only gongchen"
    try:
        async with kernel.db.transaction(gongchen) as session:
            session.add(Building(street_id=kernel.street_id("changqing"), compound_id=1, name="越界"))
        raised = False
    except CrossStreetWrite:
        raised = True
    assert raised, "a session of one street cannot write rows of another"


async def test_the_callers_user_is_built_only_for_a_request_that_reads_it(kernel, client, monkeypatch):
    """A request only asking whether someone calls (permissions, visibility) builds no ``User``;
    one reading the caller builds exactly one (``Context.user``, built when first read)."""
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    token = await client.token("inspector", username="ins-1")
    built: list[object] = []
    real = service.detached_user
    monkeypatch.setattr(service, "detached_user", lambda columns: built.append(columns) or real(columns))
    assert (await client.query("{ buildings(first: 5) { totalCount } }", token=token))["buildings"]["totalCount"] == 1
    assert (await client.query("{ __typename }", token=token)) == {"__typename": "Query"}
    assert built == [], "nobody read the caller"
    assert (await client.query("{ me { username } }", token=token))["me"]["username"] == "ins-1"
    assert len(built) == 1
