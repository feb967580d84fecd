"""Demo data: the demo's accounts and password, hashing a password, the demo's hotspot building."""

from __future__ import annotations

from jiedao.core import demo
from jiedao.core.demo import hotspot_building_id
from jiedao.core.identity.passwords import hash_password

__all__ = [
    "demo",
    "hash_password",
    "hotspot_building_id",
]
