"""Permissions over the people to reach (street_admin holds them all, as every permission)."""

from __future__ import annotations

from jiedao.core.identity.roles import COMMUNITY_WORKER, GRID_WORKER

CONTACTS_WRITE = "core.resident.contacts.write"
CARE_WRITE = "core.resident.care.write"
DUTY_READ = "core.duty.read"
DUTY_MANAGE = "core.duty.manage"
ADDRESSES_MANAGE = "core.staff.addresses.manage"

CONTACT_PERMISSIONS = {
    CONTACTS_WRITE: "Enter or replace a resident's emergency contacts (up to three)",
    CARE_WRITE: "Record whether a resident lives alone, is disabled or bedridden (their care needs)",
    DUTY_READ: "See the duty roster of the street and its communities",
    DUTY_MANAGE: "Schedule and cancel duty shifts",
    ADDRESSES_MANAGE: "Set the notification addresses (phone, DingTalk, WeCom) of the street's accounts",
}

CONTACT_GRANTS = {
    GRID_WORKER: [CONTACTS_WRITE, CARE_WRITE, DUTY_READ],
    COMMUNITY_WORKER: [CONTACTS_WRITE, CARE_WRITE, DUTY_READ],
}
