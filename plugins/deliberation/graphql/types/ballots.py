"""The deliberation plugin's ballot types: owners' votes, their live turnout, the tally
frozen at closing and each owner group's vote."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from jiedao.api import by_id, children, Node, node_type, registry, types
from jiedao.api.domain import identity
from jiedao.api.files import LocalFileStore
from jiedao.api.messages import Translatable
from jiedao.api.graphql import encode_global_id, enum_field, linked, list_bound, through
from jiedao.plugins.deliberation.graphql.loaders import my_votes_loader, organisations_loader, turnout_loader
from jiedao.plugins.deliberation.graphql.types.access import BALLOT_MANAGE, BALLOT_READ, load_visible_topic
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.deliberation.models import Ballot as BallotModel
from jiedao.plugins.deliberation.models import BallotBuilding, BallotStatus, Channel, Choice, ConvenorKind, Electorate, Rule, Vote
from jiedao.plugins.deliberation.models import BallotStairwell as BallotStairwellModel
from jiedao.plugins.deliberation.service.convenors import STREET_OFFICE
from jiedao.plugins.deliberation.service.tally import count_from_result, decide

if TYPE_CHECKING:
    from jiedao.plugins.deliberation.graphql.types.topics import Topic

BallotRuleEnum = strawberry.enum(
    Rule,
    name="BallotRule",
    description="ART278_MAJOR: Civil Code Art. 278 matters 6-8; ART278_ORDINARY: other matters; "
    "SIMPLE_MAJORITY: non-binding consultation.",
)
BallotStatusEnum = strawberry.enum(BallotStatus, name="BallotStatus", description="Where a ballot (表决) is: DRAFT → OPEN → CLOSED, or CANCELLED.")
ChoiceEnum = strawberry.enum(Choice, name="VoteChoice", description="An owner's answer on a ballot.")
ChannelEnum = strawberry.enum(Channel, name="VoteChannel", description="How a vote reached the ballot box.")
ConvenorKindEnum = strawberry.enum(ConvenorKind, name="BallotConvenorKind", description="Who convenes (召集) a ballot.")
described(
    BallotRuleEnum,
    ART278_MAJOR="Civil Code Art. 278 ¶1 (6)-(8) (raising the maintenance fund, rebuilding, changing the use of common parts): 2/3 of the area and of the owners take part; 3/4 of both that take part agree.",
    ART278_ORDINARY="Civil Code Art. 278, other matters: 2/3 of the area and of the owners take part; more than half of both that take part agree.",
    SIMPLE_MAJORITY="A non-binding consultation (征询): more than half of the votes cast agree.",
)
described(
    BallotStatusEnum,
    DRAFT="草稿 (draft): being prepared, not yet announced.",
    OPEN="已公告 (open): announced; votes are taken from `opensAt`.",
    CLOSED="已结束 (closed): tallied; see `result`.",
    CANCELLED="已取消 (cancelled) by its convenor with a reason: no votes, no result.",
)
described(ChoiceEnum, AGREE="同意 (agree).", OPPOSE="反对 (oppose).", ABSTAIN="弃权 (abstain): takes part but does not approve.")
described(
    ChannelEnum,
    ONLINE="网上 (online), cast by the owner from their own account (castVote).",
    PAPER="纸质 (paper) ballot, recorded by staff (recordVote).",
    PROXY="委托 (proxy): cast for the owner by their proxy, recorded by staff with the proxy's details.",
)
described(
    ConvenorKindEnum,
    OWNERS_COMMITTEE="业主委员会 (the compound's owners' committee).",
    RESIDENTS_COMMITTEE="居民委员会 (the community's residents' committee).",
    STREET="街道办事处 (the street office).",
)
ElectorateEnum = strawberry.enum(
    Electorate, name="BallotElectorate",
    description="OWNERS: one vote per owner group (Art. 278); RESIDENTS: a residents' consultation (居民协商), one vote per adult resident.",
)
described(
    ElectorateEnum,
    OWNERS="业主 (owners): one vote per owner group (Art. 278).",
    RESIDENTS="居民 (residents): every adult resident of the scope's households, in a residents' consultation.",
)


def m2(dm2: int) -> float:
    """Square decimetres as square metres, for display."""
    return dm2 / 100


@strawberry.type(name="BallotTurnout", description="How many owners and how much exclusive area may vote, and how many took part so far.")
class Turnout:
    eligible_owners: int = strawberry.field(description="How many owners (owner groups) may vote.")
    participating_owners: int = strawberry.field(description="How many have voted so far.")
    _eligible_dm2: strawberry.Private[int]
    _participating_dm2: strawberry.Private[int]

    @strawberry.field(description="Exclusive area in m² of the owners who may vote.")
    def eligible_area(self) -> float:
        return m2(self._eligible_dm2)

    @strawberry.field(description="Exclusive area in m² of the owners who voted.")
    def participating_area(self) -> float:
        return m2(self._participating_dm2)


@strawberry.type
class Participation:
    """The counts every tally starts with: who may vote, who voted, who agreed (areas in m²)."""

    eligible_area: float = strawberry.field(description="Exclusive area (专有部分面积) in m² of the owners who may vote.")
    eligible_owners: int = strawberry.field(description="How many owners (owner groups) may vote.")
    participating_area: float = strawberry.field(description="Exclusive area in m² of the owners who voted.")
    participating_owners: int = strawberry.field(description="How many owners voted.")
    agree_area: float = strawberry.field(description="Exclusive area in m² of the owners who agreed.")
    agree_owners: int = strawberry.field(description="How many owners agreed.")


@strawberry.type(name="BallotBuildingTally", description="Counts of one building of a closed ballot (areas in m²).")
class BuildingTally(Participation):
    _building_id: strawberry.Private[int]

    @strawberry.field(description="The building.")
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self._building_id)

    @classmethod
    def of(cls, row: dict[str, Any]) -> BuildingTally:
        """The tally of one building as stored at closing (areas in dm²)."""
        return cls(
            eligible_area=m2(row["eligible_area"]), eligible_owners=row["eligible_owners"],
            participating_area=m2(row["participating_area"]), participating_owners=row["participating_owners"],
            agree_area=m2(row["agree_area"]), agree_owners=row["agree_owners"], _building_id=row["building_id"],
        )


@strawberry.type(name="BallotStairwellTally", description="Counts of one stairwell (单元) of a closed ballot over stairwells (areas in m²).")
class StairwellTally(Participation):
    stairwell: str = strawberry.field(description="The stairwell, as the units record it.")
    _building_id: strawberry.Private[int]

    @strawberry.field(description="Its building.")
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self._building_id)

    @classmethod
    def of(cls, row: dict[str, Any]) -> StairwellTally:
        """The tally of one stairwell as stored at closing (areas in dm²)."""
        return cls(
            eligible_area=m2(row["eligible_area"]), eligible_owners=row["eligible_owners"],
            participating_area=m2(row["participating_area"]), participating_owners=row["participating_owners"],
            agree_area=m2(row["agree_area"]), agree_owners=row["agree_owners"], stairwell=row["stairwell"], _building_id=row["building_id"],
        )


@strawberry.type(name="BallotStairwell", description="A stairwell (单元) a ballot is limited to.")
class ScopeStairwell:
    stairwell: str = strawberry.field(description="The stairwell, as the units record it (`Unit.stairwell`).")
    _building_id: strawberry.Private[int]

    @strawberry.field(description="Its building.")
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self._building_id)


@strawberry.type(description="The tally frozen when the ballot closed (areas in m²; decided on exact integers).")
class BallotResult(Participation):
    oppose_area: float = strawberry.field(description="Exclusive area in m² of the owners who opposed.")
    oppose_owners: int = strawberry.field(description="How many owners opposed.")
    abstain_area: float = strawberry.field(description="Exclusive area in m² of the owners who abstained.")
    abstain_owners: int = strawberry.field(description="How many owners abstained.")
    quorum_met: bool = strawberry.field(description="Participation reached the legal minimum (Art. 278: 2/3 of area and of owners).")
    passed: bool = strawberry.field(description="Whether the matter was approved under the ballot's rule.")
    by_building: list[BuildingTally] = strawberry.field(description="The counts per building.")
    by_stairwell: list[StairwellTally] = strawberry.field(description="Per stairwell (单元), for a ballot over stairwells; empty otherwise.")
    texts: strawberry.Private[list[Translatable]] = dataclasses.field(default_factory=list)

    @strawberry.field(description="Each threshold with the numbers it was judged on, in the request's language (Accept-Language, else the street's).")
    def reasons(self, info: strawberry.Info) -> list[str]:
        return [text.render(info.context) for text in self.texts]

    @strawberry.field(
        description="The same reasons in Chinese, line for line (as the result notice gives them).",
        deprecation_reason="Use `reasons` with `Accept-Language: zh-CN`.",
    )
    def reasons_zh(self, info: strawberry.Info) -> list[str]:
        return [text.in_language("zh-CN", info.context.kernel) for text in self.texts]

    @classmethod
    def of(cls, row: dict[str, Any], rule: str) -> BallotResult:
        """The result as stored at closing (areas in dm²); its reasons are derived from the stored
        counts as catalogue templates, rendered in the reader's language."""
        areas = {key: m2(row[key]) for key in row if key.endswith("_area")}
        counts = {key: row[key] for key in row if key.endswith("_owners")}
        texts = decide(Rule(rule), count_from_result(row)).texts
        return cls(
            **areas, **counts, quorum_met=row["quorum_met"], passed=row["passed"], texts=texts,
            by_building=[BuildingTally.of(b) for b in row["by_building"]],
            by_stairwell=[StairwellTally.of(b) for b in row.get("by_stairwell", [])],
        )


@strawberry.type(name="VoteProxy", description="Who voted for the owner (a PROXY vote).")
class Proxy:
    name: str = strawberry.field(description="The proxy's name.")
    id_card_masked: str = strawberry.field(description="The proxy's ID-card number, masked like residents' (330105********123X).")


@strawberry.type(name="VoteAttachment", description="A proxy's written authorisation or a paper ballot's scan.")
class VoteAttachment:
    name: str = strawberry.field(description="The file's name.")
    content_type: str = strawberry.field(description="Its media type.")
    size: int = strawberry.field(description="Bytes.")
    reference: str = strawberry.field(description="The file store's reference (sha256/<hex>).")

    @strawberry.field(description="The file, base64-encoded.")
    def content_base64(self, info: strawberry.Info) -> str | None:
        store = LocalFileStore(info.context.kernel.settings(info.context.street, "deliberation").file_store)
        try:
            return base64.b64encode(store.get(self.reference)).decode()
        except KeyError:
            return None


@strawberry.type(description="One owner group's vote. The choice stays sealed from staff until the ballot closes.")
class VoteRecord:
    channel: ChannelEnum = strawberry.field(description="How the vote reached the ballot box.")
    cast_at: datetime = strawberry.field(description="When it was cast or recorded (ISO 8601 UTC).")
    choice: ChoiceEnum | None = strawberry.field(description="The choice, or null where it is sealed (see the type).")
    _unit_id: strawberry.Private[int]
    _vote: strawberry.Private[Vote]

    @strawberry.field(description="The unit the vote was cast for (all the owner group's units vote together).")
    async def unit(self, info: strawberry.Info) -> types.Unit | None:
        return await by_id(info.context, registry.Unit).load(self._unit_id)

    @strawberry.field(description="The proxy of a PROXY vote; ballot managers only.")
    def proxy(self, info: strawberry.Info) -> Proxy | None:
        if self._vote.proxy_name is None or not info.context.has_permission(BALLOT_MANAGE):
            return None
        return Proxy(name=self._vote.proxy_name, id_card_masked=self._vote.proxy_id_card_masked or "")

    @strawberry.field(description="The proxy's authorisation or the paper ballot's scan; ballot managers only.")
    def attachment(self, info: strawberry.Info) -> VoteAttachment | None:
        v = self._vote
        if v.attachment_ref is None or not info.context.has_permission(BALLOT_MANAGE):
            return None
        return VoteAttachment(name=v.attachment_name or "", content_type=v.attachment_content_type or "", size=v.attachment_size or 0, reference=v.attachment_ref)


def cast_by(vote: Vote, resident_id: int | None) -> bool:
    """Whether ``vote`` is the resident's own: cast by them, or by their owner group (the
    choice of a unit's seller, or of a tenant, stays secret from a buyer or a landlord)."""
    return resident_id is not None and (vote.resident_id == resident_id or str(resident_id) in vote.owner_key.split(","))


def vote_record(vote: Vote, show_choice: bool) -> VoteRecord:
    """A stored vote as GraphQL shows it, its choice hidden unless ``show_choice``."""
    return VoteRecord(
        channel=Channel(vote.channel),
        cast_at=vote.cast_at,
        choice=Choice(vote.choice) if show_choice else None,
        _unit_id=vote.unit_id,
        _vote=vote,
    )


@strawberry.type(name="BallotConvenor", description="Who convened a ballot: the organisation, and the account that acted for it.")
class Convenor:
    kind: ConvenorKindEnum = strawberry.field(description="Which kind of body convened it.")
    name: str = strawberry.field(description="The organisation's name, or 街道办事处.")
    organisation_id: strawberry.ID | None = strawberry.field(description="The organisation's global ID (none for the street office).")
    convened_by: str | None = strawberry.field(description="The username of the account that created the ballot.")


def _notice_id(pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(encode_global_id("Notice", pk)) if pk else None


@node_type(BallotModel, read=BALLOT_READ)
@strawberry.type(name="Ballot", description="An owners' vote (Civil Code Art. 278) over a compound or some buildings.")
class Ballot(Node):
    title: str = strawberry.field(description="The ballot's title.")
    matter: str = strawberry.field(description="The matter put to the vote (表决事项), in full.")

    rule = enum_field(BallotRuleEnum, description="How the ballot decides (Civil Code Art. 278).")

    status = enum_field(BallotStatusEnum, description="Where the ballot is.")

    opens_at: datetime = strawberry.field(description="When voting opens (ISO 8601 UTC).")
    closes_at: datetime = strawberry.field(description="When voting ends (ISO 8601 UTC).")

    compound = linked(registry.Compound, "compound_id", types.Compound, description="The compound the ballot is over; null if it names none.")

    @strawberry.field(description="The buildings in scope.", metadata=list_bound(100))
    async def buildings(self, info: strawberry.Info) -> list[types.Building]:
        return await through(info.context, BallotBuilding.ballot_id, BallotBuilding.building_id, registry.Building).load(self.id)

    @strawberry.field(description="The stairwells (单元) the ballot is limited to; empty when it covers its buildings whole.", metadata=list_bound(100))
    async def stairwells(self, info: strawberry.Info) -> list[ScopeStairwell]:
        rows = await children(info.context, BallotStairwellModel.ballot_id).load(self.id)
        return [ScopeStairwell(stairwell=r.stairwell, _building_id=r.building_id) for r in sorted(rows, key=lambda r: (r.building_id, r.stairwell))]

    @strawberry.field(description="Live turnout while open; choices stay sealed until the ballot closes.")
    async def turnout(self, info: strawberry.Info) -> Turnout:
        c = await turnout_loader(info.context).load(self)
        return Turnout(
            eligible_owners=c.eligible_owners,
            participating_owners=c.participating_owners,
            _eligible_dm2=c.eligible_area,
            _participating_dm2=c.participating_area,
        )

    electorate = enum_field(ElectorateEnum, description="Who may vote: owners, or residents in a consultation.")

    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled (ISO 8601 UTC); null otherwise.")
    cancellation_reason: str | None = strawberry.field(description="Why it was cancelled; null otherwise.")

    @strawberry.field(description="The frozen tally; null until the ballot is closed (a cancelled ballot has none).")
    def result(self) -> BallotResult | None:
        if self.status != BallotStatus.CLOSED.value or self.result is None:
            return None
        return BallotResult.of(self.result, self.rule)

    @strawberry.field(description="When the ballot was announced and its electorate fixed (openBallot).")
    def announced_at(self) -> datetime | None:
        return self.opened_at

    @strawberry.field(description="The public notice announcing the ballot (公告: matter, voting period, ways to vote).")
    def announcement_id(self) -> strawberry.ID | None:
        return _notice_id(self.announcement_notice_id)

    @strawberry.field(description="The public notice of the result (公示, with the per-building breakdown).")
    def result_notice_id(self) -> strawberry.ID | None:
        return _notice_id(self.result_notice_id)

    @strawberry.field(description="The public notice of the cancellation (公告, with the reason).")
    def cancellation_notice_id(self) -> strawberry.ID | None:
        return _notice_id(self.cancellation_notice_id)

    @strawberry.field(description="Who convened the ballot.")
    async def convenor(self, info: strawberry.Info) -> Convenor:
        name = STREET_OFFICE
        if self.convenor_organisation_id is not None:
            row = await organisations_loader(info.context).load(self.convenor_organisation_id)
            name = row.name if row else name
        user = await by_id(info.context, identity.User).load(self.convened_by_user_id) if self.convened_by_user_id else None
        return Convenor(
            kind=ConvenorKind(self.convenor_kind), name=name,
            organisation_id=strawberry.ID(encode_global_id("Organisation", self.convenor_organisation_id)) if self.convenor_organisation_id else None,
            convened_by=user.username if user else None,
        )

    @strawberry.field(description="The topic this ballot decides, if you may see it.")
    async def topic(self, info: strawberry.Info) -> Annotated["Topic", strawberry.lazy("jiedao.plugins.deliberation.graphql.types.topics")] | None:
        return await load_visible_topic(info.context, self.topic_id) if self.topic_id else None

    @strawberry.field(description="The vote of the caller's owner group, if the caller is an owner who voted.")
    async def my_vote(self, info: strawberry.Info) -> VoteRecord | None:
        vote = await my_votes_loader(info.context).load(self.id)
        return vote_record(vote, cast_by(vote, info.context.user.resident_id)) if vote else None


@strawberry.type(description="A ballot as seen from one unit: whether and how its owner group voted.")
class UnitBallot:
    ballot: Ballot = strawberry.field(description="The ballot.")
    vote: VoteRecord | None = strawberry.field(description="Null if the unit's owners have not voted (or you may not see it).")


# -- topics -----------------------------------------------------------------------------
