"""Hotspot early warning over the published signals: counts in SQL, verdicts in ``hotspots``.

For each visible signal, one statement (all signals in one ``UNION ALL``) counts events
per building per day of the baseline, and per building in the window. The pure module
decides which buildings - and, summed over their buildings, which compounds - rise above
their own baseline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, case, cast, func, literal, select, union_all

from jiedao.api import DomainError, registry
from jiedao.plugins.dashboard.models import HotspotAck
from jiedao.plugins.dashboard.service import hotspots, sql
from jiedao.plugins.dashboard.service.figures import Execute, visible_signals
from jiedao.plugins.dashboard.service.ranges import Period, Range

WINDOW = -1  # bucket index of the rows inside the window


@dataclass(frozen=True)
class SignalInfo:
    key: str
    title_zh: str
    title_en: str
    plugin: str


@dataclass(frozen=True)
class Cited:
    """A thing a rising signal's events are about (e.g. an overdue work item), in the window."""

    signal: str
    node_type: str
    pk: int
    title: str


@dataclass(frozen=True)
class Finding:
    """One flagged place with its evidence, explained."""

    kind: str  # "BUILDING" or "COMPOUND"
    place_id: int
    name: str
    compound_id: int
    compound_name: str
    flagged: hotspots.Flagged
    signals: dict[str, SignalInfo]
    window: Range
    baseline: Range
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_note: str | None = None
    cited: tuple[Cited, ...] = ()

    def explain(self, lang: str = "zh") -> str:
        """One sentence per rising signal: observed, expected, baseline and threshold."""
        days = self.baseline.length.days
        parts = []
        for e in self.flagged.evidence:
            d, info = e.detection, self.signals[e.signal]
            if lang == "zh":
                parts.append(
                    f"{info.title_zh}：窗口内 {d.observed:g} 次，预期 {d.expected:.1f} 次（基线日均 {d.mean:.2f}，"
                    f"标准差 {d.sd_used:.2f}，取前 {days} 天、不含最近 {self._guard_days()} 天），阈值 {d.threshold:.1f}"
                )
            else:
                parts.append(
                    f"{info.title_en}: {d.observed:g} events in the window, {d.expected:.1f} expected (baseline "
                    f"{d.mean:.2f}/day, sd {d.sd_used:.2f}, over the {days} days before a {self._guard_days()}-day guard band), "
                    f"threshold {d.threshold:.1f}"
                )
        where = self.name if self.kind == "COMPOUND" else f"{self.compound_name} {self.name}"
        return f"{where}：" + "；".join(parts) + "。" if lang == "zh" else f"{where}: " + "; ".join(parts) + "."

    def _guard_days(self) -> int:
        return max(0, round((self.window.start - self.baseline.end) / timedelta(days=1)))


class HotspotWatch:
    """Hotspots of one street over a window, computed through ``execute``."""

    def __init__(self, kernel, street: str, execute: Execute):
        self.kernel = kernel
        self.street = street
        self.execute = execute
        self.settings = kernel.settings(street, "dashboard")
        self.dialect = kernel.db.engine.dialect.name

    def params(self) -> hotspots.Params:
        s = self.settings
        return hotspots.Params(k=s.threshold_sd, min_events=s.min_events, min_sd=s.min_sd)

    async def find(self, period: Period) -> list[Finding]:
        """Flagged buildings and compounds in the period's window, ranked (acknowledgements
        attached, not cached)."""
        window = period.current
        longest = timedelta(days=self.settings.max_window_days)
        if window.length > longest:  # early warning looks at the recent end of a long range
            window = Range(window.end - longest, window.end)
        findings = await self.kernel.state("dashboard").figures.get((self.street, "hotspots", period.cache_key(self.settings.cache_seconds)), self.settings.cache_seconds, lambda: self._find(window))
        return await self._with_acks(findings, window)

    async def _find(self, window: Range) -> list[Finding]:
        signals = visible_signals(self.kernel, self.street)
        if not signals:
            return []
        s = self.settings
        baseline = Range(window.start - timedelta(days=s.guard_days + s.baseline_days), window.start - timedelta(days=s.guard_days))
        parts = [self._count_select(i, signal, window, baseline) for i, (_, signal) in enumerate(signals)]
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        days = s.baseline_days
        daily: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0] * days)
        observed: dict[tuple[int, int], float] = defaultdict(float)
        for i, building_id, bucket, count in (await self.execute(statement)).all():
            if building_id is None:
                continue
            if bucket == WINDOW:
                observed[(i, building_id)] += count
            elif 0 <= bucket < days:
                daily[(i, building_id)][bucket] += count
        buildings = {b for _, b in [*daily, *observed]}
        if not buildings:
            return []
        places = await self._places(buildings)
        window_days = window.length / timedelta(days=1)
        params = self.params()
        info = {signal.key: SignalInfo(signal.key, signal.title_zh, signal.title_en, plugin) for plugin, signal in signals}

        def evidence_for(series: dict, seen: dict) -> dict:
            by_place: dict[int, list[hotspots.Evidence]] = defaultdict(list)
            for (i, place) in {*series, *seen}:
                plugin, signal = signals[i]
                detection = hotspots.detect(series.get((i, place), [0.0] * days), seen.get((i, place), 0.0), window_days, params)
                by_place[place].append(hotspots.Evidence(signal.key, plugin, detection))
            return by_place

        compound_of = {(i, b): (i, places[b][1]) for (i, b) in {*daily, *observed} if b in places}
        compound_daily = hotspots.aggregate(dict(daily), compound_of)
        compound_seen: dict = defaultdict(float)
        for key, count in observed.items():
            if key in compound_of:
                compound_seen[compound_of[key]] += count
        findings = []
        for flagged in hotspots.flag(evidence_for(dict(daily), dict(observed))):
            name, compound_id, compound_name = places[flagged.place]
            findings.append(Finding("BUILDING", flagged.place, name, compound_id, compound_name, flagged, info, window, baseline))
        compound_names = {c: n for _, c, n in places.values()}
        for flagged in hotspots.flag(evidence_for(compound_daily, dict(compound_seen))):
            findings.append(Finding("COMPOUND", flagged.place, compound_names[flagged.place], flagged.place, compound_names[flagged.place], flagged, info, window, baseline))
        findings.sort(key=lambda f: (-f.flagged.sources, -len(f.flagged.evidence), -f.flagged.score, f.kind))
        return await self._with_citations(findings, signals, window, places)

    async def _with_citations(self, findings: list[Finding], signals: list, window: Range, places: dict) -> list[Finding]:
        """Attach what the rising citing signals (``Signal.cites``) cite in the window: one
        statement for every citing signal and flagged place."""
        citing = {signal.key: (i, signal) for i, (_, signal) in enumerate(signals) if signal.cites}
        wanted = sorted({e.signal for f in findings for e in f.flagged.evidence if e.signal in citing})
        if not wanted:
            return findings

        def buildings_of(f: Finding) -> list[int]:
            return [b for b, (_, c, _) in places.items() if (b == f.place_id if f.kind == "BUILDING" else c == f.place_id)]

        buildings = sorted({b for f in findings for b in buildings_of(f)})
        parts = []
        for key in wanted:
            i, signal = citing[key]
            source = signal.source().subquery()
            parts.append(
                select(literal(i).label("i"), source.c.building_id, source.c.cited_id, source.c.cited_title)
                .where(sql.within(source.c.at, window.start, window.end), source.c.building_id.in_(buildings))
            )
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        by_building: dict[int, list[Cited]] = defaultdict(list)
        for i, building_id, pk, title in (await self.execute(statement)).all():
            signal = signals[i][1]
            by_building[building_id].append(Cited(signal.key, signal.cites, pk, title))
        result = []
        for f in findings:
            rising = {e.signal for e in f.flagged.evidence}
            cited = sorted((c for b in buildings_of(f) for c in by_building.get(b, ()) if c.signal in rising), key=lambda c: (c.signal, c.pk))
            result.append(replace(f, cited=tuple(cited)) if cited else f)
        return result

    def _count_select(self, index: int, signal, window: Range, baseline: Range):
        source = signal.source().subquery()
        at = source.c.at
        day = sql.fixed_bucket(at, baseline.start, 86400.0, self.dialect)
        bucket = case((at >= sql.bind_time(at, window.start), WINDOW), else_=day)
        in_baseline = sql.within(at, baseline.start, baseline.end)
        in_window = sql.within(at, window.start, window.end)
        return (
            select(literal(index).label("i"), source.c.building_id, cast(bucket, Integer).label("b"), func.count().label("n"))
            .where(in_baseline | in_window)
            .group_by(source.c.building_id, bucket)
        )

    async def _places(self, building_ids: set[int]) -> dict[int, tuple[str, int, str]]:
        statement = (
            select(registry.Building.id, registry.Building.name, registry.Compound.id, registry.Compound.name)
            .join(registry.Compound, registry.Compound.id == registry.Building.compound_id)
            .where(registry.Building.id.in_(sorted(building_ids)))
        )
        return {b: (name, c, cname) for b, name, c, cname in (await self.execute(statement)).all()}

    async def _with_acks(self, findings: list[Finding], window: Range) -> list[Finding]:
        ids = [f.place_id for f in findings if f.kind == "BUILDING"]
        if not ids:
            return findings
        statement = (
            select(HotspotAck)
            .where(HotspotAck.building_id.in_(ids), HotspotAck.at >= window.start)
            .order_by(HotspotAck.at)
        )
        latest = {ack.building_id: ack for ack in (await self.execute(statement)).scalars().all()}
        return [
            replace(f, acknowledged_at=_utc(latest[f.place_id].at), acknowledged_by=latest[f.place_id].actor, acknowledged_note=latest[f.place_id].note)
            if f.kind == "BUILDING" and f.place_id in latest
            else f
            for f in findings
        ]


async def acknowledge(session, building_id: int, actor: str, note: str, now: datetime) -> HotspotAck:
    """Record that ``actor`` took note of the building's hotspot; the building must exist."""
    if len(note) > 2000:
        raise DomainError("The note is too long (at most 2000 characters).", code="TOO_LONG", field="note")
    if await session.scalar(select(registry.Building.id).where(registry.Building.id == building_id)) is None:
        raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    ack = HotspotAck(building_id=building_id, at=now, actor=actor, note=note)
    session.add(ack)
    await session.flush()
    return ack


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
