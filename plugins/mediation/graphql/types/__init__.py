"""GraphQL types of the mediation plugin, one module per part of the domain."""

from __future__ import annotations

from jiedao.plugins.mediation.graphql.types.agreements import Agreement, JudicialConfirmation, Signature
from jiedao.plugins.mediation.graphql.types.cases import (
    Attachment,
    Case,
    CaseParty,
    CasePlace,
    CaseTransition,
    MediationSession,
    OutsideMediator,
    Recusal,
)
from jiedao.plugins.mediation.graphql.types.committees import CommitteeMember, CommitteeSeal, MediationCommittee, OfficeEnum
from jiedao.plugins.mediation.graphql.types.enums import (
    CaseStateEnum,
    CategoryEnum,
    DepartmentEnum,
    FindingCategoryEnum,
    FindingStatusEnum,
    OutsideKindEnum,
    PartyRoleEnum,
    SourceEnum,
)
from jiedao.plugins.mediation.graphql.types.followup import ReturnVisit
from jiedao.plugins.mediation.graphql.types.studios import Studio, StudioMember
from jiedao.plugins.mediation.graphql.types.taskforces import Finding, FindingProgress, TaskForce

__all__ = [
    "Agreement", "Attachment", "Case", "CaseParty", "CasePlace", "CaseStateEnum", "CaseTransition", "CategoryEnum", "CommitteeMember", "CommitteeSeal", "MediationCommittee", "OfficeEnum",
    "DepartmentEnum", "Finding", "FindingCategoryEnum", "FindingProgress", "FindingStatusEnum", "JudicialConfirmation",
    "MediationSession", "OutsideKindEnum", "OutsideMediator", "PartyRoleEnum", "Recusal", "ReturnVisit", "Signature",
    "SourceEnum", "Studio", "StudioMember", "TaskForce",
]
