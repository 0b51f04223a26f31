"""The app's long-lived heap kept out of Python's full garbage collections.

A full collection (generation 2) walks every container object the process holds: after the first
pages have run, that is the imported libraries (pandas, pyarrow, plotly and its validators, DuckDB,
Streamlit) and the shared caches, hundreds of thousands of objects that live as long as the
process. Python ran one every 20-30 renders, 130-150 ms of CPU each: 5-7 ms of every render on
average, and 10 ms more for every render of the burst it fell in. `gc.freeze()` moves the objects
alive at that moment to a generation the collector does not walk; objects made later are collected
as before, and frozen ones are still freed when their last reference goes (only a frozen object
caught in a reference cycle stays). Freezing after a few script runs, at growing intervals, takes in
what the first pages imported and built; it happens a bounded number of times per process, so what
it keeps of the sessions alive at those moments is bounded too."""
from __future__ import annotations

import gc
import itertools

FREEZE_AFTER_RUNS = frozenset({1, 8, 64, 512})  # script runs of this process
_runs = itertools.count(1)


def after_script_run() -> None:
    """Count this run; at the runs of FREEZE_AFTER_RUNS, collect once and freeze what survives."""
    if next(_runs) in FREEZE_AFTER_RUNS:
        gc.collect()
        gc.freeze()
