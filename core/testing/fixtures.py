"""pytest fixtures for Jiedao and its plugins: real databases, apps, users and a GraphQL client.

Registered for every project that has Jiedao installed, through the ``pytest11`` entry
point ``jiedao`` (disable with ``-p no:jiedao``). Every test using ``kernel``
runs twice, on SQLite and on PostgreSQL (a throwaway cluster started once per session,
the application connecting as a role subject to row-level security). Set
``JIEDAO_REQUIRE_SERVICES=1`` (CI does) to turn a missing PostgreSQL into a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from jiedao.core.config import parse_config
from jiedao.core.identity import service
from jiedao.core.identity.models import Grant, Token, User
from jiedao.core.identity.passwords import hash_password
from jiedao.core.kernel import Kernel
from jiedao.core.plugins import discover
from jiedao.schema.statements import StatementCounter, start_counting, stop_counting

TEST_PASSWORD = "test-password-1"
APP_ROLE = "jiedao_app"
OWNER_ROLE = "jiedao_owner"


def installed_plugins() -> list[str]:
    return sorted(discover().plugins)


def default_streets() -> dict[str, Any]:
    """Two streets: changqing with every installed plugin, gongchen with fewer."""
    installed = installed_plugins()
    return {
        "changqing": {"name": "长庆街道", "plugins": installed},
        "gongchen": {"name": "拱宸桥街道", "plugins": [p for p in ("deliberation", "mediation") if p in installed]},
    }


def _migrate(url: str) -> None:
    """Build every installed branch to head at ``url`` (runs Alembic in its own loop)."""
    from jiedao.core import migrate

    kernel = asyncio.run(Kernel.load(parse_config({"streets": {"x": {"name": "x"}}}), database_url=url))
    migrate.upgrade(kernel, url=url)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster with an owner role and an application role."""
    from jiedao.core.testing.services import PostgresCluster, postgres_available, require_service

    require_service(postgres_available())
    cluster = PostgresCluster()
    cluster.start()
    cluster.create_role(OWNER_ROLE)
    cluster.create_role(APP_ROLE)
    cluster.execute(f"ALTER ROLE {OWNER_ROLE} CREATEDB")
    previous = os.environ.get("JIEDAO_DB_APP_ROLE")
    os.environ["JIEDAO_DB_APP_ROLE"] = APP_ROLE  # every migration run in the tests grants it
    yield cluster
    if previous is None:
        os.environ.pop("JIEDAO_DB_APP_ROLE", None)
    else:
        os.environ["JIEDAO_DB_APP_ROLE"] = previous
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres) -> str:
    """A database migrated to head, copied for every test."""
    postgres.create_database("jiedao_template", owner=OWNER_ROLE)
    _migrate(postgres.url("jiedao_template", user=OWNER_ROLE))
    return "jiedao_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


_counter = itertools.count(1)


def pytest_configure(config) -> None:
    """Register the kit's markers."""
    config.addinivalue_line(
        "markers",
        "demo: the test's database starts with the demo seeded (seed_demo) for the test's streets; "
        "seeded once per session and backend, then copied like the empty template",
    )


def _seed_demo_in(url: str, streets: dict[str, Any]) -> None:
    """Run ``seed_demo`` for ``streets`` on the migrated database at ``url`` (its own loop and
    thread, so it works whether or not the caller's thread runs an event loop)."""
    from concurrent.futures import ThreadPoolExecutor

    from jiedao.core.demo import seed_demo

    async def seed() -> None:
        kernel = await Kernel.load(parse_config({"streets": streets}, database_url=url))
        try:
            await kernel.sync_streets()
            await seed_demo(kernel)
        finally:
            await kernel.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed()).result()


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory) -> dict[tuple[str, str], str]:
    """Seeded demo databases made so far this session: (backend, streets as JSON) → a SQLite
    file path or a PostgreSQL template database name (see the ``demo`` marker)."""
    return {}


def _demo_template(request, backend: str, streets: dict[str, Any]) -> str:
    """The seeded demo template of ``backend`` for ``streets``, seeded on first use."""
    import json

    templates = request.getfixturevalue("demo_templates")
    key = (backend, json.dumps(streets, sort_keys=True, ensure_ascii=False))
    if key in templates:
        return templates[key]
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path_factory").mktemp("demo-template") / "demo.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        _seed_demo_in(f"sqlite+aiosqlite:///{path}", streets)
        templates[key] = str(path)
    else:
        cluster = request.getfixturevalue("postgres")
        name = f"demo_template_{os.getpid()}_{len(templates)}"
        cluster.create_database(name, owner=OWNER_ROLE, template=request.getfixturevalue("postgres_template"))
        _seed_demo_in(cluster.url(name, user=APP_ROLE), streets)
        templates[key] = name
    return templates[key]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, jiedao_streets) -> str:
    """A fresh, migrated database for one test, on each backend in turn; with the ``demo``
    marker, one with the demo seeded for the test's streets (``jiedao_streets``)."""
    demo = request.node.get_closest_marker("demo") is not None
    if request.param == "sqlite":
        path = tmp_path / "jiedao.db"
        source = _demo_template(request, "sqlite", jiedao_streets) if demo else request.getfixturevalue("sqlite_template")
        shutil.copy(source, path)
        return f"sqlite+aiosqlite:///{path}"
    cluster = request.getfixturevalue("postgres")
    template = _demo_template(request, "postgres", jiedao_streets) if demo else request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, owner=OWNER_ROLE, template=template)
    request.addfinalizer(lambda: cluster.drop_database(name))
    request.node.jiedao_owner_url = cluster.url(name, user=OWNER_ROLE)
    return cluster.url(name, user=APP_ROLE)


@pytest.fixture
def mqtt_broker(tmp_path):
    """A throwaway Mosquitto for one test (``core.testing.services.MosquittoBroker``: ``url``,
    ``host``, ``port``, ``restart()``); fails under CI when Mosquitto is missing."""
    from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service

    require_service(mosquitto_available())
    with MosquittoBroker(base_dir=tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def owner_db(request, database_url):
    """The test's database connected as the owner of its tables (on PostgreSQL not bound by
    the application role's grants), to arrange what the application may not do, such as
    moving append-only history into the past. Row-level security still applies: open
    transactions with ``owner_db.transaction(street_id)``."""
    from jiedao.core.db import Database

    db = Database(getattr(request.node, "jiedao_owner_url", None) or database_url)
    yield db
    await db.dispose()


@pytest.fixture
def jiedao_streets() -> dict[str, Any]:
    """The streets of the test kernel, as plugins.toml tables. Override this fixture in a
    plugin's conftest.py to enable the plugin where its tests need it."""
    return default_streets()


@pytest_asyncio.fixture
async def make_kernel(database_url, jiedao_streets) -> AsyncIterator[Callable[..., Any]]:
    """``await make_kernel(streets=..., extra_plugin_paths=...)``: a loaded kernel on the test's database."""
    kernels: list[Kernel] = []

    async def make(streets: dict[str, Any] | None = None, extra_plugin_paths=()) -> Kernel:
        config = parse_config({"streets": streets or jiedao_streets}, database_url=database_url)
        kernel = await Kernel.load(config, extra_plugin_paths=extra_plugin_paths)
        await kernel.sync_streets()
        kernels.append(kernel)
        return kernel

    yield make
    for kernel in kernels:
        await kernel.close()


@pytest_asyncio.fixture
async def kernel(make_kernel) -> Kernel:
    """A kernel with the default test streets (changqing: every plugin; gongchen: fewer)."""
    return await make_kernel()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One real Argon2 hash of ``TEST_PASSWORD``, shared so tests do not hash per user."""
    return hash_password(TEST_PASSWORD)


class GraphQLErrors(AssertionError):
    """The response carried errors where data was expected."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(e.get("message", "?") for e in errors))


class Client:
    """Talks to one app over HTTP like a front end: ``await client.query(...)``.

    It sends ``Accept-Language: en`` unless told otherwise, so messages come back in English
    (the templates tests assert on); ``language="zh-CN"`` asks for Chinese, and ``language=None``
    sends no header, so the street's ``language`` setting applies (``core.messages``)."""

    def __init__(self, kernel: Kernel, http: httpx.AsyncClient, password_hash: str):
        self.kernel = kernel
        self.http = http
        self._password_hash = password_hash
        self._tokens: dict[tuple[str, str, str | None], str] = {}

    async def post(
        self, query: str, variables: dict | None = None, *, street: str = "changqing", token: str | None = None, language: str | None = "en"
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        if language is not None:
            headers["accept-language"] = language
        return await self.http.post(f"/graphql/{street}", json={"query": query, "variables": variables or {}}, headers=headers)

    async def result(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        """The whole JSON response (data, errors, extensions)."""
        return (await self.post(query, variables, **kwargs)).json()

    async def query(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        """The ``data`` of the response; raises ``GraphQLErrors`` if there are errors."""
        body = await self.result(query, variables, **kwargs)
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        return body["data"]

    async def statements(self, query: str, variables: dict | None = None, **kwargs) -> int:
        """How many SQL statements the request executed (for N+1 checks); the query must succeed."""
        previous = os.environ.get("JIEDAO_DEBUG")
        os.environ["JIEDAO_DEBUG"] = "1"
        try:
            body = await self.result(query, variables, **kwargs)
        finally:
            if previous is None:
                os.environ.pop("JIEDAO_DEBUG", None)
            else:
                os.environ["JIEDAO_DEBUG"] = previous
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        return body["extensions"]["statements"]

    async def errors(self, query: str, variables: dict | None = None, **kwargs) -> list[dict]:
        """The ``errors`` of a response that must fail."""
        body = await self.result(query, variables, **kwargs)
        assert body.get("errors"), f"expected errors, got {body}"
        return body["errors"]

    async def token(self, role: str, street: str | None = "changqing", *, username: str | None = None, resident_id: int | None = None) -> str:
        """A bearer token of a user holding ``role`` in ``street`` (created on first use)."""
        username = username or f"{role}-{street or 'platform'}"
        key = (username, role, street)
        if key not in self._tokens:
            async with self.kernel.db.transaction() as session:
                user = await session.scalar(select(User).where(User.username == username))
                if user is None:
                    user = User(username=username, password_hash=self._password_hash, resident_id=resident_id)
                    session.add(user)
                    await session.flush()
                session.add(Grant(user_id=user.id, street_id=self.kernel.street_id(street) if street else None, role=role))
                token = secrets.token_urlsafe(24)
                session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + timedelta(hours=1)))
            self._tokens[key] = token
        return self._tokens[key]


@pytest_asyncio.fixture
async def client(kernel, password_hash) -> AsyncIterator[Client]:
    """A GraphQL client for an app of ``kernel`` (no background work)."""
    async with app_client(kernel, password_hash) as c:
        yield c


def app_client(kernel: Kernel, password_hash: str):
    """An async context manager yielding a ``Client`` for ``kernel``'s app."""
    from contextlib import asynccontextmanager

    from jiedao.core.app import build_app

    @asynccontextmanager
    async def manage():
        app = build_app(kernel, background=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Client(kernel, http, password_hash)

    return manage()


@contextmanager
def count_statements():
    """Count the SQL statements executed in this task (and the requests it awaits)."""
    counter: StatementCounter = start_counting()
    try:
        yield counter
    finally:
        stop_counting(counter)


async def new_compound(session, buildings: int) -> tuple[Any, list[Any]]:
    """A new community with one compound "测试小区" of ``buildings`` buildings ("1幢", ...)."""
    from jiedao.core.models import Building, Community, Compound

    community = Community(name=f"社区{secrets.token_hex(3)}")
    session.add(community)
    await session.flush()
    compound = Compound(community_id=community.id, name="测试小区")
    session.add(compound)
    await session.flush()
    made = [Building(compound_id=compound.id, name=f"{i + 1}幢") for i in range(buildings)]
    session.add_all(made)
    await session.flush()
    return compound, made


async def build_registry(kernel: Kernel, street: str, *, buildings: int = 3, units_per_building: int = 4, area_dm2: int = 9000) -> dict[str, list[int]]:
    """A compound with ``buildings`` buildings of ``units_per_building`` units, one owner each.

    Returns the ids created: ``{"buildings": [...], "units": [...], "residents": [...]}``.
    """
    from jiedao.core.models import Ownership, Resident, Unit

    async with kernel.db.transaction(kernel.street_id(street)) as session:
        compound, made_buildings = await new_compound(session, buildings)
        units = [Unit(building_id=b.id, number=f"{j + 1:03d}", area_dm2=area_dm2) for b in made_buildings for j in range(units_per_building)]
        residents = [Resident(external_ref=f"r{secrets.token_hex(6)}", name=f"业主{i}", phone="13812345678") for i in range(len(units))]
        session.add_all(units + residents)
        await session.flush()
        session.add_all([Ownership(unit_id=u.id, resident_id=r.id) for u, r in zip(units, residents)])
        return {
            "compound": [compound.id],
            "buildings": [b.id for b in made_buildings],
            "units": [u.id for u in units],
            "residents": [r.id for r in residents],
        }


@pytest.fixture
def compiled_reads_off() -> Iterator[None]:
    """Every query takes the general path: none is answered by one compiled statement
    (``schema.compiled_reads``), for tests watching the look-ahead loaders and the plain
    executor. Set directly, not through ``monkeypatch``: such tests undo theirs half-way."""
    from jiedao.schema import compiled_reads

    before, compiled_reads.ENABLED = compiled_reads.ENABLED, False
    yield
    compiled_reads.ENABLED = before


@pytest.fixture
def jiedao_cli(monkeypatch, tmp_path):
    """``jiedao_cli(args, streets=..., database_url=..., extra_paths=...)`` runs the CLI in-process
    with its own plugins.toml and database; returns click's Result."""
    from click.testing import CliRunner

    from jiedao.core.cli import main

    def invoke(args: list[str], *, streets: dict[str, Any] | None = None, database_url: str | None = None, extra_paths=(), input=None):
        import tomllib  # noqa: F401 - the file below is TOML

        config = tmp_path / "plugins.toml"
        lines = []
        for slug, street in (streets or {"changqing": {"name": "长庆街道", "plugins": []}}).items():
            plugins = ", ".join(f'"{p}"' for p in street.get("plugins", []))
            lines += [f"[streets.{slug}]", f'name = "{street["name"]}"', f"plugins = [{plugins}]", ""]
        config.write_text("\n".join(lines), encoding="utf-8")
        monkeypatch.setenv("JIEDAO_CONFIG", str(config))
        monkeypatch.setenv("JIEDAO_DATABASE_URL", database_url or f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        for path in extra_paths:
            monkeypatch.syspath_prepend(str(path))
        monkeypatch.setattr(main, "_kernel", None, raising=False)
        monkeypatch.setattr(main, "_plugins_added", False, raising=False)
        return CliRunner().invoke(main, args, input=input)

    return invoke


# The front end's browser fixtures (real Chromium, the seeded demo): see core/testing/browser.py.
from jiedao.core.testing.browser import browser, demo_database, demo_template, second_browser  # noqa: E402,F401
