"""``jiedao serve --no-background``: the API processes of a deployment skip the work that runs
once per deployment (ingestion, escalation, notifications, nightly jobs) but keep the relays
that bring other processes' changes to their subscribers."""

from __future__ import annotations

import asyncio

import pytest

from jiedao.core.app import build_app


async def wait_forever(_kernel) -> None:
    await asyncio.Event().wait()


@pytest.mark.parametrize(("background", "relays", "expected"), [(True, True, {"background", "relay"}), (False, True, {"relay"}), (False, None, set())])
async def test_background_work_and_relays_start_as_asked(kernel, monkeypatch, background, relays, expected):
    started = set()

    def probe(name):
        async def task(k):
            started.add(name)
            await wait_forever(k)
        return task

    monkeypatch.setattr(kernel.contributions, "background", [("probe", probe("background"))])
    monkeypatch.setattr(kernel.contributions, "relays", [("probe", probe("relay"))])
    app = build_app(kernel, background=background, relays=relays)
    async with app.router.lifespan_context(app):
        for _ in range(50):  # the tasks start on the loop's next turns
            await asyncio.sleep(0)
    assert started == expected


def test_the_sensors_alarm_relay_is_a_relay_and_ingestion_background_work(kernel):
    from jiedao.plugins.sensors.serve import run_in_server, run_relay

    assert ("sensors", run_relay) in kernel.contributions.relays
    assert ("sensors", run_in_server) in kernel.contributions.background
    assert all(task is not run_relay for _, task in kernel.contributions.background)


def test_serve_documents_the_switch_and_its_variable(jiedao_cli):
    result = jiedao_cli(["serve", "--help"])
    assert result.exit_code == 0
    assert "--background / --no-background" in result.output and "JIEDAO_BACKGROUND=off" in result.output


@pytest.mark.parametrize(("arguments", "environment", "expected"), [
    (["serve", "--no-background"], {}, False),
    (["serve"], {"JIEDAO_BACKGROUND": "off"}, False),
    (["serve"], {}, True),
])
def test_serve_hands_the_switch_to_the_app_it_runs(jiedao_cli, monkeypatch, arguments, environment, expected):
    """What an API process of the Compose stack runs: the app built without background work."""
    import uvicorn

    import jiedao.core.app

    built: list[dict] = []
    monkeypatch.setattr(jiedao.core.app, "build_app", lambda kernel, **options: built.append(options) or "app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert jiedao_cli(["db", "upgrade"]).exit_code == 0
    result = jiedao_cli([*arguments, "--port", "0"])
    assert result.exit_code == 0, result.output
    assert built == [{"background": expected, "relays": True}]


def test_the_demo_is_refused_several_workers(jiedao_cli):
    """The demo's fake providers and embedded broker live in one process."""
    result = jiedao_cli(["serve", "--demo", "--workers", "2", "--port", "0"])
    assert result.exit_code == 2
    assert "--demo runs in one process" in result.output


def test_workers_are_counted_from_one(jiedao_cli):
    result = jiedao_cli(["serve", "--workers", "0", "--port", "0"])
    assert result.exit_code == 2 and "--workers" in result.output
