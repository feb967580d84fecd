"""Who is told, in which order: the people an alert reaches, rung after rung.

``core.contacts.chain.reach_chain`` builds the chain for a place from the grid and
organisation model (the building's grid workers, then the community's duty worker, then the
street's duty officer) and, for an alert at someone's home, the resident and their
emergency contacts. The escalation (``core.notify.escalation``) walks it."""

from __future__ import annotations

from dataclasses import dataclass, field

STAFF, RESIDENT, CONTACT = "staff", "resident", "contact"


@dataclass(frozen=True)
class Person:
    """Someone to reach and the addresses they can be reached at."""

    kind: str
    """``staff`` (an account), ``resident`` or ``contact`` (a resident's emergency contact)."""
    ref: int
    """users.id, residents.id or emergency_contacts.id."""
    name: str
    role: str = ""
    """Why this person: ``grid_worker``, ``community_duty``, ``street_duty``, ``resident``,
    ``emergency_contact`` (with the relation in ``relation``)."""
    relation: str = ""
    phone: str = ""
    dingtalk: str = ""
    """DingTalk (浙政钉) user id."""
    wecom: str = ""
    """WeCom (企业微信) user id."""

    @property
    def key(self) -> str:
        """Stable identity for de-duplication: ``staff:12``."""
        return f"{self.kind}:{self.ref}"

    def address(self, kind: str) -> str:
        """The address for a channel's ``address`` kind (``phone``, ``dingtalk``, ``wecom``), or ''."""
        return {"phone": self.phone, "dingtalk": self.dingtalk, "wecom": self.wecom}.get(kind, "")


@dataclass(frozen=True)
class Rung:
    """The people reached together at one step of an escalation."""

    people: tuple[Person, ...] = field(default_factory=tuple)
    label: str = ""
    """``grid``, ``community``, ``street`` (for timelines and templates)."""
