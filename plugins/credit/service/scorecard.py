"""The declarative scorecard: its shape (validated), and the default version every street starts with.

A scorecard is data, stored as JSON in ``credit_scorecards`` one version per row:

- ``dimensions``: sub-scores, each worth ``max`` points; deductions in one dimension are
  capped at ``cap`` points, bonuses at ``bonus_cap``;
- ``rules``: points per evidence type - an evidence item of ``kind`` whose details match
  ``match`` changes ``dimension`` by ``points`` (times the length or value of the detail
  named by ``per``), decayed with a half-life (``half_life_days``; ``null`` for none);
- ``classes``: the credit-risk classes from the best down, each with its minimum score and
  the inspections a year it calls for; ``unrated`` for enterprises not yet rated;
- ``overrides``: hard rules that set the class whatever the score, first match wins;
- ``dynamic_rating`` (量化分级 of one inspection) and ``annual_grade`` (from the 12-month
  mean of dynamic ratings);
- ``repair``: publicity periods and the minimum time before early repair (信用修复).

Only the *kinds* of override and the arithmetic live in code (``scoring.py``); every number
and every word lives here.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from jiedao.api import DomainError
from jiedao.plugins.credit.models import EVIDENCE_KINDS


class _Strict(BaseModel):
    model_config = {"extra": "forbid"}


class Dimension(_Strict):
    key: str
    zh: str
    en: str
    max: float = Field(gt=0)
    cap: float | None = Field(default=None, ge=0)
    bonus_cap: float | None = Field(default=None, ge=0)


class Rule(_Strict):
    code: str
    kind: str
    dimension: str
    points: float
    match: dict[str, Any] = Field(default_factory=dict)
    per: str | None = None
    half_life_days: float | None = Field(default=None, ge=0)
    decay: bool = True
    zh: str
    en: str


class RiskClass(_Strict):
    code: str
    min: float
    zh: str
    en: str
    inspections_per_year: int = Field(ge=0)


class Unrated(_Strict):
    code: Literal["UNRATED"] = "UNRATED"
    zh: str
    en: str
    inspections_per_year: int = Field(ge=0)


class Override(_Strict):
    code: str
    type: Literal["active_evidence", "key_items_failed", "licence_younger_than"]
    kind: str | None = None
    min: int | None = None
    days: int | None = None
    risk_class: str
    zh: str
    en: str


class RatingLevel(_Strict):
    rating: str
    min_percent: float


class DynamicRating(_Strict):
    levels: list[RatingLevel]
    key_item_failed_rating: str


class Grade(_Strict):
    code: str
    min: float


class AnnualGrade(_Strict):
    window_days: int = Field(gt=0)
    values: dict[str, float]
    grades: list[Grade]


class RepairRule(_Strict):
    """Publicity and repair periods of a kind (see ``service.periods``): in calendar months,
    or in days as scorecard versions before the 2026 rules had them."""

    publicity_months: int | None = Field(default=None, ge=0)
    min_months_before_repair: int | None = Field(default=None, ge=0)
    publicity_days: int | None = Field(default=None, ge=0)
    min_days_before_early_repair: int | None = Field(default=None, ge=0)
    by_severity: dict[str, RepairRule] = Field(default_factory=dict)
    basis: str = ""
    """The rule followed, cited in the score's reasons."""

    @model_validator(mode="after")
    def _one_unit(self) -> RepairRule:
        if self.by_severity and "GENERAL" not in self.by_severity and self.publicity_months is None and self.publicity_days is None:
            raise ValueError("by_severity needs a GENERAL rule (used for any severity it does not list) or periods of its own")
        if not self.by_severity:
            if (self.publicity_months is None) == (self.publicity_days is None):
                raise ValueError("give publicity_months or publicity_days (one of them)")
            if (self.min_months_before_repair is None) == (self.min_days_before_early_repair is None):
                raise ValueError("give min_months_before_repair or min_days_before_early_repair (one of them)")
        return self


class Definition(_Strict):
    name: str
    half_life_days: float = Field(gt=0)
    window_days: int = Field(gt=0)
    top_reasons: int = Field(default=4, ge=1)
    dimensions: list[Dimension]
    rules: list[Rule]
    classes: list[RiskClass]
    unrated: Unrated
    overrides: list[Override]
    dynamic_rating: DynamicRating
    annual_grade: AnnualGrade
    repair: dict[str, RepairRule]

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        problems = []
        keys = [d.key for d in self.dimensions]
        if len(set(keys)) != len(keys):
            problems.append("dimension keys must be unique")
        for rule in self.rules:
            if rule.dimension not in keys:
                problems.append(f"rule {rule.code}: unknown dimension '{rule.dimension}'")
            if rule.kind not in EVIDENCE_KINDS:
                problems.append(f"rule {rule.code}: unknown evidence kind '{rule.kind}'")
        mins = [c.min for c in self.classes]
        if not self.classes or mins != sorted(mins, reverse=True):
            problems.append("classes must be listed from the best (highest minimum) down")
        codes = {c.code for c in self.classes} | {"UNRATED", "LOWEST"}
        for override in self.overrides:
            if override.risk_class not in codes:
                problems.append(f"override {override.code}: unknown class '{override.risk_class}'")
            if override.type == "active_evidence" and override.kind not in EVIDENCE_KINDS:
                problems.append(f"override {override.code}: needs an evidence kind")
            if override.type == "key_items_failed" and not override.min:
                problems.append(f"override {override.code}: needs min")
            if override.type == "licence_younger_than" and override.days is None:
                problems.append(f"override {override.code}: needs days")
        for kind in self.repair:
            if kind not in EVIDENCE_KINDS:
                problems.append(f"repair: unknown evidence kind '{kind}'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def validate(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition, checked; raises ``DomainError`` (code ``INVALID_SCORECARD``) listing every problem."""
    try:
        return Definition.model_validate(definition).model_dump(mode="json")
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'definition'}: {e['msg']}" for e in error.errors())
        raise DomainError("invalid scorecard: {problems}", code="INVALID_SCORECARD", field="definition", problems=problems) from None


DEFAULT: dict[str, Any] = {
    "name": "长庆街道餐饮服务单位信用评分卡 / Changqing restaurant credit scorecard",
    "half_life_days": 365,
    "window_days": 1095,
    "top_reasons": 4,
    "dimensions": [
        {"key": "food_safety", "zh": "食品安全", "en": "Food safety", "max": 40},
        {"key": "compliance", "zh": "合规经营", "en": "Compliance", "max": 25},
        {"key": "complaints", "zh": "投诉举报", "en": "Complaints", "max": 15},
        {"key": "management", "zh": "内部管理", "en": "Management", "max": 10},
        {"key": "social", "zh": "社会评价", "en": "Social evaluation", "max": 10},
    ],
    "rules": [
        {"code": "FS_RATING_FAIR", "kind": "INSPECTION", "match": {"rating": "一般"}, "dimension": "food_safety", "points": -8,
         "zh": "{date} 检查动态等级为“一般”", "en": "inspection on {date} rated 'fair' (一般)"},
        {"code": "FS_RATING_GOOD", "kind": "INSPECTION", "match": {"rating": "良好"}, "dimension": "food_safety", "points": -2,
         "zh": "{date} 检查动态等级为“良好”（非优秀）", "en": "inspection on {date} rated 'good', not 'excellent'"},
        {"code": "FS_KEY_ITEM_FAILED", "kind": "INSPECTION", "per": "key_items_failed", "dimension": "food_safety", "points": -6,
         "zh": "{date} 检查 {n} 项关键项不合格", "en": "{n} key checklist item(s) failed on {date}"},
        {"code": "FS_ITEM_FAILED", "kind": "INSPECTION", "per": "items_failed", "dimension": "food_safety", "points": -1,
         "zh": "{date} 检查 {n} 项一般项不合格", "en": "{n} ordinary checklist item(s) failed on {date}"},
        {"code": "CP_PENALTY_MINOR", "kind": "PENALTY", "match": {"severity": "MINOR"}, "dimension": "compliance", "points": -5, "decay": False,
         "zh": "{date} 受到轻微行政处罚（公示中）", "en": "minor administrative penalty of {date} (in publicity)"},
        {"code": "CP_PENALTY", "kind": "PENALTY", "match": {"severity": "GENERAL"}, "dimension": "compliance", "points": -10, "decay": False,
         "zh": "{date} 受到行政处罚（公示中）", "en": "administrative penalty of {date} (in publicity)"},
        {"code": "CP_PENALTY_SERIOUS", "kind": "PENALTY", "match": {"severity": "SERIOUS"}, "dimension": "compliance", "points": -20, "decay": False,
         "zh": "{date} 受到较重行政处罚（公示中）", "en": "serious administrative penalty of {date} (in publicity)"},
        {"code": "CP_ABNORMAL_LIST", "kind": "ABNORMAL_LIST", "dimension": "compliance", "points": -8, "decay": False,
         "zh": "{date} 起列入经营异常名录", "en": "on the abnormal-operation list since {date}"},
        {"code": "CP_SERIOUS_VIOLATION", "kind": "SERIOUS_VIOLATION_LIST", "dimension": "compliance", "points": -25, "decay": False,
         "zh": "{date} 起列入严重违法失信名单", "en": "on the serious-violation list since {date}"},
        {"code": "CO_SUBSTANTIATED", "kind": "COMPLAINT", "match": {"substantiated": True}, "dimension": "complaints", "points": -4,
         "zh": "{date} 投诉经查属实", "en": "complaint of {date} found substantiated"},
        {"code": "CO_UNSUBSTANTIATED", "kind": "COMPLAINT", "match": {"substantiated": False}, "dimension": "social", "points": -0.5,
         "zh": "{date} 被投诉（经查不属实）", "en": "complaint of {date} (not substantiated)"},
        {"code": "MG_RECTIFICATION", "kind": "RECTIFICATION", "match": {"rectified": False}, "dimension": "management", "points": -3,
         "zh": "{date} 整治专班发现问题，尚未整改到位", "en": "rectification finding of {date}, not yet rectified"},
        {"code": "MG_RECTIFIED", "kind": "RECTIFICATION", "match": {"rectified": True}, "dimension": "management", "points": -1,
         "zh": "{date} 整治专班发现问题（已整改验收）", "en": "rectification finding of {date} (rectified and verified)"},
        {"code": "MG_CERTIFICATION", "kind": "CERTIFICATION", "dimension": "management", "points": 2, "decay": False,
         "zh": "{date} 取得认证", "en": "certification of {date}"},
        {"code": "SO_CERTIFICATION", "kind": "CERTIFICATION", "dimension": "social", "points": 1, "decay": False,
         "zh": "{date} 取得认证", "en": "certification of {date}"},
    ],
    "classes": [
        {"code": "A", "min": 90, "zh": "信用风险低", "en": "low credit risk", "inspections_per_year": 1},
        {"code": "B", "min": 75, "zh": "信用风险一般", "en": "general credit risk", "inspections_per_year": 2},
        {"code": "C", "min": 60, "zh": "信用风险较高", "en": "relatively high credit risk", "inspections_per_year": 3},
        {"code": "D", "min": 0, "zh": "信用风险高", "en": "high credit risk", "inspections_per_year": 4},
    ],
    "unrated": {"code": "UNRATED", "zh": "暂不评级（许可不满三个月）", "en": "not rated (licence younger than three months)",
                "inspections_per_year": 2},
    "overrides": [
        {"code": "OV_SERIOUS_VIOLATION", "type": "active_evidence", "kind": "SERIOUS_VIOLATION_LIST", "risk_class": "D",
         "zh": "列入严重违法失信名单，直接评为 D 类", "en": "on the serious-violation list: class D"},
        {"code": "OV_KEY_ITEMS", "type": "key_items_failed", "min": 2, "risk_class": "LOWEST",
         "zh": "最近一次检查两项及以上关键项不合格，评为最低类别", "en": "two or more key items failed at the latest inspection: lowest class"},
        {"code": "OV_NEW_LICENCE", "type": "licence_younger_than", "days": 90, "risk_class": "UNRATED",
         "zh": "许可证取得不满三个月，暂不评级", "en": "licence younger than three months: not rated"},
    ],
    "dynamic_rating": {
        "levels": [{"rating": "优秀", "min_percent": 90}, {"rating": "良好", "min_percent": 75}, {"rating": "一般", "min_percent": 0}],
        "key_item_failed_rating": "一般",
    },
    "annual_grade": {
        "window_days": 365,
        "values": {"优秀": 3, "良好": 2, "一般": 1},
        "grades": [{"code": "A", "min": 2.5}, {"code": "B", "min": 1.5}, {"code": "C", "min": 0}],
    },
    "repair": {
        "PENALTY": {"by_severity": {
            "MINOR": {"publicity_months": 3, "min_months_before_repair": 0,
                      "basis": "《信用修复管理办法》（国家发展改革委，2026年4月1日起施行）：轻微失信信息原则上不予公示，公示的最长不超过3个月，法定责任履行完毕即可申请修复"},
            "GENERAL": {"publicity_months": 12, "min_months_before_repair": 3,
                        "basis": "《信用修复管理办法》（国家发展改革委，2026年4月1日起施行）：一般失信信息最短公示期3个月、最长1年，最短公示期届满后方可申请信用修复"},
            "SERIOUS": {"publicity_months": 36, "min_months_before_repair": 12,
                        "basis": "《信用修复管理办法》（国家发展改革委，2026年4月1日起施行）：严重失信信息最短公示期1年、最长3年，最短公示期届满后方可申请信用修复"},
        }},
        "ABNORMAL_LIST": {"publicity_months": 36, "min_months_before_repair": 0,
                          "basis": "《企业经营异常名录管理暂行办法》：履行义务、纠正失信行为后可申请移出；列入满3年未移出的转入严重违法失信名单"},
        "SERIOUS_VIOLATION_LIST": {"publicity_months": 36, "min_months_before_repair": 12,
                                   "basis": "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）：管理期限3年，列入满1年且纠正失信行为的可申请提前移出"},
    },
}


def default_definition() -> dict[str, Any]:
    """A fresh, validated copy of the default scorecard."""
    return validate(copy.deepcopy(DEFAULT))
