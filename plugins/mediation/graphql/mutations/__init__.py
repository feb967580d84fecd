"""Mutations of the mediation plugin, one module per part of the domain. Each is a plain
``@mutation`` work run by the one runner; rules live in ``service``."""

from __future__ import annotations

import strawberry

from jiedao.plugins.mediation.graphql.mutations.agreements import AgreementMutation
from jiedao.plugins.mediation.graphql.mutations.answers import AnswerMutation
from jiedao.plugins.mediation.graphql.mutations.committees import CommitteeMutation
from jiedao.plugins.mediation.graphql.mutations.cases import CaseAlertMutation, CaseMutation
from jiedao.plugins.mediation.graphql.mutations.followup import FollowUpMutation
from jiedao.plugins.mediation.graphql.mutations.performance import PerformanceMutation
from jiedao.plugins.mediation.graphql.mutations.studios import StudioMutation
from jiedao.plugins.mediation.graphql.mutations.taskforces import TaskForceMutation

PARTS = (CommitteeMutation, StudioMutation, CaseMutation, AnswerMutation, AgreementMutation, FollowUpMutation, PerformanceMutation, CaseAlertMutation, TaskForceMutation)
"""In the order of the fields in the schema."""

MediationMutation = strawberry.type(type("MediationMutation", PARTS, {}))
