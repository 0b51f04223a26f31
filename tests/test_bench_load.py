"""bench/load.py stays runnable: its protocol client renders real pages on a real server (one
process, the demo store) and notices a page that fails. It asserts no timing."""
import asyncio
import math

import pytest

from bench import load

pytestmark = pytest.mark.slow


def test_the_protocol_client_renders_every_page_and_reports_cpu_and_memory(demo_store_path, tmp_path):
    with load.served(1, demo_store_path, tmp_path / "server.log") as server:
        for page in [*load.CASES, "mixed"]:
            b = load.burst(server, page, load.plan_for(page, 2), timeout=120)
            assert b.errors == 0 and len(b.times) == 2, page
            assert all(math.isfinite(t) and t > 0 for t in b.times) and b.cpu_per_render > 0
        assert b.peak_mib > 50
        nexts, sidebar = asyncio.run(load._session_steps(server.base, 2))
        assert len(nexts) == len(sidebar) == 2


def test_a_page_that_cannot_open_its_store_counts_as_an_error(tmp_path):
    with load.served(1, tmp_path / "missing.duckdb", tmp_path / "server.log") as server:
        b = load.burst(server, "overview", load.plan_for("overview", 1), timeout=60)
    assert b.errors == 1


def test_a_store_other_than_the_demo_gets_its_own_tasks_and_items(demo_store_path, tmp_path):
    from precompute.build import build_store
    from precompute.scale import scale_study
    assert load.cases_for(demo_store_path) == load.CASES
    path = tmp_path / "scale.duckdb"
    build_store(scale_study(60_000), path, show_progress=False)  # 75 items per task
    cases = load.cases_for(path)
    assert cases["overview"][1] == {"tasks": "synthetic-00"} and cases["bands"][1] == {"tasks": "synthetic-01"}
    assert [c["item"] for c in cases["item"]] == [f"synthetic-00-{j:06d}" for j in range(49, 53)]
    assert load.CASES["item"][0]["task"] == "demo-nli"  # the demo's cases are left as they are
