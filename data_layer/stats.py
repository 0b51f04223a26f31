"""Bootstrap intervals over items, vectorised, seeded and deterministic (pure numpy).

Resampling scheme: the Poisson bootstrap. Each resample gives every item a weight
w ~ Poisson(1) (quantised to 1/65536, so weights are exact small integers 0..8) and every
statistic is computed on the weighted sample; a run x item row inherits its item's weight, so
all runs and groups of one call are resampled jointly (paired). For the sample sizes shown in
the app this is equivalent to the classical multinomial bootstrap (Hanley & MacGibbon 2006;
Chamandy et al. 2012) and it is what makes 1,000 resamples of 100k items cost well under a
second: every statistic below is a function of weighted sums, so one matrix product per chunk
of resamples serves every statistic of the call.

The interval is the percentile interval: the 2.5th and 97.5th percentiles of the resampled
statistic (resamples where the statistic is undefined, e.g. a correlation of a constant, are
left out and counted). Same data, same seed -> same numbers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.stats import poisson

N_RESAMPLES = 1000
SEED = 20260126
CONFIDENCE = 0.95
CHUNK = 16  # resamples per block: keeps the weight block in cache

_RESOLUTION = 65536
_THRESHOLDS = np.round(poisson.cdf(np.arange(16), 1.0) * _RESOLUTION).astype(np.int64)
_THRESHOLDS = _THRESHOLDS[_THRESHOLDS < _RESOLUTION]  # w = #{t : u >= t}, u uniform on 0..65535


@dataclass(frozen=True)
class Interval:
    """A statistic with its percentile interval and the number of items it rests on.
    `estimate` is None when the statistic is undefined on the sample."""
    estimate: float | None
    lo: float | None
    hi: float | None
    n: int
    n_resamples: int = N_RESAMPLES
    n_undefined: int = 0  # resamples on which the statistic was undefined

    @property
    def excludes_zero(self) -> bool:
        return self.lo is not None and (self.lo > 0 or self.hi < 0)


class Statistic(Protocol):
    """A statistic of weighted rows. `columns` are per-row values whose weighted sums
    `finish` turns into the statistic (linear statistics); a statistic that needs more than
    sums (ranks) implements `direct(row_weights)` instead and has no columns."""
    n: int

    def columns(self) -> np.ndarray: ...  # rows x p

    def finish(self, sums: np.ndarray) -> np.ndarray: ...  # (c, p) -> (c,)


def poisson_weights(rng: np.random.Generator, c: int, n: int) -> np.ndarray:
    """c x n float32 matrix of Poisson(1) weights (quantised to 1/65536)."""
    u = rng.integers(0, _RESOLUTION, size=(c, n), dtype=np.uint16)
    w = np.zeros((c, n), dtype=np.float32)
    hit = np.empty((c, n), dtype=bool)
    for t in _THRESHOLDS:
        np.greater_equal(u, t, out=hit)
        w += hit
    return w


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


# ------------------------------------------------------------------ statistics
class Mean:
    """Mean of x over rows where x is not NaN."""

    def __init__(self, x: np.ndarray):
        x = np.asarray(x, dtype=float)
        self.valid = ~np.isnan(x)
        self.x = np.where(self.valid, x, 0.0)
        self.centre = float(self.x.sum() / max(self.valid.sum(), 1))
        self.n = int(self.valid.sum())

    def columns(self) -> np.ndarray:
        return np.column_stack([self.valid, np.where(self.valid, self.x - self.centre, 0.0)])

    def finish(self, s: np.ndarray) -> np.ndarray:
        return _safe_div(s[:, 1], s[:, 0]) + self.centre


class Pearson:
    """Pearson r of x and y over rows where both are defined (NaN when either is constant)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.valid = ~(np.isnan(x) | np.isnan(y))
        self.n = int(self.valid.sum())
        v = self.valid
        self.x = np.where(v, x - (x[v].mean() if self.n else 0.0), 0.0)
        self.y = np.where(v, y - (y[v].mean() if self.n else 0.0), 0.0)

    def columns(self) -> np.ndarray:
        x, y = self.x, self.y
        return np.column_stack([self.valid, x, y, x * x, y * y, x * y])

    def finish(self, s: np.ndarray) -> np.ndarray:
        w, sx, sy, sxx, syy, sxy = (s[:, i].astype(float) for i in range(6))
        mx, my = _safe_div(sx, w), _safe_div(sy, w)
        cov = sxy - w * mx * my
        vx, vy = sxx - w * mx * mx, syy - w * my * my
        scale = np.maximum(np.abs(sxx), np.abs(syy)) + 1e-300
        ok = (vx > 1e-12 * scale) & (vy > 1e-12 * scale)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(ok, cov / np.sqrt(np.where(ok, vx * vy, 1.0)), np.nan)
        return np.clip(r, -1.0, 1.0)


class Spearman:
    """Spearman rho of x and y (Pearson r of mid-ranks). Under weights, ranks are those of the
    resample: an item of weight w counts w times, ties share their mid-rank."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = ~(np.isnan(x) | np.isnan(y))
        self.keep = np.flatnonzero(keep)
        self.n = int(keep.sum())
        self._x = self._ties(x[keep])
        self._y = self._ties(y[keep])

    @staticmethod
    def _ties(v: np.ndarray):
        order = np.argsort(v, kind="stable")
        sv = v[order]
        starts = np.flatnonzero(np.r_[True, sv[1:] != sv[:-1]]) if len(sv) else np.zeros(0, int)
        group = np.empty(len(v), dtype=np.int64)
        group[order] = np.cumsum(np.r_[True, sv[1:] != sv[:-1]]) - 1 if len(sv) else 0
        return order, starts, group

    def columns(self) -> np.ndarray:
        return np.zeros((0, 0))

    @staticmethod
    def _ranks(w: np.ndarray, ties) -> np.ndarray:
        order, starts, group = ties
        per_group = np.add.reduceat(w[:, order], starts, axis=1)
        mid = np.cumsum(per_group, axis=1) - per_group + (per_group + 1) / 2
        return mid[:, group]

    def direct(self, w: np.ndarray) -> np.ndarray:
        """w: c x rows weights (rows of the full frame); returns (c,)."""
        if self.n < 2:
            return np.full(len(w), np.nan)
        w = w[:, self.keep].astype(float)
        rx, ry = self._ranks(w, self._x), self._ranks(w, self._y)
        tw = w.sum(axis=1, keepdims=True)
        mx = _safe_div((w * rx).sum(axis=1, keepdims=True), tw)
        my = _safe_div((w * ry).sum(axis=1, keepdims=True), tw)
        dx, dy = rx - mx, ry - my
        cov = (w * dx * dy).sum(axis=1)
        vx, vy = (w * dx * dx).sum(axis=1), (w * dy * dy).sum(axis=1)
        ok = (vx > 1e-12) & (vy > 1e-12)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.clip(np.where(ok, cov / np.sqrt(np.where(ok, vx * vy, 1.0)), np.nan), -1, 1)


class F1:
    """F1 from class labels (ints, -1 = drop the row). With `positive` set: binary F1 of that
    class. Otherwise macro-F1 over the classes present in either labelling of the sample
    (scikit-learn's default). Classes are 0..k-1."""

    def __init__(self, truth: np.ndarray, pred: np.ndarray, k: int, positive: int | None = None):
        truth, pred = np.asarray(truth, dtype=np.int64), np.asarray(pred, dtype=np.int64)
        self.valid = (truth >= 0) & (pred >= 0)
        self.n = int(self.valid.sum())
        self.k, self.positive = k, positive
        self.truth, self.pred = truth, pred

    def columns(self) -> np.ndarray:
        classes = [self.positive] if self.positive is not None else range(self.k)
        cols = []
        for c in classes:
            t, p = (self.truth == c) & self.valid, (self.pred == c) & self.valid
            cols += [t & p, ~t & p & self.valid, t & ~p]
        return np.column_stack(cols).astype(float) if cols else np.zeros((len(self.truth), 0))

    def finish(self, s: np.ndarray) -> np.ndarray:
        tp, fp, fn = s[:, 0::3].astype(float), s[:, 1::3].astype(float), s[:, 2::3].astype(float)
        denom = 2 * tp + fp + fn
        f1 = _safe_div(2 * tp, denom)
        if self.positive is not None:
            return f1[:, 0]
        present = denom > 0
        with np.errstate(invalid="ignore"):
            return np.where(present.any(axis=1),
                            np.where(present, f1, 0.0).sum(axis=1) / np.maximum(present.sum(axis=1), 1),
                            np.nan)


# ------------------------------------------------------------------ the engine
def bootstrap(stats: Mapping[str, tuple[object, np.ndarray]], n_items: int,
              n_resamples: int = N_RESAMPLES, seed: int = SEED,
              confidence: float = CONFIDENCE) -> dict[str, Interval]:
    """Percentile intervals for several statistics, resampled jointly over the same items.

    `stats[name] = (statistic, row_item)`: `row_item[r]` (0..n_items-1) is the item of the
    statistic's row r. Items, not rows, are resampled: all rows of an item (e.g. several runs,
    or both sides of a paired comparison) share its weight in every resample.
    """
    linear = {k: v for k, v in stats.items() if not hasattr(v[0], "direct")}
    direct = {k: v for k, v in stats.items() if hasattr(v[0], "direct")}
    blocks = _design_blocks(linear, n_items)
    out = {k: np.empty(n_resamples) for k in stats}
    rng = np.random.default_rng(seed)
    chunk = int(np.clip(2 ** 21 // max(n_items, 1), CHUNK, 256))
    for c0 in range(0, n_resamples, chunk):
        c = min(chunk, n_resamples - c0)
        w = poisson_weights(rng, c, n_items)
        for items, design, spans in blocks:
            sums = ((w if items is None else w[:, items]) @ design).astype(float)
            for k, (a, b) in spans:
                out[k][c0:c0 + c] = linear[k][0].finish(sums[:, a:b])
        for k, (s, row_item) in direct.items():
            out[k][c0:c0 + c] = s.direct(w[:, row_item])
    alpha = (1 - confidence) / 2
    result = {}
    for k, (s, row_item) in stats.items():
        est = estimate(s, len(row_item))
        vals = out[k][~np.isnan(out[k])]
        lo, hi = np.quantile(vals, [alpha, 1 - alpha]) if len(vals) and est is not None else (None, None)
        result[k] = Interval(est, None if lo is None else float(lo), None if hi is None else float(hi),
                             s.n, n_resamples, int(np.isnan(out[k]).sum()))
    return result


def estimate(stat, n_rows: int) -> float | None:
    """The statistic on the observed sample (every weight 1); None when undefined."""
    if hasattr(stat, "direct"):
        v = stat.direct(np.ones((1, n_rows)))
    else:
        v = stat.finish(stat.columns().sum(axis=0, keepdims=True).astype(float))
    return None if np.isnan(v[0]) else float(v[0])


def _design_blocks(linear: Mapping[str, tuple[object, np.ndarray]], n_items: int) -> list:
    """Per-item column sums of each linear statistic, grouped by the set of items the
    statistic touches (e.g. one block per band), so each resample multiplies only the
    weights of those items: [(items or None for all, design float32, [(key, (a, b))])]."""
    by_items: dict[bytes, list] = {}
    for k, (s, row_item) in linear.items():
        items, inv = np.unique(np.asarray(row_item, dtype=np.int64), return_inverse=True)
        cols = s.columns()
        summed = np.column_stack([np.bincount(inv, weights=cols[:, j], minlength=len(items))
                                  for j in range(cols.shape[1])])
        by_items.setdefault(items.tobytes(), [items, []])[1].append((k, summed))
    blocks = []
    for items, parts in by_items.values():
        spans, start = [], 0
        for k, summed in parts:
            spans.append((k, (start, start + summed.shape[1])))
            start += summed.shape[1]
        design = np.hstack([p for _, p in parts]).astype(np.float32)
        full = len(items) == n_items  # unique + sorted, so this is 0..n_items-1
        blocks.append((None if full else items, design, spans))
    return blocks


def interval_of_mean(x: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Interval:
    """Convenience: mean of x (one row per item) with its percentile interval."""
    x = np.asarray(x, dtype=float)
    return bootstrap({"mean": (Mean(x), np.arange(len(x)))}, len(x), n_resamples, seed)["mean"]
