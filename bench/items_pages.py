"""Render time of the Items, Item and Data pages on the demo store (AppTest, in-process).

Prints one row per page: the first render (cold query cache) and the median of warm re-renders.
Module imports (plotly, pandas, ...) happen once per server process and are done before timing.
Target (issue 5): every page under 1.5 s on the demo store. Run: python bench/items_pages.py
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PAGES = [("items", "views/items.py", {}),
         ("items, sorted by gap, page 5", "views/items.py", {"sort": "gap", "page": "5"}),
         ("items, text search", "views/items.py", {"q": "referee"}),
         ("item", "views/item.py", {"task": "demo-nli", "item": "demo-nli-0049"}),
         ("data", "views/data.py", {})]
REPEATS = 5


def render(path: str, query: dict) -> float:
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def main() -> None:
    from precompute.build import build_store
    from precompute.demo import demo_study
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "demo.duckdb"
        build_store(demo_study(0), store, show_progress=False)
        os.environ["ATLAS_STORE"] = str(store)
        os.chdir(ROOT)
        import plotly.express  # noqa: F401  one-time import per server process, not per page render
        import streamlit as st
        print(f"{'page':32} {'cold s':>8} {'warm s (median of ' + str(REPEATS) + ')':>24} {'< 1.5 s':>8}")
        for name, path, query in PAGES:
            st.cache_data.clear()
            cold = render(path, query)
            warm = statistics.median(render(path, query) for _ in range(REPEATS))
            print(f"{name:32} {cold:8.2f} {warm:24.2f} {'yes' if max(cold, warm) < 1.5 else 'NO':>8}")


if __name__ == "__main__":
    main()
