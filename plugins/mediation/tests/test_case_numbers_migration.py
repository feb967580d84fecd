"""Migration mediation_0003: cases stored before registers existed are numbered per committee
and year in China, in the order they were opened, and the registers go on from there."""

from __future__ import annotations

from jiedao.core import migrate
from jiedao.plugins.mediation.service.numbering import NEXT_NUMBER
from tests.test_migrations import empty_database, load, run  # noqa: F401 - the fixture, on both databases

CASE = (
    "INSERT INTO mediation_cases (street_id, title, description, category, source, referred_by, state, studio_id, opened_at) "
    "SELECT s.street_id, 'x', '', 'WATER_LEAK', 'APPLICATION', '', 'APPLIED', s.id, '{at}' FROM mediation_studios s WHERE s.name = '{studio}'"
)


def test_existing_cases_are_numbered_per_committee_and_year_in_china(empty_database):
    kernel = load(empty_database)
    migrate.upgrade(kernel)
    migrate.downgrade(kernel, "mediation_0002")
    run(empty_database, "INSERT INTO streets (slug, name) VALUES ('changqing', '长庆街道')")
    run(
        empty_database,
        "INSERT INTO mediation_committees (street_id, name, seal_name, seal_number, created_at) "
        "SELECT id, '调委会', '长庆街道人民调解委员会', 'TJ-1', CURRENT_TIMESTAMP FROM streets",
        "INSERT INTO mediation_studios (street_id, name, description, created_at, committee_id) "
        "SELECT s.id, 'A', '', CURRENT_TIMESTAMP, c.id FROM streets s, mediation_committees c",
        "INSERT INTO mediation_studios (street_id, name, description, created_at) SELECT id, 'loose', '', CURRENT_TIMESTAMP FROM streets",
        CASE.format(at="2025-12-31 16:30:00+00:00", studio="A"),  # 2026-01-01 00:30 in China: the first case of 2026
        CASE.format(at="2025-12-31 15:30:00+00:00", studio="A"),  # 23:30 on New Year's Eve in China: 2025
        CASE.format(at="2026-03-01 08:00:00+00:00", studio="A"),
        CASE.format(at="2026-02-01 08:00:00+00:00", studio="A"),  # opened before the one above, stored after it
        CASE.format(at="2026-02-01 08:00:00+00:00", studio="loose"),
    )
    migrate.upgrade(kernel)
    rows = run(empty_database, "SELECT id, register_committee_id IS NULL, register_year, register_number FROM mediation_cases ORDER BY id")
    assert [tuple(r[1:]) for r in rows] == [
        (False, 2026, 1), (False, 2025, 1), (False, 2026, 3), (False, 2026, 2), (True, 2026, 1),
    ]
    [(committee,)] = run(empty_database, "SELECT id FROM mediation_committees")
    [(street,)] = run(empty_database, "SELECT id FROM streets")
    following = run(empty_database, NEXT_NUMBER.text.replace(":street_id", str(street)).replace(":committee_key", str(committee)).replace(":year", "2026"))
    assert following == [(4,)], "the register goes on after the numbers given to existing cases"
