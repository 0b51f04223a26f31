"""Individual annotators: how typical is each annotator of the crowd (leave-one-out agreement),
how often each run's majority label is theirs, which annotators the models match best and worst,
per slice (one annotator's own page of items: annotator_page.py)."""
from __future__ import annotations

import pandas as pd

from data_layer.queries.common import add_model_type, best_and_worst, slice_runs_sql
from data_layer.slice import Slice
from data_layer.store import Result, Store

MIN_ITEMS = 10  # annotators with fewer rated items in the slice are marked: their shares are noisy


def annotator_agreement(store: Store, sl: Slice, annotator_id: str | None = None) -> Result:
    """One row per annotator (only `annotator_id`'s rows when given): dataset, annotator_id, n_items,
    loo_agreement (mean over their items of the share of the item's other annotators who gave the
    same label), few_items (n_items < MIN_ITEMS) and demographics (JSON). Summed from the build's
    annotator_sums (tested equal to the ratings)."""
    where, params = _where(sl, annotator_id)
    df = store.df(f"""WITH s AS (SELECT dataset, annotator_id, sum(n_items)::INTEGER AS n_items,
                                        sum(sum_loo) / nullif(sum(n_loo), 0) AS loo_agreement
                                 FROM annotator_sums WHERE {where} GROUP BY dataset, annotator_id)
        SELECT s.*, an.demographics FROM s LEFT JOIN annotators an USING (dataset, annotator_id)
        ORDER BY loo_agreement DESC, dataset, annotator_id""", params)
    df["few_items"] = df["n_items"] < MIN_ITEMS
    return Result.of(df, "No item of this slice has ratings with annotator ids (the tasks release label "
                         "counts only, or the filters leave none)." if annotator_id is None else
                         f"Annotator {annotator_id!r} rated no item of this slice that has at least two ratings.")


def _where(sl: Slice, annotator_id: str | None) -> tuple[str, list]:
    """The slice's item filters over annotator_sums / annotator_run_sums, and one annotator if given."""
    where, params = sl.item_filters_only().where(scope="item")
    return (where, params) if annotator_id is None else (f"{where} AND annotator_id = ?", [*params, annotator_id])


def annotator_model_agreement(store: Store, sl: Slice, annotator_id: str | None = None) -> Result:
    """One row per annotator x run of the slice (only `annotator_id`'s when given): dataset,
    annotator_id, task_id (the task with most of their items, where a link opens their page), run_id,
    display_name, model_type, n_items, n_known (items where the run has a most likely label),
    model_agreement (share of those where it is their label; one minus LeWiDi 2025 task B's error
    rate), few_items. Summed from annotator_run_sums, runs filtered through score_sums."""
    items, params = _where(sl, annotator_id)
    runs, rparams = slice_runs_sql(sl)
    df = store.df(f"""WITH s AS (SELECT dataset, annotator_id, run_id, sum(n_items)::INTEGER AS n_items,
                                        sum(n_known)::INTEGER AS n_known,
                                        sum(n_agree) / nullif(sum(n_known), 0) AS model_agreement
                                 FROM annotator_run_sums WHERE {items}
                                   AND run_id IN ({runs})
                                 GROUP BY dataset, annotator_id, run_id),
        per_task AS (SELECT dataset, annotator_id, task_id, sum(n_items) AS n FROM annotator_sums
                     WHERE {items} GROUP BY ALL),
        main AS (SELECT dataset, annotator_id, first(task_id ORDER BY n DESC, task_id) AS task_id
                 FROM per_task GROUP BY ALL)
        SELECT s.dataset, s.annotator_id, main.task_id, s.run_id, m.display_name, m.training, r.reasoning,
               s.n_items, s.n_known, s.model_agreement
        FROM s JOIN main USING (dataset, annotator_id) JOIN runs r USING (run_id) JOIN models m USING (model_id)""",
                  [*params, *rparams, *params])
    if not len(df):
        return Result(None, "No run of this slice scored items with per-annotator ratings.")
    df["few_items"] = df["n_items"] < MIN_ITEMS
    return Result(add_model_type(df).sort_values(["run_id", "model_agreement", "dataset", "annotator_id"],
                                                 ascending=[True, False, True, True], ignore_index=True))


def matched_annotators(agreement: pd.DataFrame, run_id: str, k: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best, worst): the k annotators with at least MIN_ITEMS items whose labels the run's majority
    matches most and least often (ties by more items)."""
    return best_and_worst(agreement[agreement["run_id"] == run_id], "model_agreement", False, k)
