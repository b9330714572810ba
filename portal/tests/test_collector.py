"""``portal.collector.cyclic_gc_paused``: the collector is off inside, and back as it was after."""

import gc

import pytest

from portal.collector import cyclic_gc_paused


def test_the_collector_is_paused_inside_and_resumed_by_the_outermost_use():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one leaves it to the outer one
    assert gc.isenabled()


def test_the_collector_is_resumed_after_an_error_and_left_off_if_it_was_off():
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
