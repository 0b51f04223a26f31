"""Query latency of the dashboard at scale, against the naive pandas approach.

    python -m precompute demo --scale 10000000 --out /tmp/scale10m.duckdb   # once (minutes)
    python -m bench.queries /tmp/scale10m.duckdb [--repeat 7] [--no-pages]

For every data_layer query the pages issue, on representative slices, prints cold (first
call on a fresh connection) and warm p50/p95 latency, then the same question answered the
way a user would otherwise write it (tables loaded into pandas, filtered and grouped there)
with the ratio ours/naive, the process's peak memory, and page render times through AppTest.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

from bench.cases import naive_cases, query_cases
from data_layer.store import Store


def _timed(fn, repeat: int) -> tuple[float, list[float]]:
    t = time.perf_counter()
    fn()
    cold = time.perf_counter() - t
    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t)
    return cold, warm


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(store: Store, repeat: int) -> dict[str, tuple[float, float, float]]:
    timings = {}
    for name, fn in query_cases(store):
        cold, warm = _timed(fn, repeat)
        timings[name] = (cold, _p(warm, 50) * 1000, _p(warm, 95) * 1000)
    return timings


def print_table(store: Store, timings: dict, repeat: int) -> None:
    naive = naive_cases(store)
    print(f"\n{'query':<36} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'naive p50':>10} {'ours/naive':>10}")
    for name, (cold, p50, p95) in timings.items():
        naive_txt, ratio_txt = "", ""
        if name in naive.cases:
            _, nwarm = _timed(naive.cases[name], max(2, repeat // 3))
            n50 = _p(nwarm, 50) * 1000
            naive_txt, ratio_txt = f"{n50:10.1f}", f"{p50 / n50:10.3f}"
        print(f"{name:<36} {cold * 1000:8.1f} {p50:8.1f} {p95:8.1f} {naive_txt:>10} {ratio_txt:>10}")
    print(f"\nnaive approach: loading the tables into pandas took {naive.load_seconds:.1f} s "
          f"and {naive.load_mb:,.0f} MiB more (not counted in its per-query times)")


def run_pages(path: Path) -> None:
    from streamlit.testing.v1 import AppTest
    os.environ["ATLAS_STORE"] = str(path)
    root = Path(__file__).resolve().parents[1]
    pages = sorted(str(p.relative_to(root)) for p in (root / "views").glob("*.py"))
    print(f"\n{'page (AppTest)':<34} {'first ms':>9} {'again ms':>9}")
    for page in pages:
        at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        at.run()  # the default page; then the page under test
        t = time.perf_counter()
        at.switch_page(page).run()
        first = time.perf_counter() - t
        t = time.perf_counter()
        at.run()
        again = time.perf_counter() - t
        status = " (exception!)" if at.exception else ""
        print(f"{page:<34} {first * 1000:9.0f} {again * 1000:9.0f}{status}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store", type=Path)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--no-pages", action="store_true")
    args = p.parse_args()
    store = Store(args.store)
    rows = store.scalar("SELECT count(*) FROM item_scores")
    print(f"store {args.store}: {rows:,} item-score rows, "
          f"{os.path.getsize(args.store) / 2**20:,.0f} MiB on disk")
    timings = run_ours(store, args.repeat)
    if not args.no_pages:
        run_pages(args.store)
    print(f"\npeak resident memory of the app-like process (our queries"
          f"{'' if args.no_pages else ' + page renders'}): {_rss_mb():,.0f} MiB")
    print_table(store, timings, args.repeat)


if __name__ == "__main__":
    main()
