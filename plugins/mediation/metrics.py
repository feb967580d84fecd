"""Figures and the hotspot signal the mediation plugin publishes (see ``core.figures``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, literal, select, union_all

from jiedao.api import Metric, now, Signal
from jiedao.api.domain import MetricKind
from jiedao.plugins.mediation.models import Case, CasePlace, Finding
from jiedao.plugins.mediation.service import LONG_OPEN_DAYS
from jiedao.plugins.mediation.states import OPEN_STATES, CaseState


def cases_by_state():
    """Every case, with its state and category (a gauge: the current count)."""
    return select(Case.state.label("state"), Case.category.label("category"), literal(1).label("value"))


def cases_opened():
    """Cases opened, by category and source."""
    return select(Case.opened_at.label("at"), Case.category.label("category"), Case.source.label("source"))


def cases_concluded():
    """Mediations concluded, by outcome (agreed, failed, refused) and category."""
    outcome = case(
        (Case.state.in_([CaseState.FAILED.value, CaseState.REFUSED.value]), Case.state),
        else_=literal(CaseState.AGREED.value),
    )
    return select(Case.concluded_at.label("at"), outcome.label("outcome"), Case.category.label("category")).where(Case.concluded_at.is_not(None))


def agreement_rate():
    """One row per concluded mediation, ``value`` 1 if it ended in agreement: the mean is the rate."""
    agreed = case((Case.state.in_([CaseState.FAILED.value, CaseState.REFUSED.value]), 0), else_=1)
    return select(Case.concluded_at.label("at"), agreed.label("value"), Case.category.label("category")).where(Case.concluded_at.is_not(None))


def overdue_cases():
    """Cases still being mediated more than 30 days after they were opened."""
    cutoff = now() - timedelta(days=LONG_OPEN_DAYS)
    return select(Case.category.label("category"), literal(1).label("value")).where(
        Case.state.in_([s.value for s in OPEN_STATES]), Case.opened_at < cutoff
    )


def findings_rectified():
    """Findings rectified, by owning department and category."""
    return select(Finding.rectified_at.label("at"), Finding.department.label("department"), Finding.category.label("category")).where(
        Finding.rectified_at.is_not(None)
    )


def findings_by_status():
    """Every finding, with its department and status (a gauge)."""
    return select(Finding.department.label("department"), Finding.status.label("status"), literal(1).label("value"))


def disputes_and_findings():
    """Events per building for hotspot warning: each building a case is about, each finding."""
    disputes = select(Case.opened_at.label("at"), CasePlace.building_id.label("building_id")).join(CasePlace, CasePlace.case_id == Case.id)
    findings = select(Finding.created_at.label("at"), Finding.building_id.label("building_id"))
    return select(union_all(disputes, findings).subquery())


METRICS = (
    Metric("mediation.cases.by_state", "调解案件（按状态）", "Mediation cases by state", MetricKind.GAUGE, cases_by_state, "cases", ("state", "category")),
    Metric("mediation.cases.opened", "新受理纠纷", "Disputes opened", MetricKind.COUNTER, cases_opened, "cases", ("category", "source")),
    Metric("mediation.cases.concluded", "调解结案", "Mediations concluded", MetricKind.COUNTER, cases_concluded, "cases", ("outcome", "category")),
    Metric(
        "mediation.agreement_rate", "调解成功率", "Agreement rate", MetricKind.DISTRIBUTION, agreement_rate, "ratio", ("category",),
        "Mean of value over concluded mediations: 1 agreed, 0 failed or refused.",
    ),
    Metric("mediation.cases.overdue", "超期未结案件", "Cases open over 30 days", MetricKind.GAUGE, overdue_cases, "cases", ("category",)),
    Metric(
        "mediation.findings.rectified", "整改完成（按部门）", "Findings rectified by department", MetricKind.COUNTER, findings_rectified, "findings",
        ("department", "category"),
    ),
    Metric("mediation.findings.by_status", "整改事项（按状态）", "Findings by status", MetricKind.GAUGE, findings_by_status, "findings", ("department", "status")),
)

SIGNALS = (Signal("mediation.disputes_and_findings", "纠纷与整改隐患", "Disputes and violations found", disputes_and_findings),)

