"""A cockpit CSV never carries a formula a spreadsheet would run (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from jiedao.core.csvsafe import neutralise
from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.dashboard.service import export, ranges
from jiedao.plugins.dashboard.service.figures import Slice, visible_metrics
from jiedao.schema.ids import encode_global_id

CREATE = """mutation($input: CreateEnterpriseInput!) { createEnterprise(input: $input) { enterprise { id } errors { field message } } }"""
EXPORT = '{ cockpit { exportCsv(key: "credit.enterprises.by_class", dimension: "category") } }'
ATTACKS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", 'x\r=HYPERLINK("http://x","new row")']


def table(text: str) -> list[list[str]]:
    body = "\n".join(line for line in text.split("\n") if not line.startswith("#"))
    return [row for row in csv.reader(io.StringIO(body, newline="")) if row]


async def test_an_enterprise_category_exports_as_text_not_as_a_formula(kernel, client):
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    inspector = await client.token("inspector")
    for n, category in enumerate(ATTACKS):
        payload = (await client.query(CREATE, {"input": {
            "name": f"店{n}", "licenceNo": f"JY13301050000{n}", "licenceIssuedOn": (date.today() - timedelta(days=400)).isoformat(),
            "category": category, "buildingId": encode_global_id("Building", ids["buildings"][0]),
        }}, token=inspector))["createEnterprise"]
        assert payload["errors"] == [], payload["errors"]

    text = (await client.query(EXPORT, token=await client.token("community_worker")))["cockpit"]["exportCsv"]

    rows = table(text)
    assert rows[0] == ["category", "value"]
    cells = {row[0]: row[1] for row in rows[1:]}
    assert len(rows) == 1 + len(ATTACKS) and all(len(row) == 2 for row in rows), "a line break in a category starts no row"
    assert set(cells) == {"'" + attack if attack[0] in "=+-@\t\r" else attack for attack in ATTACKS}, cells
    assert all(value == "1" for value in cells.values()), "counts stay plain numbers"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_numbers_stay_numbers_and_only_text_is_neutralised(kernel):
    published = next(p for p in visible_metrics(kernel, "changqing") if p.metric.key == "credit.enterprises.by_class")
    period = ranges.resolve(ranges.Preset.LAST_7_DAYS, "Asia/Shanghai")
    text = export.breakdown_csv("changqing", published, period, "category", [Slice("-restaurant", -3.0), Slice("cafe", -0.5), Slice("bar", 2.0)])
    assert table(text)[1:] == [["'-restaurant", "-3"], ["cafe", "-0.5"], ["bar", "2"]]
    assert [neutralise(v) for v in (-1, -2.5, "-1", "a=b", "", None)] == [-1, -2.5, "'-1", "a=b", "", None]
