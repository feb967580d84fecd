"""The plugin's GraphQL enums (the vocabularies of ``states``)."""

from __future__ import annotations

import strawberry

from jiedao.plugins.mediation.states import (
    Answer,
    AnswerChannel,
    CourtAction,
    PerformanceCheck,
    Ruling,
    CaseState,
    Category,
    Department,
    FindingCategory,
    FindingStatus,
    OutsideKind,
    PartyRole,
    Source,
)

CaseStateEnum = strawberry.enum(CaseState, name="CaseState", description="applied/referred → accepted → in_mediation → agreed | failed | refused; agreed → performing → fulfilled | breached.")
CategoryEnum = strawberry.enum(Category, name="DisputeCategory")
SourceEnum = strawberry.enum(Source, name="CaseSource")
PartyRoleEnum = strawberry.enum(PartyRole, name="PartyRole")
OutsideKindEnum = strawberry.enum(OutsideKind, name="OutsideMediatorKind")
DepartmentEnum = strawberry.enum(Department, name="Department")
FindingCategoryEnum = strawberry.enum(FindingCategory, name="FindingCategory")
FindingStatusEnum = strawberry.enum(FindingStatus, name="FindingStatus", description="open → notified → rectified → verified.")
AnswerEnum = strawberry.enum(Answer, name="MediationAnswer", description="A party's answer to mediation (Art. 17).")
AnswerChannelEnum = strawberry.enum(AnswerChannel, name="MediationAnswerChannel", description="From the party's own account, on paper (recorded by staff), or by applying.")
PerformanceCheckEnum = strawberry.enum(PerformanceCheck, name="PerformanceCheck", description="How performance was confirmed (Art. 31).")
RulingEnum = strawberry.enum(Ruling, name="JudicialRuling", description="The court's ruling on judicial confirmation (Civil Procedure Law Art. 206).")
CourtActionEnum = strawberry.enum(CourtAction, name="CourtAction", description="What a party may take to court after a breach or a ruling.")
