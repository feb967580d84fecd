"""The schema extensions' hooks run as Strawberry would run them (``schema.extension_hooks``):
same order, same exceptions, same ``extensions`` in the response, found once per class tuple."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from jiedao.schema.extension_hooks import HookRunner, extensions_runner, plan_for


class Boom(Exception):
    """The body's failure."""


class Other(Exception):
    """A hook's own failure."""


def recording(name: str, log: list, *, on_exit: str = "pass", on_enter: str = "pass"):
    """An extension class whose ``on_execute`` records what it sees into ``log``."""

    class Recording(SchemaExtension):
        def on_execute(self):
            log.append(f"{name} enter")
            if on_enter == "raise":
                raise Other(name)
            try:
                yield
            except Exception as error:  # noqa: BLE001 - recorded, then as the scenario says
                log.append(f"{name} saw {type(error).__name__}")
                if on_exit == "suppress":
                    return
                if on_exit == "replace":
                    raise Other(name) from error
                raise
            log.append(f"{name} exit")
            if on_exit == "raise":
                raise Other(name)
            if on_exit == "yield again":
                yield

    Recording.__name__ = name
    return Recording


def run(runner_of, classes, body_raises: bool) -> str:
    """Runs one execution stage around a body; answers how it ended."""
    extensions = [cls() for cls in classes]
    runner = runner_of(SimpleNamespace(extensions_results={}), extensions)

    async def stage():
        async with runner.executing():
            if body_raises:
                raise Boom

    try:
        asyncio.run(stage())
    except Exception as error:  # noqa: BLE001 - the outcome is the assertion
        return f"raised {type(error).__name__}: {error}"
    return "finished"


SCENARIOS = [
    ("both pass", [{}, {}], False),
    ("the body fails", [{}, {}], True),
    ("the inner hook suppresses the failure", [{}, {"on_exit": "suppress"}], True),
    ("the inner hook replaces the failure", [{}, {"on_exit": "replace"}], True),
    ("the inner hook fails on the way out", [{}, {"on_exit": "raise"}], False),
    ("a hook does not stop", [{}, {"on_exit": "yield again"}], False),
    ("the outer hook suppresses the inner's failure", [{"on_exit": "suppress"}, {"on_exit": "raise"}], False),
]


@pytest.mark.parametrize(("scenario", "hooks", "body_raises"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_hooks_run_in_strawberrys_order_with_its_exception_semantics(scenario, hooks, body_raises):
    outcomes = []
    for runner_of in (
        lambda ctx, extensions: SchemaExtensionsRunner(ctx, extensions),
        extensions_runner,
    ):
        log: list = []
        classes = [recording(f"h{i}", log, **spec) for i, spec in enumerate(hooks)]
        outcome = run(runner_of, classes, body_raises)
        outcomes.append((log, outcome))
    assert outcomes[1] == outcomes[0]
    assert "h0 enter" in outcomes[1][0]


def test_a_hook_failing_on_entry_closes_the_hooks_entered_before_it_with_its_error():
    log: list = []
    classes = [recording("outer", log), recording("inner", log, on_enter="raise")]
    assert type(extensions_runner(None, [cls() for cls in classes])) is HookRunner
    assert run(extensions_runner, classes, body_raises=False) == "raised Other: inner"
    # Strawberry's ExitStack would leave "outer" suspended until garbage collection.
    assert log == ["outer enter", "inner enter", "outer saw Other"]


def test_extensions_whose_hooks_are_not_generator_functions_keep_strawberrys_runner():
    class AsyncHook(SchemaExtension):
        async def on_execute(self):
            yield

    class CallableHook(SchemaExtension):
        def on_parse(self):
            return None

    for cls in (AsyncHook, CallableHook):
        assert plan_for((cls,)) is None
        runner = extensions_runner(None, [cls()])
        assert type(runner) is SchemaExtensionsRunner


def test_the_response_extensions_come_from_the_reporting_extensions_then_the_context():
    class Cost(SchemaExtension):
        def get_results(self):
            return {"cost": 3}

    class Silent(SchemaExtension):
        def on_operation(self):
            yield

    assert plan_for((Silent, Cost)).results == (1,)
    ctx = SimpleNamespace(extensions_results={"statements": 2})
    runner = extensions_runner(ctx, [Silent(), Cost()])
    assert asyncio.run(runner.get_extensions_results(ctx)) == {"cost": 3, "statements": 2}


def test_every_extension_of_the_street_schema_runs_without_strawberrys_hook_discovery(kernel):
    street = next(iter(kernel.config.streets))
    schema = kernel.schemas.for_street(street)
    extensions = schema.get_extensions()
    runner = schema.create_extensions_runner(SimpleNamespace(extensions_results={}), extensions)
    assert type(runner) is HookRunner, [type(e).__name__ for e in extensions]
