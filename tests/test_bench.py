"""The benchmark stays runnable: every case it times calls today's query API, and its sample
counts are what its docs say. It asserts no timing (targets live in the benchmark's output)."""
import math
import time

import pytest

from bench import queries


def test_every_benchmark_case_runs_on_a_real_store_and_is_reported(demo_store, monkeypatch, capsys):
    monkeypatch.setattr(queries, "FAST_CALLS", 2)
    timings = queries.run_ours(demo_store, repeat=1)
    assert len(timings) > 60 and all(math.isfinite(v) and v >= 0 for t in timings.values() for v in t)
    queries.print_table(demo_store, timings, repeat=1, naive=True)
    out = capsys.readouterr().out
    assert all(name[:44] in out for _, name in timings)
    assert "item page: p95 = " in out and "with a text search in the order: p95 = " in out
    assert "naive/ours" in out and "x  ok" in out  # the naive side ran and was compared


@pytest.mark.parametrize(("seconds", "repeat", "slow", "calls"),
                         [(0.0, 5, 5.0, queries.FAST_CALLS), (0.0, 30, 5.0, 30), (0.12, 3, 5.0, 3), (0.12, 3, 0.05, 1)])
def test_fast_calls_get_enough_samples_for_a_p95(seconds, repeat, slow, calls):
    made = []
    cold, warm = queries._timed(lambda: (made.append(1), time.sleep(seconds)), repeat, slow)
    assert len(warm) == calls and len(made) == calls + 1 and cold >= seconds
