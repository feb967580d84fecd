"""Garbage collection settled after start-up, so collections during requests are cheap.

After the kernel is loaded (schemas, plugins, settings: hundreds of thousands of objects
that live as long as the process), ``settle_after_start`` collects once and moves every
surviving object into the permanent generation (``gc.freeze``): later full collections no
longer walk them. ``JIEDAO_GC_FREEZE=0`` leaves the collector as Python sets it.
"""

from __future__ import annotations

import gc
import os


_settled = False


def settle_after_start() -> bool:
    """Collect once and freeze what survives, the first time a process starts an app (unless
    ``JIEDAO_GC_FREEZE=0``); True if it froze now."""
    global _settled
    if _settled or os.environ.get("JIEDAO_GC_FREEZE", "1").strip() == "0":
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    return True
