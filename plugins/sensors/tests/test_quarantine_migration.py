"""Migration sensors_0004: quarantined payloads kept as text become the bytes they were."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from jiedao.core import migrate
from jiedao.core.db import create_engine
from tests.test_migrations import empty_database, load  # noqa: F401 - the fixture, on both databases


def run(url: str, *statements: str) -> list:
    async def go():
        engine = create_engine(url)
        rows = []
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # row-level security: the street's rows
                await connection.execute(text("select set_config('app.street_id', (select coalesce(min(id), 0)::text from streets), true)"))
            for statement in statements:
                result = await connection.execute(text(statement))
                if result.returns_rows:
                    rows = [tuple(row) for row in result]
        await engine.dispose()
        return rows

    return asyncio.run(go())


def test_text_payloads_become_their_bytes_and_come_back(empty_database):
    kernel = load(empty_database)
    migrate.upgrade(kernel)
    migrate.downgrade(kernel, "sensors_0003")
    run(empty_database, "INSERT INTO streets (slug, name) VALUES ('changqing', 'x')")
    run(
        empty_database,
        "INSERT INTO sensor_quarantine (street_id, received_at, topic, device_id, reason, detail, payload) "
        "SELECT id, CURRENT_TIMESTAMP, 't', 'EM-1', 'not_json', '', p FROM streets, "
        "(SELECT 'hex:ff00fe' AS p UNION ALL SELECT '{\"voltage\": \"中\"}' UNION ALL SELECT 'hex:zz') AS payloads",
    )
    migrate.upgrade(kernel)
    rows = run(empty_database, "SELECT payload FROM sensor_quarantine ORDER BY payload")
    assert sorted(bytes(p) for (p,) in rows) == sorted([b"\xff\x00\xfe", '{"voltage": "中"}'.encode(), b"hex:zz"])
    migrate.downgrade(kernel, "sensors_0003")
    back = {p for (p,) in run(empty_database, "SELECT payload FROM sensor_quarantine")}
    assert "hex:ff00fe" in back and len(back) == 3
