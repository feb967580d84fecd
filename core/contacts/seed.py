"""Demo people to reach in 长庆街道: emergency contacts of the elderly living alone, the
notification addresses of the demo staff, and a duty roster covering 2026-2027."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from jiedao.core import clock
from jiedao.core.contacts.models import DutyShift, EmergencyContact, StaffAddress
from jiedao.core.identity.models import User
from jiedao.core.models import Community, Compound, Resident

STAFF = ("changqing-grid", "changqing-worker", "changqing-admin")
ROSTER = (datetime(2026, 1, 1, tzinfo=clock.CHINA), datetime(2028, 1, 1, tzinfo=clock.CHINA))
DUTY_COMPOUND = "凤起都市花园"
"""changqing-worker is on duty for the community of this compound (浙大御跸社区)."""
RELATIVES = ("女儿", "儿子", "侄女", "外甥")


def demo_contacts(resident: Resident) -> list[EmergencyContact]:
    """One or two made-up contacts for an elderly resident living alone (a relative, and every
    other one a neighbour), with phones that are stable across seeds."""
    surname = resident.name[0]
    relation = RELATIVES[resident.id % len(RELATIVES)]
    made = [EmergencyContact(position=1, name=f"{surname}{'晓梅' if relation in ('女儿', '侄女') else '建华'}", relation=relation, phone=f"139{resident.id:08d}")]
    if resident.id % 2 == 0:
        made.append(EmergencyContact(position=2, name="邻居周阿姨", relation="邻居", phone=f"0571-8{resident.id % 10_000_000:07d}"))
    for contact in made:
        contact.resident_id, contact.updated_at, contact.updated_by = resident.id, clock.now(), "demo"
    return made


async def seed_people_to_reach(session, street: str) -> None:
    """Seed once (changqing only; skipped when the street has emergency contacts)."""
    if street != "changqing" or await session.scalar(select(EmergencyContact.id).limit(1)) is not None:
        return
    alone = await session.scalars(select(Resident).where(Resident.elderly.is_(True), Resident.lives_alone.is_(True)).order_by(Resident.id))
    session.add_all([contact for resident in alone for contact in demo_contacts(resident)])
    users = {u.username: u for u in await session.scalars(select(User).where(User.username.in_(STAFF)))}
    for number, username in enumerate(STAFF, start=1):
        if username in users and await session.get(StaffAddress, users[username].id) is None:
            session.add(StaffAddress(user_id=users[username].id, phone=f"1380000{number:04d}", dingtalk_user_id=f"dt-{username}",
                                     wecom_user_id=f"wc-{username}", updated_at=clock.now()))
    community = await session.scalar(select(Community.id).join(Compound, Compound.community_id == Community.id).where(Compound.name == DUTY_COMPOUND))
    for username, community_id in (("changqing-worker", community), ("changqing-admin", None)):
        if username in users and (username == "changqing-admin" or community_id is not None):
            session.add(DutyShift(user_id=users[username].id, community_id=community_id, starts_at=ROSTER[0], ends_at=ROSTER[1], created_by=users[username].id))
    await session.flush()
