"""ui.heap: the long-lived heap is frozen out of full garbage collections a bounded number of times
per process, after the script runs FREEZE_AFTER_RUNS names, each time after a collection."""
import itertools

from ui import heap


def test_freezes_after_the_named_runs_only(monkeypatch):
    done = []
    monkeypatch.setattr(heap, "_runs", itertools.count(1))
    monkeypatch.setattr(heap.gc, "collect", lambda: done.append("collect"))
    monkeypatch.setattr(heap.gc, "freeze", lambda: done.append("freeze"))
    frozen_at = []
    for run in range(1, 1001):
        before = len(done)
        heap.after_script_run()
        if len(done) > before:
            frozen_at.append(run)
    assert frozen_at == sorted(heap.FREEZE_AFTER_RUNS) and done == ["collect", "freeze"] * len(frozen_at)
