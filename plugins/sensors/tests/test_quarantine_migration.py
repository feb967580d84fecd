"""Migration sensors_0004: quarantined payloads kept as text become the bytes they were."""

from __future__ import annotations

from jiedao.core import migrate
from tests.test_migrations import empty_database, load, run  # noqa: F401 - the fixture, on both databases


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
