"""Hotspot early warning, the pure math: does a place's signal rise above its own baseline?

The method is EARS-C2-like and explainable in one sentence per signal:

- the *baseline* is the place's daily event counts over the ``B`` days before the window,
  leaving out a *guard band* of ``G`` days just before it (so a rise that started
  yesterday does not raise its own baseline);
- over a window of ``w`` days we *expect* ``w·mean`` events with a spread of
  ``sd·√w``, where ``sd`` is floored - at ``√mean`` (Poisson noise) and at ``min_sd`` -
  so a place with almost no history does not get a zero spread;
- the signal *rises* when ``observed > expected + k·spread`` **and**
  ``observed >= min_events``: with sparse data one event never flags.

Places where several independent sources (plugins) rise together rank first.
No database, no GraphQL: the functions take numbers and return numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    """The knobs of the method (see ``DashboardSettings``)."""

    k: float = 3.0
    min_events: int = 3
    min_sd: float = 0.5


@dataclass(frozen=True)
class Detection:
    """One signal at one place, with everything needed to explain the verdict."""

    observed: float
    window_days: float
    baseline_days: int
    mean: float
    sd: float
    sd_used: float
    expected: float
    threshold: float
    score: float
    rising: bool


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for fewer than two values)."""
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def detect(baseline: Sequence[float], observed: float, window_days: float = 1.0, params: Params = Params()) -> Detection:
    """Compare ``observed`` events in a window of ``window_days`` with the daily ``baseline``."""
    mean, sd = mean_sd(baseline)
    sd_used = max(sd, math.sqrt(mean), params.min_sd)
    w = max(window_days, 1 / 24)
    expected = mean * w
    spread = sd_used * math.sqrt(w)
    threshold = expected + params.k * spread
    score = (observed - expected) / spread
    rising = observed > threshold and observed >= params.min_events
    return Detection(observed, window_days, len(baseline), mean, sd, sd_used, expected, threshold, score, rising)


@dataclass(frozen=True)
class Evidence:
    """The detection of one signal (published by ``source``) at one place."""

    signal: str
    source: str
    detection: Detection


@dataclass(frozen=True)
class Flagged:
    """A place where at least one signal rises, with the evidence that says so."""

    place: Hashable
    evidence: tuple[Evidence, ...]

    @property
    def sources(self) -> int:
        """How many independent sources (distinct publishing plugins) rise here."""
        return len({e.source for e in self.evidence})

    @property
    def score(self) -> float:
        """Sum of the rising signals' scores (standard deviations above expectation)."""
        return sum(e.detection.score for e in self.evidence)


def flag(evidence_by_place: Mapping[Hashable, Iterable[Evidence]]) -> list[Flagged]:
    """The places with a rising signal, ranked: most sources first, then most signals,
    then the highest combined score."""
    flagged = []
    for place, evidence in evidence_by_place.items():
        rising = tuple(sorted((e for e in evidence if e.detection.rising), key=lambda e: -e.detection.score))
        if rising:
            flagged.append(Flagged(place, rising))
    flagged.sort(key=lambda f: (-f.sources, -len(f.evidence), -f.score))
    return flagged


def aggregate(series: Mapping[Hashable, Sequence[float]], parent_of: Mapping[Hashable, Hashable]) -> dict[Hashable, list[float]]:
    """Sum equal-length daily series of children (buildings) into their parents (compounds)."""
    totals: dict[Hashable, list[float]] = defaultdict(list)
    for child, values in series.items():
        parent = parent_of.get(child)
        if parent is None:
            continue
        total = totals[parent]
        if not total:
            total.extend(0.0 for _ in values)
        for i, value in enumerate(values):
            total[i] += value
    return dict(totals)
