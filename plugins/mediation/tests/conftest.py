"""Fixtures of the mediation tests: a small registry, two studios with their mediators,
and helpers that talk to the API like a front end.

Everything runs on the real databases of ``core.testing.fixtures`` (SQLite and PostgreSQL
with row-level security). "Time passing" is the only shortcut: ``age_case`` and
``age_agreement`` move dates into the past, as if the days had gone by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest_asyncio
from sqlalchemy import select

from jiedao.core.identity.models import User
from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.mediation.models import Agreement, Case, ReturnVisit
from jiedao.schema.ids import decode_global_id, encode_global_id

CASE_FIELDS = """
  id state category source referredBy mediatorUsername openTooLong escalated closedAt
  studio { name }
  parties { role resident { id name } answer answeredOn answerChannel answerRecordedBy refusalReason }
  places { building { id } unit { id } }
  history { fromState toState actor reason at }
  recusals { username reason }
  outsideMediators { name kind consentNote }
  sessions { heldOn participants notes }
  returnVisits { id dueOn doneOn overdue }
  attachments { name size reference }
  agreement {
    oral facts terms inEffect effectiveOn sealedAt sealedBy sealCommittee { name seal { name number } }
    signatures { resident { id } mediatorUsername recordedBy }
    judicialConfirmation { deadline requestedOn court overdue ruling caseNumber ruledOn }
    performBy obligedParty { id }
    performanceConfirmed { performedOn how recordedBy note evidence { name reference } }
    breach { noticedOn note recordedBy }
    courtAction { action court filedOn }
    nextSteps
  }
"""


def gid(type_name: str, pk: int) -> str:
    return encode_global_id(type_name, pk)


def pk(global_id: str) -> int:
    return decode_global_id(global_id)[1]


async def register_entry(kernel, case_id: str, street: str = "changqing") -> tuple[int | None, int, int]:
    """``(committee id, year, number)`` of a case in its register (``service.numbering``)."""
    from sqlalchemy import select

    from jiedao.plugins.mediation.models import Case

    async with kernel.db.transaction(kernel.street_id(street)) as session:
        row = (await session.execute(
            select(Case.register_committee_id, Case.register_year, Case.register_number).where(Case.id == pk(case_id))
        )).one()
    return tuple(row)


@dataclass
class Scene:
    """The street's people's mediation committee (director med-chair keeps its seal) with
    studio A (lead med-a, member med-a2) and studio B (lead med-b), eight residents in two
    buildings, and tokens for the people of the scenarios."""

    client: object
    kernel: object
    registry: dict
    committee: str = ""
    studio_a: str = ""
    studio_b: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def residents(self) -> list[str]:
        return [gid("Resident", r) for r in self.registry["residents"]]

    @property
    def buildings(self) -> list[str]:
        return [gid("Building", b) for b in self.registry["buildings"]]

    @property
    def units(self) -> list[str]:
        return [gid("Unit", u) for u in self.registry["units"]]

    async def resident_token(self, index: int) -> str:
        """The token of the account of resident ``index`` (role resident)."""
        return await self.client.token("resident", username=f"owner-{index}", resident_id=self.registry["residents"][index])

    async def mutate(self, name: str, input: dict, token: str, fields: str = f"case {{ {CASE_FIELDS} }}") -> dict:
        """Run mutation ``name`` with ``input``; the payload (with ``errors``)."""
        input_type = name[0].upper() + name[1:] + "Input"
        query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} errors {{ field message code }} }} }}"
        data = await self.client.query(query, {"input": input}, token=token)
        return data[name]

    async def ok(self, name: str, input: dict, token: str | None = None, fields: str = f"case {{ {CASE_FIELDS} }}") -> dict:
        """Like ``mutate`` but the payload must carry no errors."""
        payload = await self.mutate(name, input, token or self.tokens["admin"], fields)
        assert payload["errors"] == [], payload["errors"]
        return payload

    async def error(self, name: str, input: dict, token: str | None = None, fields: str = f"case {{ {CASE_FIELDS} }}") -> dict:
        """The single user error a refused mutation returns (its payload holds no result)."""
        payload = await self.mutate(name, input, token or self.tokens["admin"], fields)
        assert len(payload["errors"]) == 1, payload
        return payload["errors"][0]

    async def case(self, case_id: str, token: str | None = None) -> dict | None:
        query = f"query($id: ID!) {{ mediationCase(id: $id) {{ {CASE_FIELDS} }} }}"
        return (await self.client.query(query, {"id": case_id}, token=token or self.tokens["admin"]))["mediationCase"]

    async def open_case(self, parties: tuple[int, ...] = (0, 1), studio: str | None = None, **extra) -> dict:
        """A water-leak case between residents ``parties`` (first: applicant) in studio A."""
        input = {
            "title": "楼上漏水",
            "category": "WATER_LEAK",
            "source": "APPLICATION",
            "studioId": studio or self.studio_a,
            "parties": [{"residentId": self.residents[i], "role": "APPLICANT" if n == 0 else "RESPONDENT"} for n, i in enumerate(parties)],
            "places": [{"buildingId": self.buildings[0], "unitId": self.units[0]}],
            **extra,
        }
        return (await self.ok("openCase", input))["case"]

    async def move(self, case_id: str, to: str, reason: str = "", token: str | None = None) -> dict:
        return (await self.ok("moveCase", {"caseId": case_id, "to": to, "reason": reason}, token))["case"]

    async def consent_on_paper(self, case_id: str, index: int, token: str | None = None) -> dict:
        """Staff record that resident ``index`` accepted mediation on paper today."""
        input = {"caseId": case_id, "residentId": self.residents[index], "accept": True, "paperDate": _today().isoformat()}
        return (await self.ok("answerMediation", input, token))["case"]

    async def in_mediation(self, parties: tuple[int, ...] = (0, 1)) -> dict:
        """A case accepted by the studio and (on paper) by the respondents, assigned to med-a2 and in mediation."""
        case = await self.open_case(parties)
        await self.move(case["id"], "ACCEPTED")
        for index in parties[1:]:
            await self.consent_on_paper(case["id"], index)
        await self.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
        return await self.move(case["id"], "IN_MEDIATION", token=self.tokens["med-a2"])

    async def draft(self, case_id: str, token: str | None = None, **changes) -> dict:
        input = {
            "caseId": case_id,
            "facts": "602室卫生间防水层老化，渗水至502室顶棚。",
            "disputedPoints": "维修责任与502室装修损失的赔偿数额。",
            "terms": "602室业主负责重做防水并赔偿502室2800元。",
            "performance": "十五日内完成防水施工，赔偿款当面一次付清。",
            "performBy": (_today() + timedelta(days=15)).isoformat(),
            **changes,
        }
        return await self.mutate("draftAgreement", input, token or self.tokens["med-a2"])

    async def agreed(self, parties: tuple[int, ...] = (0, 1)) -> dict:
        """A case whose written agreement is in effect (signed by all, sealed)."""
        case = await self.in_mediation(parties)
        assert (await self.draft(case["id"]))["errors"] == []
        for i in parties:
            await self.ok("signAgreement", {"caseId": case["id"], "residentId": self.residents[i]}, self.tokens["med-a2"])
        await self.ok("signAgreement", {"caseId": case["id"]}, self.tokens["med-a2"])
        return (await self.ok("sealAgreement", {"caseId": case["id"]}, self.tokens["med-chair"]))["case"]

    async def age_case(self, case_id: str, days: int) -> None:
        """As if the case had been opened ``days`` days earlier."""
        async with self.kernel.db.transaction(self.kernel.street_id("changqing")) as session:
            case = await session.scalar(select(Case).where(Case.id == pk(case_id)))
            case.opened_at = case.opened_at - timedelta(days=days)

    async def age_performance(self, case_id: str, days: int) -> None:
        """As if the agreement had taken effect, and its performance date and return visits
        had come, ``days`` days earlier (the case opened earlier still)."""
        async with self.kernel.db.transaction(self.kernel.street_id("changqing")) as session:
            case = await session.scalar(select(Case).where(Case.id == pk(case_id)))
            case.opened_at = case.opened_at - timedelta(days=days + 10)
            agreement = await session.scalar(select(Agreement).where(Agreement.case_id == pk(case_id)))
            agreement.effective_on -= timedelta(days=days)
            agreement.perform_by -= timedelta(days=days)
            for visit in await session.scalars(select(ReturnVisit).where(ReturnVisit.case_id == pk(case_id))):
                visit.due_on -= timedelta(days=days)

    async def age_agreement(self, case_id: str, days: int) -> None:
        """As if the agreement had taken effect ``days`` days earlier."""
        async with self.kernel.db.transaction(self.kernel.street_id("changqing")) as session:
            agreement = await session.scalar(select(Agreement).where(Agreement.case_id == pk(case_id)))
            agreement.effective_on = agreement.effective_on - timedelta(days=days)


def _today():
    from jiedao.core.clock import today

    return today()


async def user_id(kernel, username: str) -> int:
    async with kernel.db.transaction() as session:
        return await session.scalar(select(User.id).where(User.username == username))


@pytest_asyncio.fixture
async def scene(client, kernel) -> Scene:
    """Two studios with their mediators, and a registry of eight owners."""
    return await build_scene(client, kernel)


async def build_scene(client, kernel) -> Scene:
    """The ``scene`` of any client and kernel (for tests that configure their own)."""
    registry = await build_registry(kernel, "changqing", buildings=2, units_per_building=4)
    s = Scene(client, kernel, registry)
    s.tokens["admin"] = await client.token("street_admin")
    s.tokens["worker"] = await client.token("community_worker")
    for name in ("med-a", "med-a2", "med-b", "med-chair"):
        s.tokens[name] = await client.token("mediator", username=name)
    committee = "committee { id name }"
    s.committee = (await s.ok("createMediationCommittee", {"name": "长庆街道人民调解委员会", "sealNumber": "330105-TJ-001"}, fields=committee))["committee"]["id"]
    member = {"committeeId": s.committee, "username": "med-chair", "displayName": "周主任", "office": "DIRECTOR", "keepsSeal": True}
    await s.ok("addCommitteeMember", member, fields=committee)
    studio = "studio { id name members { username displayName isLead } }"
    s.studio_a = (await s.ok("createStudio", {"name": "潘大姐工作室", "committeeId": s.committee}, fields=studio))["studio"]["id"]
    s.studio_b = (await s.ok("createStudio", {"name": "老傅调解室", "committeeId": s.committee}, fields=studio))["studio"]["id"]
    await s.ok("addStudioMember", {"studioId": s.studio_a, "username": "med-a", "displayName": "潘大姐", "lead": True}, fields=studio)
    await s.ok("addStudioMember", {"studioId": s.studio_a, "username": "med-a2", "displayName": "小王"}, fields=studio)
    await s.ok("addStudioMember", {"studioId": s.studio_b, "username": "med-b", "displayName": "老傅", "lead": True}, fields=studio)
    return s
