"""The collector's settings after start-up (``core.gc_settle``); its effect is measured by bench/api.py."""

from __future__ import annotations

import gc

import pytest

from jiedao.core import gc_settle


def test_freezing_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("JIEDAO_GC_FREEZE", "0")
    monkeypatch.setattr(gc_settle, "_settled", False)
    frozen = gc.get_freeze_count()
    assert gc_settle.settle_after_start() is False
    assert gc.get_freeze_count() == frozen


def test_the_youngest_generation_threshold_is_set_when_asked(monkeypatch):
    before = gc.get_threshold()
    monkeypatch.setenv("JIEDAO_GC_FREEZE", "0")
    monkeypatch.setenv("JIEDAO_GC_GEN0", "20000")
    try:
        gc_settle.settle_after_start()
        assert gc.get_threshold() == (20000, before[1], before[2])
    finally:
        gc.set_threshold(*before)


def test_a_bad_threshold_names_the_setting(monkeypatch):
    monkeypatch.setenv("JIEDAO_GC_GEN0", "lots")
    with pytest.raises(ValueError, match="JIEDAO_GC_GEN0 must be a whole number from 100 to 1000000"):
        gc_settle.settle_after_start()
