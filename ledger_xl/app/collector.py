"""Pausing Python's cyclic garbage collector around work that allocates millions of objects.

Reading a workbook builds an object per cell, merging branch files a record per row, writing
one a tuple per cell: none of them form reference cycles, and reference counting frees them
all the same, but at 100,000 rows the collector's full passes over the growing heap took most
of a read's time and a third of a merge's (bench/README.md)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused(collect_after: bool = False) -> Iterator[None]:
    """The cyclic collector off inside the block (as it was afterwards). `collect_after` runs
    one collection at the end, for work whose objects do refer to each other (a written
    workbook's: freed only by the collector)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        if collect_after:
            gc.collect()
