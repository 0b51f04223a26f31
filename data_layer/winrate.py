"""Win rates over matched settings, in the style of Ni et al.'s Table 1 (pure pandas/scipy).

A *setting* is one combination of the matching keys (e.g. task x model pair x method x
steering); each side of a comparison has one value per setting. Rules, stated wherever a
table is shown (`RULES`):

- the left side *wins* a setting when its value is better than the right side's, given the
  metric's direction; an exact tie counts as a win for the left side (as in the paper);
- when the right side is a set of settings (e.g. RLHF without and with CoT), the right value
  is the *better* of them in that setting ("RLVR vs the better RLHF setting"); a setting
  needs the left value and at least one right value, otherwise it is left out;
- significance: Wilcoxon signed-rank test (two-sided, scipy, zero differences dropped) of
  left - right over the matched settings.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

RULES = ("Win rate = share of matched settings where the left side is better than the right side; "
         "ties count as wins for the left side. Where the right side lists several settings, the "
         "better of them is used in each matched setting. p: two-sided Wilcoxon signed-rank test "
         "of left − right over the matched settings (zero differences dropped).")


@dataclass(frozen=True)
class Comparison:
    name: str  # e.g. "RLVR > RLHF"
    left: str  # side value
    right: tuple[str, ...]  # side values; the better one is used per setting


@dataclass(frozen=True)
class WinRate:
    win_rate: float | None  # percent
    n: int  # matched settings
    wins: int
    ties: int
    p: float | None
    mean_diff: float | None  # mean of left - right


def better_of(values: np.ndarray, direction: str) -> np.ndarray:
    """Row-wise best of a settings x sides array (NaN = missing), by the metric's direction."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    if direction == "higher":
        key = np.where(missing, -np.inf, -values)
    elif direction == "lower":
        key = np.where(missing, np.inf, values)
    else:
        key = np.where(missing, np.inf, np.abs(values))
    best = np.take_along_axis(values, key.argmin(axis=1)[:, None], axis=1)[:, 0]
    return np.where(missing.all(axis=1), np.nan, best)


def win_rate(left: np.ndarray, right: np.ndarray, direction: str) -> WinRate:
    """Left vs right over settings (aligned arrays, NaN rows dropped); ties go to the left."""
    left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    keep = ~(np.isnan(left) | np.isnan(right))
    left, right = left[keep], right[keep]
    n = len(left)
    if not n:
        return WinRate(None, 0, 0, 0, None, None)
    if direction == "higher":
        strict = left > right
    elif direction == "lower":
        strict = left < right
    else:
        strict = np.abs(left) < np.abs(right)
    ties = left == right
    wins = int((strict | ties).sum())
    diff = left - right
    p = None
    if np.any(diff != 0):
        p = float(wilcoxon(diff, zero_method="wilcox", alternative="two-sided").pvalue)
    return WinRate(100.0 * wins / n, n, wins, int(ties.sum()), p, float(diff.mean()))


def win_rate_table(long: pd.DataFrame, settings: Sequence[str], side: str, value: str,
                   columns: Sequence[str], comparisons: Sequence[Comparison],
                   direction_of: Callable[[tuple], str]) -> pd.DataFrame:
    """One row per comparison x table column (the `columns` keys, e.g. subset x metric), with
    win_rate (%), n, wins, ties, p, mean_diff and direction. `long` has one value per
    setting x side x column."""
    rows = []
    for col_key, part in long.groupby(list(columns), sort=False):
        col_key = col_key if isinstance(col_key, tuple) else (col_key,)
        direction = direction_of(col_key)
        wide = part.pivot_table(index=list(settings), columns=side, values=value, aggfunc="first")
        for comp in comparisons:
            if comp.left not in wide.columns or not any(r in wide.columns for r in comp.right):
                continue
            right = better_of(wide.reindex(columns=list(comp.right)).to_numpy(dtype=float), direction)
            wr = win_rate(wide[comp.left].to_numpy(dtype=float), right, direction)
            rows.append({"comparison": comp.name, **dict(zip(columns, col_key, strict=True)),
                         "direction": direction, **wr.__dict__})
    return pd.DataFrame(rows)
