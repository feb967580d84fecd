"""The plugin's GraphQL enums (the vocabularies of ``states``)."""

from __future__ import annotations

import strawberry

from jiedao.plugins.mediation.states import (
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
