"""Runs that predict each annotator's own label (LeWiDi 2025 task B, perspectivist): how far off they
are per run and task, against a reference that ignores who the annotator is (the item's other
annotators' most common label, or their median on ordinal tasks), which annotators a run predicts best
and worst, and one annotator's predictions (the Annotator page). Read from the build's
`annotator_predictions` (precompute/annotator_predictions.py): per task, an item's score is the mean
error over its predicted annotators, a run's the mean over items, as the task's official scorer does."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from data_layer.queries.annotator_agreement import MIN_ITEMS  # one threshold for "few items" per annotator
from data_layer.queries.common import add_model_type, best_and_worst, slice_runs_sql
from data_layer.slice import Slice
from data_layer.stats import interval_of_mean
from data_layer.store import Result, Store

MEASURE = {"nominal": "error rate", "ordinal": "absolute distance / scale points"}
NONE_MESSAGE = ("No run of this slice predicts individual annotators' labels. Import one with "
                "kind = \"annotator_labels\" (a LeWiDi 2025 task B file `*_pe.tsv`, or one row per item and "
                "annotator), or elicit one from a model with predict = \"annotators\": docs/study-file.md.")


def _where(sl: Slice, extra: str = "", extra_params: tuple = ()) -> tuple[str, list]:
    """The slice's item filters on annotator_predictions, its runs through score_sums, and `extra`."""
    items, iparams = sl.item_filters_only().where(scope="item", alias="p")
    runs, rparams = slice_runs_sql(sl)
    where = f"{items} AND p.run_id IN ({runs})" + extra
    return where, [*iparams, *rparams, *extra_params]


def perspectivist_scores(store: Store, sl: Slice) -> Result:
    """One row per run x task: measure, score (mean over items of the item's mean error) and its 95%
    bootstrap interval over items, crowd (the reference's score on the same ratings), difference
    (score - crowd) with its interval, beats_crowd (the interval is below 0), n_items, n_ratings."""
    where, params = _where(sl)
    items = store.df(f"""SELECT p.run_id, p.task_id, t.scale, p.item_key, avg(p.error) AS e,
                                avg(p.crowd_error) AS c, count(*) AS n
                         FROM annotator_predictions p JOIN tasks t USING (task_id)
                         WHERE {where} GROUP BY ALL ORDER BY ALL""", params)
    if not len(items):
        return Result(None, NONE_MESSAGE)
    rows = [_scores(run_id, task_id, part) for (run_id, task_id), part in items.groupby(["run_id", "task_id"])]
    out = pd.DataFrame(rows)
    runs = store.df("SELECT r.run_id, m.display_name, m.training, r.reasoning, r.method FROM runs r "
                    "JOIN models m USING (model_id) WHERE list_contains(?, r.run_id)",
                    [sorted(out["run_id"].unique())])
    out = add_model_type(out.merge(runs, on="run_id"))
    return Result(out[["run_id", "display_name", "model_type", "method", "task_id", "measure", "score", "lo", "hi",
                       "crowd", "difference", "diff_lo", "diff_hi", "beats_crowd", "n_items", "n_ratings"]]
                  .sort_values(["task_id", "score", "run_id"], ignore_index=True))


def _scores(run_id: str, task_id: str, part: pd.DataFrame) -> dict:
    e, c = part["e"].to_numpy(float), part["c"].to_numpy(float)
    both = ~np.isnan(c)
    score, diff = interval_of_mean(e), interval_of_mean(e[both] - c[both])
    if len(e) < 2:  # one item: resampling it gives a point, not an interval
        score, diff = replace(score, lo=None, hi=None), replace(diff, lo=None, hi=None)
    return {"run_id": run_id, "task_id": task_id, "measure": MEASURE[part["scale"].iloc[0]],
            "score": score.estimate, "lo": score.lo, "hi": score.hi,
            "crowd": float(c[both].mean()) if both.any() else None, "difference": diff.estimate,
            "diff_lo": diff.lo, "diff_hi": diff.hi, "beats_crowd": diff.hi is not None and diff.hi < 0,
            "n_items": len(part), "n_ratings": int(part["n"].sum())}


def annotators_predicted(store: Store, sl: Slice, run_id: str) -> Result:
    """One row per annotator the run predicts in the slice: dataset, annotator_id, task_id (the task with
    most of their predicted ratings), error (mean over their predicted ratings), crowd_error, n_items,
    few_items; best predicted first."""
    where, params = _where(sl, " AND p.run_id = ?", (run_id,))
    df = store.df(f"""SELECT p.dataset, p.annotator_id, mode(p.task_id) AS task_id, avg(p.error) AS error,
                             avg(p.crowd_error) AS crowd_error, count(*)::INTEGER AS n_items
                      FROM annotator_predictions p WHERE {where} GROUP BY ALL
                      ORDER BY error, n_items DESC, dataset, annotator_id""", params)
    df["few_items"] = df["n_items"] < MIN_ITEMS
    return Result.of(df, f"Run {run_id!r} predicts no annotator's label on this slice.")


def best_and_worst_predicted(annotators: pd.DataFrame, k: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best, worst): the k annotators with at least MIN_ITEMS predicted items with the lowest and the
    highest error (ties by more items)."""
    return best_and_worst(annotators, "error", True, k)


def one_annotator(store: Store, sl: Slice, task_id: str, annotator_id: str) -> Result:
    """One annotator of one task: per run of the slice that predicts them, error and crowd_error (means
    over their predicted items) and n_items."""
    where, params = _where(sl, " AND p.task_id = ? AND p.annotator_id = ?", (task_id, annotator_id))
    df = store.df(f"""SELECT p.run_id, m.display_name, m.training, r.reasoning, avg(p.error) AS error,
                             avg(p.crowd_error) AS crowd_error, count(*)::INTEGER AS n_items
                      FROM annotator_predictions p JOIN runs r USING (run_id) JOIN models m USING (model_id)
                      WHERE {where} GROUP BY ALL ORDER BY error, p.run_id""", params)
    return Result.of(add_model_type(df) if len(df) else df,
                     f"No run of this slice predicts annotator {annotator_id!r}'s labels on task {task_id!r}.")


def scores_sentence(scores: pd.DataFrame) -> str:
    """In words: per task, the best run and whether runs beat the crowd reference."""
    parts = []
    for task_id, part in scores.groupby("task_id", sort=True):
        best = part.sort_values("score").iloc[0]
        beat = int(part["beats_crowd"].sum())
        parts.append(f"On {task_id}, {best['display_name']} ({best['run_id']}) predicts annotators best: "
                     f"{best['measure']} {best['score']:.3f} over {best['n_items']:,} items, against "
                     f"{best['crowd']:.3f} for the crowd reference; {beat} of {len(part)} run(s) beat that "
                     "reference beyond their 95% interval.")
    return " ".join(parts)
