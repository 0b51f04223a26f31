"""Banding scheme registry: how items are grouped into disagreement bands.

Band assignment happens once, at build time (each scheme is one column of
`human_dist`, and its edges are written to `band_edges`). The app only reads.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer.registry import Registry

# Fixed cuts on normalised entropy. On a binary task 0.5 corresponds to a minority share of
# about 11% and 0.9 to about 32%, so "high" starts just below Ni et al.'s 1/3 HighVar
# threshold and "low" is near-unanimity; the same cuts apply to any number of labels
# because entropy_norm = H / ln K is scale-free.
FIXED_CUTS = (0.5, 0.9)

# Bins of normalised human entropy for the "metric by human entropy" views: bin b holds
# b/ENTROPY_BINS <= entropy_norm < (b+1)/ENTROPY_BINS (the last bin includes 1). Stored per item
# at build time (human_dist.entropy_bin), so the pre-aggregated tables can be keyed by it.
ENTROPY_BINS = 10
# Collapse: a model's normalised entropy more than this below (above) the human one counts as
# over- (under-) confident; counted per run x task x band at build time (score_sums).
COLLAPSE_MARGIN = 0.05


def entropy_bin_sql(column: str, n_bins: int = ENTROPY_BINS) -> str:
    """SQL for the entropy bin of `column`; `entropy_bins` is the same in numpy."""
    return f"least(floor({column} * {int(n_bins)}), {int(n_bins) - 1})::INTEGER"


def entropy_bins(entropy_norm, n_bins: int = ENTROPY_BINS) -> np.ndarray:
    """The entropy bin of each value (as entropy_bin_sql), for the build and reference code."""
    x = np.asarray(entropy_norm, dtype=float)
    return np.minimum(np.floor(x * n_bins), n_bins - 1).astype(np.int32)


@dataclass(frozen=True)
class BandScheme:
    name: str
    label: str
    description: str
    definition: str
    column: str
    bands: tuple[str, ...]  # ordered from least to most disagreement
    assign: Callable[[pd.DataFrame], tuple[np.ndarray, list[dict]]]

    @property
    def high_band(self) -> str:
        return self.bands[-1]


def _fixed(df: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    lo, hi = FIXED_CUTS
    x = df["entropy_norm"].to_numpy()
    out = np.where(x < lo, "low", np.where(x < hi, "medium", "high"))
    edges = []
    for task in df["task_id"].unique():
        edges += [dict(task_id=task, band="low", lower=0.0, upper=lo),
                  dict(task_id=task, band="medium", lower=lo, upper=hi),
                  dict(task_id=task, band="high", lower=hi, upper=1.0)]
    return out, edges


def _tertile(df: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    out = np.empty(len(df), dtype=object)
    edges = []
    for task, idx in df.groupby("task_id", sort=True).indices.items():
        x = df["entropy_norm"].to_numpy()[idx]
        q1, q2 = np.quantile(x, [1 / 3, 2 / 3])
        out[idx] = np.where(x <= q1, "low", np.where(x <= q2, "medium", "high"))
        edges += [dict(task_id=task, band="low", lower=float(x.min()), upper=float(q1)),
                  dict(task_id=task, band="medium", lower=float(q1), upper=float(q2)),
                  dict(task_id=task, band="high", lower=float(q2), upper=float(x.max()))]
    return out, edges


def _highvar(df: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    # tasks differ in their number of labels, so reduce row by row rather than stacking
    n = np.fromiter((int(np.sum(c)) for c in df["counts"]), dtype=np.int64, count=len(df))
    top = np.fromiter((int(np.max(c)) for c in df["counts"]), dtype=np.int64, count=len(df))
    dissenters = n - top
    minority = dissenters / np.maximum(n, 1)
    high = (dissenters >= 2) & (minority >= 1 / 3 - 1e-12) & (minority <= 0.5 + 1e-12)
    edges = []
    for t in df["task_id"].unique():  # bounds are on the dissenting share, not on entropy
        edges += [dict(task_id=t, band="rest", lower=None, upper=None),
                  dict(task_id=t, band="highvar", lower=1 / 3, upper=0.5)]
    return np.where(high, "highvar", "rest"), edges


BAND_SCHEMES: Registry[BandScheme] = Registry("banding scheme")

BAND_SCHEMES.register(BandScheme(
    "fixed", "Fixed entropy cuts",
    f"Same cuts for every task on normalised human entropy: low < {FIXED_CUTS[0]} ≤ medium < "
    f"{FIXED_CUTS[1]} ≤ high. On a binary task, low means a minority share under ~11% and high a "
    "minority share of ~32% or more.",
    f"low: H/ln K < {FIXED_CUTS[0]}; medium: {FIXED_CUTS[0]} ≤ H/ln K < {FIXED_CUTS[1]}; "
    f"high: H/ln K ≥ {FIXED_CUTS[1]}",
    "band_fixed", ("low", "medium", "high"), _fixed))
BAND_SCHEMES.register(BandScheme(
    "tertile", "Within-task tertiles",
    "Each task's items split at the 1/3 and 2/3 quantiles of its own normalised entropy, so every "
    "task contributes a low, medium and high third. Items tied at an edge go to the lower band, so "
    "tasks with many unanimous items have a larger low band.",
    "low: x ≤ q(1/3); medium: q(1/3) < x ≤ q(2/3); high: x > q(2/3); x = H/ln K, quantiles per task",
    "band_tertile", ("low", "medium", "high"), _tertile))
BAND_SCHEMES.register(BandScheme(
    "highvar", "Ni et al. HighVar",
    "Ni et al.'s high-variance subset: at least two annotators disagree with the majority label and "
    "the share disagreeing with it is between 1/3 and 1/2. Everything else is 'rest'.",
    "highvar: (n − max_k c_k) ≥ 2 and 1/3 ≤ (n − max_k c_k)/n ≤ 1/2; rest otherwise",
    "band_highvar", ("rest", "highvar"), _highvar))

ALL_BANDS = tuple(dict.fromkeys(b for s in BAND_SCHEMES for b in s.bands))
