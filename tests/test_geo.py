"""GCJ-02 ⇄ WGS-84 (``jiedao.core.geo``) against published point pairs (Shanghai, Shenzhen,
Beijing: the test points of the widely used open-source transforms), and the round trip."""

from __future__ import annotations

import pytest

from jiedao.core.geo import gcj02_to_wgs84, in_china, wgs84_to_gcj02

#: (WGS-84 longitude, latitude), (GCJ-02 longitude, latitude)
PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_the_forward_transform_gives_the_published_gcj02_point(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_the_inverse_recovers_the_wgs84_point_within_a_centimetre(wgs, gcj):
    # 1e-7 degrees is about 1 cm; the one-step approximation many libraries use is off by metres
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-7)


def test_changqing_round_trips_and_the_offset_is_a_few_hundred_metres():
    gcj = (120.1700, 30.2700)
    wgs = gcj02_to_wgs84(*gcj)
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-8)
    assert 0.002 < gcj[0] - wgs[0] < 0.008 and 0.001 < abs(gcj[1] - wgs[1]) < 0.005


def test_points_outside_china_are_left_alone():
    assert not in_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
