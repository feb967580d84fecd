"""examples/volunteer-service: a plugin outside the tree, installed and enabled for one street."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from jiedao.core import migrate
from jiedao.core.testing.distributions import install_distribution, run_pytest
from jiedao.core.testing.fixtures import app_client

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "volunteer-service"


@pytest.fixture(scope="module")
def volunteer_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("volunteer-site")
    return install_distribution(EXAMPLE, site)


def test_the_outside_plugin_passes_its_own_tests(volunteer_site):
    result = run_pytest(EXAMPLE, volunteer_site)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


async def test_only_the_enabling_street_gains_its_types(volunteer_site, make_kernel, password_hash, request):
    kernel = await make_kernel(
        streets={"changqing": {"name": "长庆街道", "plugins": ["volunteer"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}},
        extra_plugin_paths=[volunteer_site],
    )
    owner_url = getattr(request.node, "jiedao_owner_url", None) or kernel.config.database_url
    await asyncio.to_thread(migrate.upgrade, kernel, "volunteer@head", owner_url)
    assert "type VolunteerTeam" in kernel.schemas.sdl("changqing")
    assert "VolunteerTeam" not in kernel.schemas.sdl("gongchen")
    async with app_client(kernel, password_hash) as client:
        token = await client.token("community_worker")
        made = await client.query('mutation { createVolunteerTeam(input: {name: "春燕服务队"}) { team { name } errors { code } } }', token=token)
        assert made["createVolunteerTeam"] == {"team": {"name": "春燕服务队"}, "errors": []}
        assert (await client.query("{ volunteerTeams { name serviceDay } }", token=token))["volunteerTeams"] == [{"name": "春燕服务队", "serviceDay": ""}]
