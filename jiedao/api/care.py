"""Residents' care needs (elderly by the street's ages, very old, living alone, disabled,
bedridden): a profile per resident and SQL clauses for queries."""

from __future__ import annotations

from jiedao.core.care import (
    CARE_NEEDS,
    CareProfile,
    CareSettings,
    age_in,
    care_profile,
    care_settings_of,
    elderly_clause,
    very_old_clause,
    vulnerable_clause,
)

__all__ = ["age_in", "CARE_NEEDS", "care_profile", "care_settings_of", "CareProfile", "CareSettings", "elderly_clause", "very_old_clause", "vulnerable_clause"]
