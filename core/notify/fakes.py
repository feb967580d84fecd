"""Local stand-ins for the providers: what they received, kept in memory per process.

A channel plugin's fake provider is a Starlette app built by ``factory(recorder, environ)``
(registered with ``register.fake_provider(name, factory)``); the demo and the tests mount it
at ``/dev/providers/{street}/{name}`` and point the street's channel endpoints there. The app
verifies each request the way the provider does (signatures, tokens, access keys from
``environ``), records a ``FakeDelivery`` in ``recorder`` and answers like the provider
(including its error shapes). Behaviour for tests is switched per recorder:
``recorder.fail_next(provider, n, how)`` makes the next ``n`` requests fail with ``how``
(``"500"``, ``"timeout"``, ``"throttled"``), and ``recorder.answer(to, outcome)`` tells a
voice fake whether that number picks up (``ANSWERED`` by default, or ``NO_ANSWER``)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

from jiedao.core.notify.channels import FakeDelivery


class FakeRecorder:
    """Every fake provider's record of what it received, and the failures tests ask for."""

    def __init__(self) -> None:
        self.deliveries: list[FakeDelivery] = []
        self._failures: dict[str, list[str]] = defaultdict(list)
        self.answers: dict[str, str] = {}

    def record(self, delivery: FakeDelivery) -> None:
        """Keep ``delivery`` (stamped now if it has no time) and wake whoever waits."""
        if delivery.at is None:
            delivery.at = datetime.now(UTC)
        self.deliveries.append(delivery)

    def fail_next(self, provider: str, times: int = 1, how: str = "500") -> None:
        """Make the next ``times`` requests to ``provider`` fail with ``how``."""
        self._failures[provider].extend([how] * times)

    def take_failure(self, provider: str) -> str | None:
        """The failure the next request to ``provider`` must suffer, if any (consumed)."""
        queue = self._failures.get(provider)
        return queue.pop(0) if queue else None

    def answer(self, to: str, outcome: str) -> None:
        """Whether a call to ``to`` is picked up: ``ANSWERED`` or ``NO_ANSWER``."""
        self.answers[to] = outcome

    def for_street(self, street: str) -> list[FakeDelivery]:
        """What the fakes received for ``street``, oldest first."""
        return [d for d in self.deliveries if d.street == street]

    async def wait_for(self, predicate, timeout: float = 10.0) -> list[FakeDelivery]:
        """Wait until some deliveries satisfy ``predicate(delivery)``; returns them. The fake
        may serve from another thread (a real uvicorn), so the condition is checked every
        20 ms. Raises ``TimeoutError`` naming what was received instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [d for d in list(self.deliveries) if predicate(d)]
            if found:
                return found
            if loop.time() > deadline:
                seen = ", ".join(f"{d.channel}->{d.to}" for d in self.deliveries) or "nothing"
                raise TimeoutError(f"no matching delivery; the fakes received {seen}")
            await asyncio.sleep(0.02)
