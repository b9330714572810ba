"""Work on many long-lived objects without Python's cyclic garbage collector walking them again
and again.

A full collection scans every object that is alive, so while a piece of work builds up a large
structure (the parsed snapshots of hundreds of regions, WeasyPrint's boxes and PDF objects), each
collection during that work costs more than the one before and the time grows faster than the
data: with 300 interventions the collector took 3.3 of 11 s of a PDF's layout, and most of the
synthesis page's time at 290 regions. Reference counting still frees everything that holds no
cycle; the cycles left behind are collected at the collector's next run after the block.
"""

import contextlib
import gc


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause the cyclic garbage collector for the block (see the module). Nested uses leave it
    to the outermost, which enables it again on leaving, also after an error; a block entered
    with the collector already off leaves it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
