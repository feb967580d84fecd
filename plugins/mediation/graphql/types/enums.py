"""The plugin's GraphQL enums (the vocabularies of ``states``)."""

from __future__ import annotations

import strawberry

from jiedao.api.graphql import describe_enum_values as described

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
CategoryEnum = strawberry.enum(Category, name="DisputeCategory", description="纠纷类别: what a mediation case is about.")
SourceEnum = strawberry.enum(Source, name="CaseSource", description="案件来源: how a case came to the studio.")
PartyRoleEnum = strawberry.enum(PartyRole, name="PartyRole", description="当事人身份: a party's role in a case.")
OutsideKindEnum = strawberry.enum(OutsideKind, name="OutsideMediatorKind", description="Who an outside person invited to help mediate (邀请参与调解的人员, Art. 20) is.")
DepartmentEnum = strawberry.enum(Department, name="Department", description="A department taking part in a task force (整治专班).")
FindingCategoryEnum = strawberry.enum(FindingCategory, name="FindingCategory", description="What kind of problem a task force's finding is.")
FindingStatusEnum = strawberry.enum(FindingStatus, name="FindingStatus", description="open → notified → rectified → verified.")
AnswerEnum = strawberry.enum(Answer, name="MediationAnswer", description="A party's answer to mediation (Art. 17).")
AnswerChannelEnum = strawberry.enum(AnswerChannel, name="MediationAnswerChannel", description="From the party's own account, on paper (recorded by staff), or by applying.")
PerformanceCheckEnum = strawberry.enum(PerformanceCheck, name="PerformanceCheck", description="How performance was confirmed (Art. 31).")
RulingEnum = strawberry.enum(Ruling, name="JudicialRuling", description="The court's ruling on judicial confirmation (Civil Procedure Law Art. 206).")
CourtActionEnum = strawberry.enum(CourtAction, name="CourtAction", description="What a party may take to court after a breach or a ruling.")


described(
    CaseStateEnum,
    APPLIED="申请 (applied): a party applied, or the studio took the case up on its own initiative.",
    REFERRED="委托移送 (referred) by a court, the police or a task force.",
    ACCEPTED="受理 (accepted) by the studio; waiting for the parties' consent and a mediator.",
    IN_MEDIATION="调解中 (in mediation): sessions are being held.",
    AGREED="达成协议 (agreed): a mediation agreement was reached.",
    FAILED="调解不成 (failed): mediation ended without agreement.",
    REFUSED="拒绝调解 (refused): a party refused mediation (Art. 17); the case is over.",
    PERFORMING="履行中 (performing): the agreement is in effect and being carried out.",
    FULFILLED="履行完毕 (fulfilled): the agreement has been performed.",
    BREACHED="未履行 (breached): a party did not perform the agreement (Art. 32).",
)
described(
    CategoryEnum,
    WATER_LEAK="漏水 (water leaking into a neighbour's unit).",
    NOISE="噪音 (noise).",
    RENOVATION="装修 (renovation works).",
    PROPERTY_FEES="物业费 (property-management fees).",
    NEIGHBOUR_CONFLICT="邻里矛盾 (a conflict between neighbours).",
    FAMILY="家庭纠纷 (a family dispute).",
    PARKING="停车 (parking).",
    COMMON_AREA="公共区域 (use of the common areas).",
    OTHER="其他 (any other dispute).",
)
described(
    SourceEnum,
    APPLICATION="当事人申请: a party applied.",
    COURT_REFERRAL="法院委托: referred by a court.",
    POLICE_REFERRAL="公安移送: referred by the police.",
    TASK_FORCE_REFERRAL="专班移送: referred by a task force (整治专班).",
    STUDIO_INITIATIVE="主动调解: the studio took it up on its own initiative (Art. 17).",
)
described(
    PartyRoleEnum,
    APPLICANT="申请人 (applicant).",
    RESPONDENT="被申请人 (respondent).",
    THIRD_PARTY="第三人 (third party).",
)
described(
    OutsideKindEnum,
    LAWYER="律师 (a lawyer).",
    RELATIVE="亲属 (a relative of a party).",
    NEIGHBOUR="邻居 (a neighbour).",
    EXPERT="专业人士 (an expert in the matter).",
)
described(
    DepartmentEnum,
    FIRE="消防 (fire service).",
    HOUSING="住建 (housing and construction).",
    EMERGENCY="应急管理 (emergency management).",
    POLICE="公安 (police).",
    JUSTICE="司法所 (justice office).",
    LAW_ENFORCEMENT="综合执法 (comprehensive law enforcement, 城管).",
)
described(
    FindingCategoryEnum,
    ILLEGAL_CONSTRUCTION="违章搭建 (illegal construction).",
    BLOCKED_FIRE_EXIT="消防通道堵塞 (a blocked fire exit or escape route).",
    OCCUPIED_COMMON_AREA="占用公共区域 (a common area taken over for private use).",
    ELECTRICAL_HAZARD="用电隐患 (an electrical hazard, e.g. flying leads).",
    OTHER="其他 (any other problem).",
)
described(
    FindingStatusEnum,
    OPEN="待整改 (open): found, not yet notified.",
    NOTIFIED="已告知 (notified): told to rectify it; also where a failed verification sends it back.",
    RECTIFIED="已整改 (rectified), with evidence (a photo or an inspection record reference).",
    VERIFIED="已核查 (verified): the rectification was checked; the finding is closed.",
)
described(AnswerEnum, ACCEPTED="同意调解: the party accepts mediation.", REFUSED="拒绝调解: the party refuses mediation; the case ends refused.")
described(
    AnswerChannelEnum,
    OWN_ACCOUNT="Answered by the party from their own account.",
    PAPER="Given on paper and recorded by staff, with its date.",
    APPLICATION="The applicant consented by applying.",
)
described(
    PerformanceCheckEnum,
    PARTY_EVIDENCE="A party submitted evidence of performance.",
    MEDIATOR_CHECK="The mediator checked the performance (回访核实).",
)
described(RulingEnum, CONFIRMED="确认有效: the agreement is confirmed and enforceable.", REFUSED="驳回申请: confirmation refused; the parties may change the agreement, make a new one or sue.")
described(
    CourtActionEnum,
    ENFORCEMENT="申请强制执行: enforcement of a confirmed agreement (Art. 33 ¶2).",
    LITIGATION="起诉: a lawsuit over the dispute or the agreement (Art. 32).",
    JUDICIAL_CONFIRMATION="申请司法确认: joint request for judicial confirmation of a written agreement, within 30 days of its taking effect.",
    CHANGE_AGREEMENT="变更协议: change the agreement, or make a new one, by mediation after a refused confirmation.",
)
