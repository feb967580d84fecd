"""What the credit plugin publishes for dashboards (see ``core.figures``)."""

from __future__ import annotations

from sqlalchemy import literal, select

from jiedao.api import Metric, Signal, today
from jiedao.api.domain import MetricKind
from jiedao.plugins.credit.models import Appeal, Enterprise, Score

POOR_CLASSES = ("C", "D")


def by_class():
    """Enterprises by current credit-risk class (A-D, UNRATED) and category."""
    return (
        select(Score.risk_class.label("risk_class"), Enterprise.category.label("category"), literal(1).label("value"))
        .join(Score, Score.id == Enterprise.current_score_id)
        .where(Enterprise.status != "CLOSED")
    )


def appeals_filed():
    """Appeals as they are filed, by their current status."""
    return select(Appeal.filed_at.label("at"), Appeal.status.label("status"))


def appeals_pending():
    """Appeals awaiting a decision."""
    return select(literal(1).label("value")).select_from(Appeal).where(Appeal.status == "PENDING")


def inspections_due():
    """Enterprises whose recommended next inspection (by class) is due today or overdue.

    "Today" is China's date, the day scores are computed for; the database's
    ``current_date`` is UTC's and lags it by a day from 16:00 UTC on."""
    return (
        select(Score.risk_class.label("risk_class"), literal(1).label("value"))
        .select_from(Enterprise)
        .join(Score, Score.id == Enterprise.current_score_id)
        .where(Enterprise.status == "ACTIVE", Score.next_inspection_due <= today())
    )


def poorly_graded():
    """Scores of class C or D computed for enterprises with a building: where risk concentrates."""
    return (
        select(Score.computed_at.label("at"), Enterprise.building_id.label("building_id"))
        .join(Enterprise, Enterprise.id == Score.enterprise_id)
        .where(Score.id == Enterprise.current_score_id, Score.risk_class.in_(POOR_CLASSES), Enterprise.building_id.is_not(None))
    )


METRICS = (
    Metric("credit.enterprises.by_class", "企业信用风险分类分布", "Enterprises by credit-risk class", MetricKind.GAUGE, by_class, "家",
           ("risk_class", "category")),
    Metric("credit.appeals.filed", "信用评分申诉", "Credit appeals filed", MetricKind.COUNTER, appeals_filed, "件", ("status",)),
    Metric("credit.appeals.pending", "待复核申诉", "Credit appeals awaiting decision", MetricKind.GAUGE, appeals_pending, "件"),
    Metric("credit.inspections.due", "应检查企业", "Enterprises due for inspection", MetricKind.GAUGE, inspections_due, "家", ("risk_class",),
           "Enterprises whose last inspection is older than their class's recommended interval."),
)

SIGNALS = (Signal("credit.poorly_graded", "信用风险较高企业", "Enterprises graded C or D", poorly_graded),)
