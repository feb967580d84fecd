"""Domain rules of people's mediation (People's Mediation Law, 2010) and of rectification
task forces. No GraphQL here; one module per part of the domain:

- ``committees``: people's mediation committees, their members and seal;
- ``studios``: studios and their mediators;
- ``cases``: opening, the state machine, mediators and recusal, sessions, escalation;
- ``consent``, ``answers``: the parties' answer to mediation (Art. 17);
- ``agreements``: drafting, signatures, the committee's seal, judicial confirmation;
- ``performance``, ``fulfilment``: performance, breach, when a case is fulfilled (Art. 31-32);
- ``court``: the court's ruling and what the parties take to court (Art. 33);
- ``followup``: return visits and the daily follow-up report;
- ``taskforces``: task forces, their findings and progress, disputes of a finding.
"""

from __future__ import annotations

from jiedao.plugins.mediation.service.agreements import (
    CONFIRMATION_DAYS,
    AgreementData,
    confirmation_deadline,
    confirmation_overdue,
    draft_agreement,
    missing_signatures,
    request_judicial_confirmation,
    seal_agreement,
    sign_agreement,
)
from jiedao.plugins.mediation.service.cases import (
    LONG_OPEN_DAYS,
    REASON_REQUIRED,
    CaseData,
    PartyData,
    PlaceData,
    assign_mediator,
    escalate,
    get_case,
    invite_outside_mediator,
    move_case,
    open_case,
    open_too_long,
    party_ids,
    record_session,
    recuse,
)
from jiedao.plugins.mediation.service.followup import FollowUp, follow_up, record_return_visit, schedule_return_visit
from jiedao.plugins.mediation.service.studios import add_member, create_studio, user_id_of
from jiedao.plugins.mediation.service.taskforces import (
    FindingData,
    FindingsRejected,
    ProgressRow,
    add_findings,
    create_task_force,
    dispute_finding,
    move_finding,
    progress,
    progress_by_task_force,
    progress_statement,
    progress_values,
)

__all__ = [
    "CONFIRMATION_DAYS", "LONG_OPEN_DAYS", "REASON_REQUIRED", "AgreementData", "CaseData", "FindingData", "FindingsRejected",
    "FollowUp", "PartyData", "PlaceData", "ProgressRow", "add_findings", "add_member", "assign_mediator", "confirmation_deadline",
    "confirmation_overdue", "create_studio", "create_task_force", "dispute_finding", "draft_agreement", "escalate", "follow_up",
    "get_case", "invite_outside_mediator", "missing_signatures", "move_case", "move_finding", "open_case",
    "open_too_long", "party_ids", "progress", "progress_by_task_force", "progress_statement", "progress_values", "record_return_visit", "record_session", "recuse", "request_judicial_confirmation",
    "schedule_return_visit", "seal_agreement", "sign_agreement", "user_id_of",
]
