"""Build-time metric computation: vectorised numpy vs a per-row scipy loop.

    python -m bench.metrics_throughput [--rows 1000000] [--loop-rows 20000]

Prints rows/s for `compute_item_metrics` on ROWS random items (K=2,3,5 mixed as in a real
store) and for the obvious per-row scipy loop on LOOP-ROWS items, and the speed-up.
Target: >= 1M rows/s and >= 50x the loop.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy, wasserstein_distance

from data_layer.metrics import KL_EPS, compute_item_metrics


def _random(rows: int, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    h = rng.dirichlet(np.ones(k), size=rows)
    m = rng.dirichlet(np.ones(k), size=rows)
    return h, m


def vectorised(rows: int, rng) -> float:
    parts = [_random(rows // 3, k, rng) for k in (2, 3, 5)]
    t = time.perf_counter()
    for (h, m), k in zip(parts, (2, 3, 5)):
        compute_item_metrics(h, m, ordinal=k == 5)
    return (rows // 3 * 3) / (time.perf_counter() - t)


def scipy_loop(rows: int, rng) -> float:
    h, m = _random(rows, 5, rng)
    labels = np.arange(5)
    t = time.perf_counter()
    for a, b in zip(h, m):
        0.5 * np.abs(a - b).sum()
        jensenshannon(a, b, base=2) ** 2
        entropy(a, (b + KL_EPS) / (1 + 5 * KL_EPS))
        -(a * np.log(np.maximum(b, 1e-12))).sum()
        wasserstein_distance(labels, labels, a, b)
        entropy(b) - entropy(a)
    return rows / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--loop-rows", type=int, default=20_000)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    fast = vectorised(args.rows, rng)
    slow = scipy_loop(args.loop_rows, rng)
    print(f"{'approach':<28} {'rows/s':>14}")
    print(f"{'numpy (compute_item_metrics)':<28} {fast:>14,.0f}")
    print(f"{'per-row scipy loop':<28} {slow:>14,.0f}")
    print(f"speed-up: {fast / slow:,.0f}x  (targets: >= 1,000,000 rows/s and >= 50x)")


if __name__ == "__main__":
    main()
