"""Scoring, as a pure function of a scorecard definition, a snapshot of inputs and a day.

``evaluate(definition, inputs, as_of)`` never touches the database: a stored score keeps
its inputs and its scorecard version, so evaluating them again gives the same result
(``service.reproduce``). The inputs are::

    {"enterprise": {"id": 1, "category": "restaurant", "licence_issued_on": "2025-03-01"},
     "evidence": [{"id": 7, "kind": "INSPECTION", "occurred_on": "2026-05-02",
                   "repaired_on": null, "details": {...}}, ...]}
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from jiedao.plugins.credit.service.periods import publicity_until, repair_from, rule_for

LISTINGS = ("ABNORMAL_LIST", "SERIOUS_VIOLATION_LIST")
COUNTING = "COUNTING"


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def dynamic_rating(definition: dict[str, Any], items: list[dict[str, Any]]) -> tuple[str, float]:
    """The 量化分级 dynamic rating of one inspection's checklist, and its percentage.

    ``items`` are ``{"score": got, "max_score": possible, "key": bool}``; a failed key item
    (score below its maximum) caps the rating at the scorecard's ``key_item_failed_rating``.
    """
    rule = definition["dynamic_rating"]
    possible = sum(float(i["max_score"]) for i in items)
    percent = round(100 * sum(float(i["score"]) for i in items) / possible, 2) if possible else 100.0
    levels = rule["levels"]
    rating = next((lv["rating"] for lv in levels if percent >= lv["min_percent"]), levels[-1]["rating"])
    if any(i.get("key") and float(i["score"]) < float(i["max_score"]) for i in items):
        order = [lv["rating"] for lv in levels]
        capped = rule["key_item_failed_rating"]
        if order.index(rating) < order.index(capped):
            rating = capped
    return rating, percent


def evidence_state(definition: dict[str, Any], item: dict[str, Any], as_of: date) -> str:
    """Whether an evidence item counts on ``as_of``: ``COUNTING``, or why not.

    ``FUTURE`` and ``EXPIRED`` (older than the window, or a lapsed certification) are simply
    left out; ``REPAIRED_EARLY``, ``PUBLICITY_ENDED`` and ``LIFTED`` are credit repair and are
    shown as such in the portrait.
    """
    occurred = _day(item["occurred_on"])
    details = item.get("details") or {}
    if occurred > as_of:
        return "FUTURE"
    repaired = _day(item.get("repaired_on"))
    if repaired is not None and repaired <= as_of:
        return "REPAIRED_EARLY"
    repair = rule_for(definition, item["kind"], details)
    if item["kind"] in LISTINGS:
        removed = _day(details.get("removed_on"))
        if removed is not None and removed <= as_of:
            return "LIFTED"
    if repair is not None:
        if publicity_until(repair, occurred, details) <= as_of:
            return "PUBLICITY_ENDED"
        return COUNTING
    if item["kind"] == "CERTIFICATION":
        valid_until = _day(details.get("valid_until"))
        if valid_until is not None and valid_until < as_of:
            return "EXPIRED"
    if (as_of - occurred).days > definition["window_days"]:
        return "EXPIRED"
    return COUNTING


def _publicity(definition: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """For a published penalty or listing: until when it is published, from when repair may
    be requested, and the rule followed. Nothing for other evidence, nor under a scorecard
    whose rule cites no basis (versions before the 2026 rules: their stored results stay
    reproducible)."""
    details = item.get("details") or {}
    rule = rule_for(definition, item["kind"], details)
    if rule is None or not rule.get("basis"):
        return {}
    occurred = _day(item["occurred_on"])
    return {"publicity_until": publicity_until(rule, occurred, details).isoformat(),
            "repair_from": repair_from(rule, occurred).isoformat(), "basis": rule.get("basis") or ""}


def _matches(rule: dict[str, Any], item: dict[str, Any]) -> bool:
    details = item.get("details") or {}
    return rule["kind"] == item["kind"] and all(details.get(k) == v for k, v in rule.get("match", {}).items())


def _count(rule: dict[str, Any], item: dict[str, Any]) -> float:
    per = rule.get("per")
    if per is None:
        return 1
    value = (item.get("details") or {}).get(per)
    if isinstance(value, list):
        return len(value)
    return float(value or 0)


def _decay(definition: dict[str, Any], rule: dict[str, Any], age_days: int) -> float:
    if not rule.get("decay", True):
        return 1.0
    half_life = rule.get("half_life_days") or definition["half_life_days"]
    return math.pow(0.5, max(age_days, 0) / half_life)


def _fmt(template: str, item: dict[str, Any], n: float) -> str:
    return template.format(date=item["occurred_on"], n=int(n) if float(n).is_integer() else n, summary=item.get("summary", ""))


def _class_of(definition: dict[str, Any], score: float) -> dict[str, Any]:
    for risk_class in definition["classes"]:
        if score >= risk_class["min"]:
            return risk_class
    return definition["classes"][-1]


def _overrides(definition: dict[str, Any], inputs: dict[str, Any], counting: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    found = []
    inspections = sorted((i for i in counting if i["kind"] == "INSPECTION"), key=lambda i: (i["occurred_on"], i["id"]))
    issued = _day(inputs["enterprise"]["licence_issued_on"])
    for override in definition["overrides"]:
        kind = override["type"]
        if kind == "active_evidence":
            hit = any(i["kind"] == override["kind"] for i in counting)
        elif kind == "key_items_failed":
            hit = bool(inspections) and len(inspections[-1]["details"].get("key_items_failed", [])) >= override["min"]
        else:  # licence_younger_than
            hit = (as_of - issued).days < override["days"]
        if hit:
            risk_class = definition["classes"][-1]["code"] if override["risk_class"] == "LOWEST" else override["risk_class"]
            found.append({"code": override["code"], "risk_class": risk_class, "zh": override["zh"], "en": override["en"]})
    return found


def _annual_grade(definition: dict[str, Any], counting: list[dict[str, Any]], as_of: date) -> tuple[str | None, float | None]:
    rule = definition["annual_grade"]
    since = as_of - timedelta(days=rule["window_days"])
    values = [
        rule["values"][i["details"]["rating"]]
        for i in counting
        if i["kind"] == "INSPECTION" and _day(i["occurred_on"]) > since and i["details"].get("rating") in rule["values"]
    ]
    if not values:
        return None, None
    mean = round(sum(values) / len(values), 4)
    grade = next((g["code"] for g in rule["grades"] if mean >= g["min"]), rule["grades"][-1]["code"])
    return grade, mean


def evaluate(definition: dict[str, Any], inputs: dict[str, Any], as_of: date) -> dict[str, Any]:
    """Score one enterprise: numeric score, class, overrides, annual grade, sub-scores per
    dimension, the reasons that cost the most points and the repaired items (JSON-ready)."""
    dimensions = {d["key"]: {"lost": 0.0, "gained": 0.0} for d in definition["dimensions"]}
    contributions: list[dict[str, Any]] = []
    counting: list[dict[str, Any]] = []
    repaired: list[dict[str, Any]] = []
    for item in sorted(inputs["evidence"], key=lambda i: i["id"]):
        state = evidence_state(definition, item, as_of)
        if state in ("REPAIRED_EARLY", "PUBLICITY_ENDED", "LIFTED"):
            repaired.append({"evidence_id": item["id"], "kind": item["kind"], "occurred_on": item["occurred_on"], "how": state})
        if state != COUNTING:
            continue
        counting.append(item)
        age = (as_of - _day(item["occurred_on"])).days
        for rule in definition["rules"]:
            if not _matches(rule, item):
                continue
            n = _count(rule, item)
            if not n:
                continue
            points = rule["points"] * n * _decay(definition, rule, age)
            bucket = dimensions[rule["dimension"]]
            bucket["lost" if points < 0 else "gained"] += abs(points)
            contributions.append({
                "code": rule["code"], "dimension": rule["dimension"], "points": round(points, 2),
                "evidence_id": item["id"], "occurred_on": item["occurred_on"],
                "zh": _fmt(rule["zh"], item, n), "en": _fmt(rule["en"], item, n),
                **_publicity(definition, item),
            })
    sub_scores = []
    total = 0.0
    for d in definition["dimensions"]:
        bucket = dimensions[d["key"]]
        cap = d.get("cap") if d.get("cap") is not None else d["max"]
        bonus_cap = d.get("bonus_cap") if d.get("bonus_cap") is not None else d["max"]
        lost, gained = min(bucket["lost"], cap), min(bucket["gained"], bonus_cap)
        value = min(max(d["max"] - lost + gained, 0.0), d["max"])
        total += value
        sub_scores.append({"key": d["key"], "zh": d["zh"], "en": d["en"], "max": d["max"], "score": round(value, 2),
                           "lost": round(lost, 2), "capped": bucket["lost"] > cap})
    score = round(total, 2)
    costs = sorted((c for c in contributions if c["points"] < 0), key=lambda c: (c["points"], _neg_date(c["occurred_on"]), -c["evidence_id"], c["code"]))
    overrides = _overrides(definition, inputs, counting, as_of)
    if overrides:
        code = overrides[0]["risk_class"]
        chosen = definition["unrated"] if code == "UNRATED" else next(c for c in definition["classes"] if c["code"] == code)
    else:
        chosen = _class_of(definition, score)
    grade, mean = _annual_grade(definition, counting, as_of)
    inspections = [_day(i["occurred_on"]) for i in counting if i["kind"] == "INSPECTION"]
    per_year = chosen["inspections_per_year"]
    last = max(inspections) if inspections else None
    due = (last + timedelta(days=math.floor(365 / per_year))) if (last and per_year) else (as_of if per_year else None)
    return {
        "score": score,
        "risk_class": chosen["code"],
        "risk_zh": chosen["zh"],
        "risk_en": chosen["en"],
        "overrides": overrides,
        "annual_grade": grade,
        "annual_mean": mean,
        "inspections_per_year": per_year,
        "next_inspection_due": due.isoformat() if due else None,
        "dimensions": sub_scores,
        "reasons": costs[: definition.get("top_reasons", 4)],
        "repaired": repaired,
        "counted": [i["id"] for i in counting],
    }


def _neg_date(day: str) -> int:
    """Sort key: newer first among equal costs."""
    return -date.fromisoformat(day).toordinal()
