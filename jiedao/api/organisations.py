"""Who acts for what: organisations, their roles and places, grids and their workers."""

from __future__ import annotations

from jiedao.core.grids.access import grid_building_ids, grid_of_building, grid_workers_of_building, grids_worked_by, worked_grid_ids
from jiedao.core.organisations.access import acted_for_ids, ActingFor, acts_for, may_convene_ballot, organisation_named, organisations_acted_for, place_building_ids, Places, places_of, require_acts_for, responsible_for_building
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.organisations.roles import ORGANISATION_ROLES

__all__ = [
    "acted_for_ids",
    "ActingFor",
    "acts_for",
    "grid_building_ids",
    "grid_of_building",
    "grid_workers_of_building",
    "grids_worked_by",
    "may_convene_ballot",
    "organisation_named",
    "ORGANISATION_ROLES",
    "OrganisationKind",
    "organisations_acted_for",
    "place_building_ids",
    "Places",
    "places_of",
    "require_acts_for",
    "responsible_for_building",
    "worked_grid_ids",
]
