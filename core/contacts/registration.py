"""What the core registers for the people to reach (called from ``core/builtin.py``)."""

from __future__ import annotations

from jiedao.core.contacts.models import CONTACT_MODELS
from jiedao.core.contacts.roles import CONTACT_GRANTS, CONTACT_PERMISSIONS

__all__ = ["CONTACT_MODELS", "register_permissions", "register_schema", "register_seed"]


def register_permissions(register) -> None:
    """Emergency-contact, duty-roster and staff-address permissions."""
    register.permissions(CONTACT_PERMISSIONS, grants=CONTACT_GRANTS)


def register_schema(register) -> None:
    """``Resident.emergencyContacts``, ``Me.notificationAddresses``, ``dutyShifts`` and the mutations."""
    from jiedao.core.contacts.graphql import CONTACT_TYPES, ContactsMutation, ContactsQuery, MeAddresses, ResidentContacts
    from jiedao.core.identity.graphql import Me

    register.types(*CONTACT_TYPES, Me)
    register.extend("Resident", ResidentContacts)
    register.extend("Me", MeAddresses)
    register.query(ContactsQuery)
    register.mutation(ContactsMutation)


def register_seed(register) -> None:
    """Demo emergency contacts, staff addresses and duty roster of 长庆街道."""
    from jiedao.core.contacts.seed import seed_people_to_reach

    register.seed(seed_people_to_reach)
