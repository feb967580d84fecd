"""Garbage collection settled after start-up, so collections during requests are cheap.

After the kernel is loaded (schemas, plugins, settings: hundreds of thousands of objects
that live as long as the process), ``settle_after_start`` collects once and moves every
surviving object into the permanent generation (``gc.freeze``): later full collections no
longer walk them. ``JIEDAO_GC_FREEZE=0`` leaves the collector as Python sets it.
``JIEDAO_GC_GEN0=N`` (100 to 1,000,000) sets the youngest generation's threshold (Python's
default, 700 on 3.11, is kept unless set; see the perf note for what it measured).
"""

from __future__ import annotations

import gc
import os


_settled = False


def settle_after_start() -> bool:
    """Collect once and freeze what survives, the first time a process starts an app (unless
    ``JIEDAO_GC_FREEZE=0``); True if it froze now."""
    global _settled
    gen0 = os.environ.get("JIEDAO_GC_GEN0", "").strip()
    if gen0:
        if not (gen0.isascii() and gen0.isdigit() and 100 <= int(gen0) <= 1_000_000):
            raise ValueError(f"JIEDAO_GC_GEN0 must be a whole number from 100 to 1000000, got {gen0!r}.")
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(int(gen0), gen1, gen2)
    if _settled or os.environ.get("JIEDAO_GC_FREEZE", "1").strip() == "0":
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    return True
