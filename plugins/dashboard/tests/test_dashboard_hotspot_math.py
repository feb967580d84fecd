"""The hotspot method on constructed series: spikes flag, noise and single events do not."""

from __future__ import annotations

import random

from jiedao.plugins.dashboard.service.hotspots import Evidence, Params, aggregate, detect, flag

NOISY = [2, 0, 1, 3, 1, 0, 2, 1, 1, 2, 0, 1, 3, 2, 1, 0, 1, 2, 1, 1, 2, 0, 1, 1, 3, 1, 2, 1]


def test_a_spike_above_the_baseline_is_flagged_and_explained():
    d = detect(NOISY, observed=9)
    assert d.rising
    assert round(d.mean, 2) == round(sum(NOISY) / len(NOISY), 2)
    assert d.observed > d.threshold > d.expected
    assert d.score > 3


def test_ordinary_noise_is_not_flagged():
    rng = random.Random(7)
    # every day of a further 200 days drawn like the baseline stays below the threshold
    flags = [detect(NOISY, observed=rng.choice(NOISY)).rising for _ in range(200)]
    assert not any(flags)


def test_one_event_never_flags_a_place_without_history():
    assert not detect([0] * 28, observed=1).rising
    assert not detect([0] * 28, observed=2).rising  # still under the floor of 3 events
    assert detect([0] * 28, observed=3).rising
    assert not detect([], observed=1).rising


def test_the_sd_floor_keeps_a_flat_baseline_from_flagging_on_a_small_rise():
    flat = [4] * 28  # sd 0: without a floor any 5th event would be infinitely surprising
    assert not detect(flat, observed=6).rising
    assert detect(flat, observed=12).rising


def test_longer_windows_expect_proportionally_more():
    week = detect(NOISY, observed=12, window_days=7)
    assert not week.rising  # 12 in 7 days is about 1.3 per day: ordinary
    assert round(week.expected, 6) == round(7 * week.mean, 6)
    assert detect(NOISY, observed=30, window_days=7).rising


def test_places_where_several_sources_rise_together_rank_first():
    spike, calm = detect(NOISY, observed=9), detect(NOISY, observed=1)
    bigger = detect(NOISY, observed=20)
    ranked = flag(
        {
            "one source, huge": [Evidence("alarms", "sensors", bigger), Evidence("disputes", "mediation", calm)],
            "two sources": [Evidence("alarms", "sensors", spike), Evidence("disputes", "mediation", spike)],
            "quiet": [Evidence("alarms", "sensors", calm)],
        }
    )
    assert [f.place for f in ranked] == ["two sources", "one source, huge"]
    assert ranked[0].sources == 2
    assert [e.signal for e in ranked[1].evidence] == ["alarms"]  # only rising signals are evidence


def test_two_signals_of_one_plugin_are_one_source():
    spike = detect(NOISY, observed=9)
    [only] = flag({"b": [Evidence("a1", "sensors", spike), Evidence("a2", "sensors", spike)]})
    assert only.sources == 1 and len(only.evidence) == 2


def test_buildings_sum_into_their_compound():
    totals = aggregate({1: [1, 0, 2], 2: [0, 1, 1], 3: [5, 5, 5]}, {1: "A", 2: "A", 3: "B"})
    assert totals == {"A": [1, 1, 3], "B": [5, 5, 5]}


def test_parameters_change_the_verdict():
    assert detect(NOISY, observed=4, params=Params(k=2.0)).rising
    assert not detect(NOISY, observed=4, params=Params(k=3.0)).rising
