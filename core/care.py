"""Who needs more care when something goes wrong at home: a street's ``[streets.<slug>.care]``
(a core section) and each resident's care profile.

The Law on the Protection of the Rights and Interests of the Elderly (老年人权益保障法, Art. 2)
counts everyone aged 60 or more as elderly; 高龄 is usually 80 or more. Both ages are settings::

    [streets.changqing.care]
    elderly_age = 60
    very_old_age = 80

Only a birth year is stored, so an age is counted by calendar year (born 1946 → 80 in 2026).
For a resident without a birth year, the ``elderly`` flag recorded by staff stands in.
Living alone, a registered disability and being bedridden are recorded per resident
(``setCareNeeds``); plugins (the sensors' alarm severity) read them through ``care_profile``
or, in SQL, ``elderly_clause`` / ``very_old_clause``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, or_

from jiedao.core.models import Resident


class CareSettings(BaseModel):
    """The ages from which a resident counts as elderly (老年人) and very old (高龄)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    elderly_age: int = Field(60, ge=40, le=120, description="Age from which a resident is elderly (老年人权益保障法 Art. 2: 60).")
    very_old_age: int = Field(80, ge=40, le=120, description="Age from which a resident is very old (高龄).")

    @model_validator(mode="after")
    def _ordered(self) -> CareSettings:
        if self.very_old_age < self.elderly_age:
            raise ValueError("very_old_age must not be below elderly_age")
        return self


CARE_NEEDS = ("BEDRIDDEN", "DISABLED", "VERY_OLD", "LIVES_ALONE", "ELDERLY")
"""Every care need, the weightiest first."""


class _ResidentLike(Protocol):
    birth_year: int | None
    elderly: bool
    lives_alone: bool
    disabled: bool
    bedridden: bool


@dataclass(frozen=True)
class CareProfile:
    """What a responder should know about one resident."""

    elderly: bool
    very_old: bool
    lives_alone: bool
    disabled: bool
    bedridden: bool

    @property
    def needs(self) -> tuple[str, ...]:
        """The resident's care needs from ``CARE_NEEDS``, weightiest first (empty: none)."""
        flags = {"BEDRIDDEN": self.bedridden, "DISABLED": self.disabled, "VERY_OLD": self.very_old,
                 "LIVES_ALONE": self.lives_alone, "ELDERLY": self.elderly}
        return tuple(name for name in CARE_NEEDS if flags[name])

    @property
    def vulnerable(self) -> bool:
        """Cannot be counted on to leave or call for help alone: bedridden, disabled, very
        old, or elderly and living alone."""
        return self.bedridden or self.disabled or self.very_old or (self.elderly and self.lives_alone)


def age_in(birth_year: int | None, today: date) -> int | None:
    """Age counted by calendar year (``None`` without a birth year)."""
    return None if birth_year is None else today.year - birth_year


def care_profile(resident: _ResidentLike | Any, settings: CareSettings, today: date) -> CareProfile:
    """The care profile of a resident row (or any object with the same attributes)."""
    age = age_in(resident.birth_year, today)
    elderly = bool(resident.elderly) if age is None else age >= settings.elderly_age
    very_old = age is not None and age >= settings.very_old_age
    return CareProfile(elderly, very_old, bool(resident.lives_alone), bool(resident.disabled), bool(resident.bedridden))


def elderly_clause(settings: CareSettings, today: date):
    """SQL: the resident is elderly (by birth year, or by the recorded flag without one)."""
    return or_(
        Resident.birth_year <= today.year - settings.elderly_age,
        and_(Resident.birth_year.is_(None), Resident.elderly.is_(True)),
    )


def very_old_clause(settings: CareSettings, today: date):
    """SQL: the resident is very old (高龄); needs a birth year."""
    return Resident.birth_year <= today.year - settings.very_old_age


def vulnerable_clause(settings: CareSettings, today: date):
    """SQL twin of ``CareProfile.vulnerable``."""
    return or_(
        Resident.bedridden.is_(True),
        Resident.disabled.is_(True),
        very_old_clause(settings, today),
        and_(elderly_clause(settings, today), Resident.lives_alone.is_(True)),
    )


def care_settings_of(kernel: Any, street: str) -> CareSettings:
    """The care settings of a street by slug."""
    return kernel.settings(street, "care")
