"""Render time per dashboard page through AppTest on the demo store (target: < 1.5 s each).

Usage: python bench/page_render.py [--repeat N]
Prints, per page, the cold render (query cache empty, store already open) and the warm
render (same session, cache filled), best of N.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
TARGET_S = 1.5


def _pages() -> list[str]:
    return sorted(p.stem for p in (ROOT / "views").glob("*.py") if p.stem != "__init__")


def _cases() -> list[tuple[str, str, dict[str, str]]]:
    """Every page once (the Item page needs an item), plus the Items page's heavier views."""
    item = {"task": "demo-nli", "item": "demo-nli-0049"}
    cases = [(page, page, item if page == "item" else {}) for page in _pages()]
    return cases + [("items, sorted by gap, page 5", "items", {"sort": "gap", "page": "5"}),
                    ("items, text search", "items", {"q": "referee"})]


def _time(page: str, query: dict[str, str], cold: bool) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()  # the default page; opens the store (cached resource, as in a running server)
    at.switch_page(f"views/{page}.py")
    if cold:
        st.cache_data.clear()
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].message}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" chatter
    from data_layer.locate import ensure_demo_store
    os.environ.setdefault("ATLAS_STORE", str(ensure_demo_store()))
    os.chdir(ROOT)
    print(f"{'page':<30} {'cold s':>8} {'warm s':>8}  target < {TARGET_S} s")
    for label, page, q in _cases():
        cold = min(_time(page, q, cold=True) for _ in range(args.repeat))
        warm = min(_time(page, q, cold=False) for _ in range(args.repeat))
        flag = "" if max(cold, warm) < TARGET_S else "  OVER TARGET"
        print(f"{label:<30} {cold:>8.2f} {warm:>8.2f}{flag}")


if __name__ == "__main__":
    main()
