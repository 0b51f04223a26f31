"""Bootstrap intervals over items, vectorised, seeded and deterministic (pure numpy/scipy).

Resampling scheme: the Poisson bootstrap (Hanley & MacGibbon 2006; Chamandy et al. 2012).
Each resample gives every item an integer weight w drawn from Poisson(1) rounded to steps of
1/256 (w = 0, 1, 2, 3, 4, 5 with probabilities 94, 94, 47, 16, 4, 1 / 256; mean = variance =
1.0039, so intervals are within 0.2% of exact Poisson(1) weights), and every statistic is
computed on the weighted sample. A row (run x item) inherits its item's weight, so the runs,
groups and both sides of a paired comparison in one call are resampled jointly. For the sample
sizes the app shows this is equivalent to the classical multinomial bootstrap, and it is what
makes 1,000 resamples of 100k items cost a fraction of a second: every statistic here is a
function of weighted column sums (Spearman's too, through tie groups), so a matrix product per
block of resamples serves every statistic of the call.

The interval is the percentile interval: the 2.5th and 97.5th percentiles of the resampled
statistic (resamples where it is undefined, e.g. a correlation of a constant, are left out and
counted in `n_undefined`). Same data, same seed -> same numbers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse
from scipy.stats import poisson

N_RESAMPLES = 1000
SEED = 20260126
CONFIDENCE = 0.95
SPARSE_F1_CLASSES = 4  # macro-F1 over more classes than this uses sparse design columns
CHUNK = 8  # fewest resamples per block (large n): keeps the weight block in cache

# w = #{t in _THRESHOLDS : u >= t} for a uniform byte u: Poisson(1) quantised to 1/256
_THRESHOLDS = np.round(poisson.cdf(np.arange(16), 1.0) * 256).astype(np.int64)
_THRESHOLDS = _THRESHOLDS[_THRESHOLDS < 256].astype(np.uint8)


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
    """A statistic of weighted rows: `columns()` are per-row values (a dense array or a scipy
    sparse matrix, rows x p) whose weighted sums `finish` turns into the statistic."""
    n: int  # rows the statistic rests on

    def columns(self): ...

    def finish(self, sums: np.ndarray) -> np.ndarray: ...  # (c, p) -> (c,)


def poisson_weights(rng: np.random.Generator, c: int, n: int) -> np.ndarray:
    """c x n float32 matrix of quantised Poisson(1) weights (see the module docstring)."""
    u = np.frombuffer(rng.bytes(c * n), dtype=np.uint8).reshape(c, n)
    acc = np.zeros((c, n), dtype=np.uint8)
    hit = np.empty((c, n), dtype=bool)
    for t in _THRESHOLDS:
        np.greater_equal(u, t, out=hit)
        np.add(acc, hit.view(np.uint8), out=acc)
    return acc.astype(np.float32)


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
        if getattr(self, "_cols", None) is None:
            self._cols = self._columns()
        return self._cols

    def _columns(self) -> np.ndarray:
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
        if getattr(self, "_cols", None) is None:
            self._cols = self._columns()
        return self._cols

    def _columns(self) -> np.ndarray:
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
    resample: an item of weight w counts w times, ties share their mid-rank. Computed from the
    weighted counts of the joint (x, y) tie groups, so it is a function of column sums like
    the others (the columns are a sparse one-hot of the joint group)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        valid = ~(np.isnan(x) | np.isnan(y))
        self.valid = valid
        self.n, self.rows = int(valid.sum()), len(x)
        _, gx = np.unique(x[valid], return_inverse=True)
        uy, gy = np.unique(y[valid], return_inverse=True)
        joint, jinv = np.unique(gx * max(len(uy), 1) + gy, return_inverse=True)
        self.jx, self.jy = joint // max(len(uy), 1), joint % max(len(uy), 1)
        self.ax = sparse.csr_matrix((np.ones(len(joint)), (np.arange(len(joint)), self.jx)))
        self.ay = sparse.csr_matrix((np.ones(len(joint)), (np.arange(len(joint)), self.jy)))
        self._cols = sparse.csr_matrix((np.ones(self.n, dtype=np.float32), (np.flatnonzero(valid), jinv)),
                                       shape=(len(x), len(joint)))

    def columns(self):
        return self._cols

    @staticmethod
    def _midranks(w: np.ndarray) -> np.ndarray:
        return np.cumsum(w, axis=1) - w + (w + 1) / 2

    def finish(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        if self.n < 2 or s.shape[1] == 0:
            return np.full(len(s), np.nan)
        wx, wy = np.asarray(s @ self.ax), np.asarray(s @ self.ay)
        rx, ry = self._midranks(wx), self._midranks(wy)
        tw = s.sum(axis=1)
        sx, sy = (wx * rx).sum(axis=1), (wy * ry).sum(axis=1)
        vx = (wx * rx * rx).sum(axis=1) - _safe_div(sx * sx, tw)
        vy = (wy * ry * ry).sum(axis=1) - _safe_div(sy * sy, tw)
        cov = (s * rx[:, self.jx] * ry[:, self.jy]).sum(axis=1) - _safe_div(sx * sy, tw)
        ok = (vx > 1e-9 * np.maximum(tw, 1) ** 3) & (vy > 1e-9 * np.maximum(tw, 1) ** 3)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.clip(np.where(ok, cov / np.sqrt(np.where(ok, vx * vy, 1.0)), np.nan), -1, 1)


class Difference:
    """left statistic minus right statistic; rows = the left statistic's rows, then the right's
    (e.g. two runs on the same items, each row mapped to its item)."""

    def __init__(self, left, right):
        self.left, self.right = left, right
        self.n = min(left.n, right.n)
        self._split = left.columns().shape[1]
        self.left_rows = left.columns().shape[0]

    def columns(self):
        a, b = self.left.columns(), self.right.columns()
        if sparse.issparse(a) or sparse.issparse(b):
            return sparse.block_diag([sparse.csr_matrix(a), sparse.csr_matrix(b)], format="csr")
        out = np.zeros((a.shape[0] + b.shape[0], a.shape[1] + b.shape[1]))
        out[:a.shape[0], :a.shape[1]] = a
        out[a.shape[0]:, a.shape[1]:] = b
        return out

    def finish(self, s: np.ndarray) -> np.ndarray:
        p = self._split
        return self.left.finish(s[:, :p]) - self.right.finish(s[:, p:])


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
        if getattr(self, "_cols", None) is None:
            self._cols = self._columns()
        return self._cols

    def _columns(self):
        if self.positive is None and self.k > SPARSE_F1_CLASSES:
            return self._sparse_columns()
        classes = [self.positive] if self.positive is not None else range(self.k)
        cols = []
        for c in classes:
            t, p = (self.truth == c) & self.valid, (self.pred == c) & self.valid
            cols += [t & p, ~t & p & self.valid, t & ~p]
        return np.column_stack(cols).astype(float) if cols else np.zeros((len(self.truth), 0))

    def _sparse_columns(self) -> sparse.csr_matrix:
        """The same tp/fp/fn indicator columns as a sparse matrix: a row has at most two ones
        out of 3k columns, and macro-F1 over many (task, label) classes (a slice of 20 tasks
        has ~80) would otherwise make the bootstrap a dense product 1000 x rows x 3k."""
        rows = np.flatnonzero(self.valid)
        t, p = self.truth[rows], self.pred[rows]
        hit = t == p
        r = np.r_[rows[hit], rows[~hit], rows[~hit]]
        c = np.r_[3 * t[hit], 3 * t[~hit] + 2, 3 * p[~hit] + 1]
        return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(self.truth), 3 * self.k))

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


class UnitMean:
    """Mean of per-unit statistics (e.g. one Pearson per run x task) weighted by each unit's
    (weighted) count of valid rows; units where the statistic is undefined are left out, in the
    observed sample and in every resample. `units` = [(statistic, rows)], `rows` being the
    positions (0..n_rows-1) of the unit's rows; each statistic must expose `valid` (its rows
    that count). The columns are the units' columns side by side, each preceded by its valid
    count, and zero outside the unit's rows (sparse unless there is a single dense unit).
    Units resting on fewer than `min_n` rows count as undefined and are dropped. `n` = rows of
    the units defined on the observed sample; `n_units`, `n_undefined` count units."""

    def __init__(self, units: list[tuple[object, np.ndarray]], n_rows: int, min_n: int = 1):
        self.n_units, self.n_rows = len(units), n_rows
        self.units = [(s, rows) for s, rows in units if s.n >= min_n]
        est = [estimate(s) for s, _ in self.units]
        self.n = int(sum(s.n for (s, _), e in zip(self.units, est, strict=True) if e is not None))
        self.n_undefined = self.n_units - sum(e is not None for e in est)
        self._cols = None

    def columns(self):
        if self._cols is None:
            self._cols = self._columns()
        return self._cols

    def _columns(self):
        blocks, order = [], []
        for s, rows in self.units:
            c = s.columns()
            valid = np.asarray(s.valid, dtype=np.float32).reshape(-1, 1)
            blocks.append(sparse.hstack([sparse.csr_matrix(valid), sparse.csr_matrix(c)], format="csr")
                          if sparse.issparse(c) else np.hstack([valid, np.asarray(c)]))
            order.append(np.asarray(rows, dtype=np.int64))
        order = np.concatenate(order) if order else np.zeros(0, np.int64)
        if len(blocks) == 1 and not sparse.issparse(blocks[0]):
            out = np.zeros((self.n_rows, blocks[0].shape[1]))
            out[order] = blocks[0]
            return out
        stacked = sparse.block_diag(blocks, format="csr") if blocks else sparse.csr_matrix((0, 0))
        full = sparse.vstack([stacked, sparse.csr_matrix((self.n_rows - len(order), stacked.shape[1]))],
                             format="csr") if self.n_rows > len(order) else stacked
        rest = np.setdiff1d(np.arange(self.n_rows), order)
        index = np.empty(self.n_rows, np.int64)
        index[order], index[rest] = np.arange(len(order)), np.arange(len(order), self.n_rows)
        return full[index]

    def finish(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        num, den, at = np.zeros(len(s)), np.zeros(len(s)), 0
        for stat, _ in self.units:
            p = stat.columns().shape[1]
            n, v = s[:, at], stat.finish(s[:, at + 1:at + 1 + p])
            ok = ~np.isnan(v) & (n > 0)
            num += np.where(ok, n * np.where(ok, v, 0.0), 0.0)
            den += np.where(ok, n, 0.0)
            at += 1 + p
        return _safe_div(num, den)


# ------------------------------------------------------------------ the engine
def bootstrap(stats: Mapping[str, tuple[object, np.ndarray]], n_items: int,
              n_resamples: int = N_RESAMPLES, seed: int = SEED,
              confidence: float = CONFIDENCE) -> dict[str, Interval]:
    """Percentile intervals for several statistics, resampled jointly over the same items.

    `stats[name] = (statistic, row_item)`: `row_item[r]` (0..n_items-1) is the item of the
    statistic's row r. Items, not rows, are resampled: all rows of an item (e.g. several runs,
    or both sides of a paired comparison) share its weight in every resample.
    """
    blocks = _design_blocks(stats, n_items)
    out = {k: np.empty(n_resamples) for k in stats}
    rng = np.random.default_rng(seed)
    chunk = int(np.clip(2 ** 20 // max(n_items, 1), CHUNK, 512))
    for c0 in range(0, n_resamples, chunk):
        c = min(chunk, n_resamples - c0)
        w = poisson_weights(rng, c, n_items)
        for items, design, spans in blocks:
            wb = w if items is None else w[:, items]
            sums = (design.T @ wb.T).T if sparse.issparse(design) else wb @ design
            sums = np.asarray(sums, dtype=float)
            for k, cols in spans:
                out[k][c0:c0 + c] = stats[k][0].finish(sums[:, cols])
    alpha = (1 - confidence) / 2
    result = {}
    for k, (s, _) in stats.items():
        est = estimate(s)
        vals = out[k][~np.isnan(out[k])]
        lo, hi = np.quantile(vals, [alpha, 1 - alpha]) if len(vals) and est is not None else (None, None)
        result[k] = Interval(est, None if lo is None else float(lo), None if hi is None else float(hi),
                             s.n, n_resamples, int(np.isnan(out[k]).sum()))
    return result


def estimate(stat, n_rows: int | None = None) -> float | None:
    """The statistic on the observed sample (every weight 1); None when undefined."""
    sums = np.asarray(stat.columns().sum(axis=0), dtype=float).reshape(1, -1)
    v = stat.finish(sums)
    return None if np.isnan(v[0]) else float(v[0])


def _compact(row_item: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct items, position of each row's item among them), in O(n) without sorting."""
    present = np.bincount(row_item, minlength=n_items) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present), position[row_item]


def _item_sums(stat, inv: np.ndarray, n: int):
    """Column sums per item (inv: each row's position among the statistic's items); the two
    sides of a Difference are summed separately, so no zero-padded block is ever built."""
    if isinstance(stat, Difference):
        k = stat.left_rows
        a, b = _item_sums(stat.left, inv[:k], n), _item_sums(stat.right, inv[k:], n)
        if sparse.issparse(a) or sparse.issparse(b):
            return sparse.hstack([sparse.csr_matrix(a), sparse.csr_matrix(b)], format="csr")
        return np.hstack([a, b])
    cols = stat.columns()
    if len(inv) == n and not sparse.issparse(cols) and np.array_equal(inv, np.arange(n)):
        return np.asarray(cols)
    to_item = sparse.csr_matrix((np.ones(len(inv), dtype=np.float32), (inv, np.arange(len(inv)))),
                                shape=(n, len(inv)))
    return to_item @ cols


def _design_blocks(stats: Mapping[str, tuple[object, np.ndarray]], n_items: int) -> list:
    """Per-item column sums of each statistic, grouped by the set of items it touches (e.g.
    one block per band) so each resample multiplies only those items' weights; sparse
    statistics (Spearman) get their own block. [(items or None for all, design, spans)], spans
    being (statistic key, its column indices in the design)."""
    by_items: dict[bytes, dict] = {}
    singles = []
    for k, (s, row_item) in stats.items():
        items, inv = _compact(np.asarray(row_item, dtype=np.int64), n_items)
        summed = _item_sums(s, inv, len(items))
        full = len(items) == n_items  # unique + sorted, so this is 0..n_items-1
        if sparse.issparse(summed):
            singles.append((None if full else items, summed.tocsr().astype(np.float32),
                            [(k, np.arange(summed.shape[1]))]))
            continue
        entry = by_items.setdefault(items.tobytes(), {"items": None if full else items, "parts": []})
        entry["parts"].append((k, np.asarray(summed)))
    blocks = []
    for entry in by_items.values():
        unique = _UniqueColumns()
        spans = [(k, np.array([unique.add(col) for col in part.T], dtype=np.int64))
                 for k, part in entry["parts"]]
        blocks.append((entry["items"], unique.matrix(), spans))
    return blocks + singles


class _UniqueColumns:
    """Collects design columns, storing each distinct column once (statistics of one call
    often share columns, e.g. the valid-row counts, or both sides of a paired difference)."""

    def __init__(self):
        self.cols: list[np.ndarray] = []
        self.index: dict[tuple, list[int]] = {}

    def add(self, col: np.ndarray) -> int:
        col = np.ascontiguousarray(col, dtype=np.float32)
        key = (float(col.sum(dtype=np.float64)), float(col[::97].sum(dtype=np.float64)), len(col))
        for j in self.index.get(key, []):
            if np.array_equal(self.cols[j], col):
                return j
        self.cols.append(col)
        self.index.setdefault(key, []).append(len(self.cols) - 1)
        return len(self.cols) - 1

    def matrix(self) -> np.ndarray:
        return np.column_stack(self.cols) if self.cols else np.zeros((0, 0), np.float32)


def interval_of_mean(x: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Interval:
    """Convenience: mean of x (one row per item) with its percentile interval."""
    x = np.asarray(x, dtype=float)
    return bootstrap({"mean": (Mean(x), np.arange(len(x)))}, len(x), n_resamples, seed)["mean"]
