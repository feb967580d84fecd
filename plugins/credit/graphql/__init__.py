"""The credit plugin's GraphQL: ``types`` (who sees what: ``access``), ``queries``, ``mutations``."""

from jiedao.plugins.credit.graphql.mutations import CreditMutation
from jiedao.plugins.credit.graphql.queries import BuildingEnterprises, CreditQuery

__all__ = ["BuildingEnterprises", "CreditMutation", "CreditQuery"]
