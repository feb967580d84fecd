"""GraphQL of volunteer service: teams, services, and ``Resident.volunteerHours``."""

from jiedao_volunteer.graphql.mutations import VolunteerMutation
from jiedao_volunteer.graphql.queries import VolunteerQuery
from jiedao_volunteer.graphql.types import ResidentVolunteering

__all__ = ["ResidentVolunteering", "VolunteerMutation", "VolunteerQuery"]
