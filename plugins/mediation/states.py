"""The vocabularies of the plugin and the case and finding state machines, in one place.

Every change of a case's or a finding's state goes through ``check_case_move`` or
``check_finding_move``; nothing else decides which moves are legal.
"""

from __future__ import annotations

from enum import Enum

from jiedao.api.domain import Transitions


class CaseState(str, Enum):
    APPLIED = "applied"
    REFERRED = "referred"
    ACCEPTED = "accepted"
    IN_MEDIATION = "in_mediation"
    AGREED = "agreed"
    FAILED = "failed"
    REFUSED = "refused"
    PERFORMING = "performing"
    FULFILLED = "fulfilled"
    BREACHED = "breached"


class Category(str, Enum):
    WATER_LEAK = "water_leak"
    NOISE = "noise"
    RENOVATION = "renovation"
    PROPERTY_FEES = "property_fees"
    NEIGHBOUR_CONFLICT = "neighbour_conflict"
    FAMILY = "family"
    PARKING = "parking"
    COMMON_AREA = "common_area"
    OTHER = "other"


class Source(str, Enum):
    APPLICATION = "application"
    COURT_REFERRAL = "court_referral"
    POLICE_REFERRAL = "police_referral"
    TASK_FORCE_REFERRAL = "task_force_referral"
    STUDIO_INITIATIVE = "studio_initiative"


class PartyRole(str, Enum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class Answer(str, Enum):
    """A party's answer to mediation (Art. 17)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"


class AnswerChannel(str, Enum):
    """How a party's answer was given: from their own account, on paper (recorded by staff), or by applying."""

    OWN_ACCOUNT = "own_account"
    PAPER = "paper"
    APPLICATION = "application"


class PerformanceCheck(str, Enum):
    """How the performance of an agreement was confirmed (Art. 31)."""

    PARTY_EVIDENCE = "party_evidence"
    MEDIATOR_CHECK = "mediator_check"


class Ruling(str, Enum):
    """The court's ruling on a request for judicial confirmation (Civil Procedure Law Art. 206)."""

    CONFIRMED = "confirmed"
    REFUSED = "refused"


class CourtAction(str, Enum):
    """What a party may take to court: enforcement of a confirmed agreement (Art. 33), a lawsuit
    (Art. 32), or a request for judicial confirmation while the 30 days run."""

    ENFORCEMENT = "enforcement"
    LITIGATION = "litigation"
    JUDICIAL_CONFIRMATION = "judicial_confirmation"
    CHANGE_AGREEMENT = "change_agreement"


class OutsideKind(str, Enum):
    LAWYER = "lawyer"
    RELATIVE = "relative"
    NEIGHBOUR = "neighbour"
    EXPERT = "expert"


class Department(str, Enum):
    FIRE = "fire"
    HOUSING = "housing"
    EMERGENCY = "emergency"
    POLICE = "police"
    JUSTICE = "justice"
    LAW_ENFORCEMENT = "law_enforcement"


class FindingCategory(str, Enum):
    ILLEGAL_CONSTRUCTION = "illegal_construction"
    BLOCKED_FIRE_EXIT = "blocked_fire_exit"
    OCCUPIED_COMMON_AREA = "occupied_common_area"
    ELECTRICAL_HAZARD = "electrical_hazard"
    OTHER = "other"


class FindingStatus(str, Enum):
    OPEN = "open"
    NOTIFIED = "notified"
    RECTIFIED = "rectified"
    VERIFIED = "verified"


INITIAL_STATE = {
    Source.APPLICATION: CaseState.APPLIED,
    Source.STUDIO_INITIATIVE: CaseState.APPLIED,
    Source.COURT_REFERRAL: CaseState.REFERRED,
    Source.POLICE_REFERRAL: CaseState.REFERRED,
    Source.TASK_FORCE_REFERRAL: CaseState.REFERRED,
}
"""Where a case starts, by how it came to the studio."""

S = CaseState
CASE_MOVES: dict[CaseState, frozenset[CaseState]] = {
    S.APPLIED: frozenset({S.ACCEPTED, S.REFUSED}),
    S.REFERRED: frozenset({S.ACCEPTED, S.REFUSED}),
    S.ACCEPTED: frozenset({S.IN_MEDIATION, S.REFUSED}),
    S.IN_MEDIATION: frozenset({S.AGREED, S.FAILED, S.REFUSED}),
    S.AGREED: frozenset({S.PERFORMING, S.IN_MEDIATION}),
    S.PERFORMING: frozenset({S.FULFILLED, S.BREACHED, S.IN_MEDIATION}),
    S.FAILED: frozenset(),
    S.REFUSED: frozenset(),
    S.FULFILLED: frozenset(),
    S.BREACHED: frozenset(),
}
"""The legal moves of a case. ``refused``: a party declines mediation (Art. 17, 26).
``agreed``/``performing`` → ``in_mediation``: the court refused to confirm the agreement and
the parties change it by mediation (Civil Procedure Law Art. 206)."""

OPEN_STATES = frozenset({S.APPLIED, S.REFERRED, S.ACCEPTED, S.IN_MEDIATION})
"""States of a case still being mediated (counted for the 30-day flag)."""
CONCLUDED_STATES = frozenset({S.AGREED, S.FAILED, S.REFUSED})
"""The moves that end mediation itself (the outcome of the case)."""
CLOSED_STATES = frozenset(state for state, moves in CASE_MOVES.items() if not moves)
"""States with no way out."""

F = FindingStatus
FINDING_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    F.OPEN: frozenset({F.NOTIFIED}),
    F.NOTIFIED: frozenset({F.RECTIFIED}),
    F.RECTIFIED: frozenset({F.VERIFIED, F.NOTIFIED}),
    F.VERIFIED: frozenset(),
}
"""open → notified → rectified → verified; a failed verification sends it back to notified."""


CASE_TRANSITIONS = Transitions(thing="case", field="to", moves=CASE_MOVES, when_none="none (the case is closed)")
FINDING_TRANSITIONS = Transitions(
    thing="finding", field="status", moves=FINDING_MOVES, when_none="none (already verified)", allowed="allowed next"
)

check_case_move = CASE_TRANSITIONS.check
"""Return the current state if the case may move to ``target``; else ``INVALID_TRANSITION``."""
check_finding_move = FINDING_TRANSITIONS.check
"""Return the current status if a finding may move to ``target``; else ``INVALID_TRANSITION``."""
