"""Fixtures of the deployment tests: a second PostgreSQL cluster for the cells tests."""

from __future__ import annotations

import pytest

from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE
from jiedao.core.testing.services import postgres_available, require_service, start_jiedao_postgres


@pytest.fixture(scope="session")
def second_postgres(postgres):
    """A second throwaway PostgreSQL cluster (its own ``postgres`` process and port) with the
    same owner and application roles as the kit's ``postgres``; started only by the tests that
    ask for it, once per session."""
    require_service(postgres_available())
    cluster = start_jiedao_postgres(OWNER_ROLE, APP_ROLE)
    yield cluster
    cluster.stop()
