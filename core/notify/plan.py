"""An alert's plan: the chain of people turned into stages — who is told on which channels,
and how long to wait for an acknowledgement before the next stage.

A stage is stored as JSON on the alert (``Alert.stages``) when the alert is raised, so the
escalation follows the chain as it stood then even if rosters change meanwhile::

    {"label": "grid", "people": [{"kind": "staff", "ref": 3, ...}],
     "staff": ["voice", "dingtalk_work"], "public": ["voice", "sms"], "wait": 300}
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from jiedao.core.notify.recipients import Person, Rung
from jiedao.core.notify.settings import SeverityPolicy


def _stage(label: str, people: list[dict[str, Any]], staff, public, wait: timedelta) -> dict[str, Any]:
    return {"label": label, "people": people, "staff": list(staff), "public": list(public), "wait": wait.total_seconds()}


def plan_stages(chain: list[Rung], policy: SeverityPolicy) -> list[dict[str, Any]]:
    """The stages of an alert for ``chain`` under ``policy`` (see the module docstring)."""
    rungs = chain if policy.escalate else chain[:1]
    stages: list[dict[str, Any]] = []
    for rung in rungs:
        people = [asdict(p) for p in rung.people]
        if policy.then:
            stages.append(_stage(rung.label, people, policy.staff, policy.public, policy.then_after))
            stages.append(_stage("then", people, policy.then, policy.then, max(policy.next_after - policy.then_after, timedelta(0))))
        else:
            stages.append(_stage(rung.label, people, policy.staff, policy.public, policy.next_after))
    return stages


def people_of(stage: dict[str, Any]) -> list[Person]:
    """The people of a stored stage."""
    return [Person(**p) for p in stage["people"]]
