"""Individual annotators: how typical is each annotator of the crowd (leave-one-out agreement),
how often each run's majority label is theirs, which annotators the models match best and worst,
and one annotator's own page of items (their label, the crowd's distribution, the models')."""
from __future__ import annotations

import json

import pandas as pd

from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store

MIN_ITEMS = 10  # annotators with fewer rated items in the slice are marked: their shares are noisy


def annotator_agreement(store: Store, sl: Slice) -> Result:
    """One row per annotator: dataset, annotator_id, n_items, loo_agreement (mean over their items of
    the share of the item's other annotators who gave the same label), few_items (n_items < MIN_ITEMS)
    and demographics (JSON). Summed from the build's annotator_sums (tested equal to the ratings)."""
    where, params = sl.item_filters_only().where(scope="item")
    df = store.df(f"""WITH s AS (SELECT dataset, annotator_id, sum(n_items)::INTEGER AS n_items,
                                        sum(sum_loo) / nullif(sum(n_loo), 0) AS loo_agreement
                                 FROM annotator_sums WHERE {where} GROUP BY dataset, annotator_id)
        SELECT s.*, an.demographics FROM s LEFT JOIN annotators an USING (dataset, annotator_id)
        ORDER BY loo_agreement DESC, dataset, annotator_id""", params)
    df["few_items"] = df["n_items"] < MIN_ITEMS
    return Result.of(df, "No item of this slice has ratings with annotator ids (the tasks release label "
                         "counts only, or the filters leave none).")


def annotator_model_agreement(store: Store, sl: Slice) -> Result:
    """One row per annotator x run of the slice: dataset, annotator_id, run_id, display_name,
    model_type, n_items, model_agreement (share of their items where the run's most likely label is
    theirs, over the items where it has one; one minus LeWiDi 2025 task B's error rate), few_items.
    Summed from the build's annotator_run_sums, runs filtered through score_sums."""
    items, params = sl.item_filters_only().where(scope="item")
    runs, rparams = sl.where()
    df = store.df(f"""WITH s AS (SELECT dataset, annotator_id, run_id, sum(n_items)::INTEGER AS n_items,
                                        sum(n_agree) / nullif(sum(n_known), 0) AS model_agreement
                                 FROM annotator_run_sums WHERE {items}
                                   AND run_id IN (SELECT DISTINCT run_id FROM score_sums WHERE {runs})
                                 GROUP BY dataset, annotator_id, run_id)
        SELECT s.dataset, s.annotator_id, s.run_id, m.display_name, m.training, r.reasoning, s.n_items,
               s.model_agreement
        FROM s JOIN runs r USING (run_id) JOIN models m USING (model_id)""", [*params, *rparams])
    if not len(df):
        return Result(None, "No run of this slice scored items with per-annotator ratings.")
    df["few_items"] = df["n_items"] < MIN_ITEMS
    return Result(add_model_type(df).sort_values(["run_id", "model_agreement", "dataset", "annotator_id"],
                                                 ascending=[True, False, True, True], ignore_index=True))


def matched_annotators(agreement: pd.DataFrame, run_id: str, k: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best, worst): the k annotators with at least MIN_ITEMS items whose labels the run's majority
    matches most and least often (ties by more items)."""
    part = agreement[(agreement["run_id"] == run_id) & ~agreement["few_items"]]
    best = part.sort_values(["model_agreement", "n_items"], ascending=[False, False]).head(k)
    worst = part.sort_values(["model_agreement", "n_items"], ascending=[True, False]).head(k)
    return best.reset_index(drop=True), worst.reset_index(drop=True)


def annotator_items(store: Store, sl: Slice, dataset: str, annotator_id: str) -> Result:
    """One annotator's page: task_id, item_id, text, label (theirs), crowd_probs, n_annotators,
    others_agreeing (share of the other annotators with their label), runs_agreeing (share of the
    slice's runs whose majority is their label), n_runs. attrs['demographics'] holds theirs."""
    where, params = sl.where(alias="i")
    df = store.df(f"""
        SELECT a.task_id, a.item_id, it.text, a.label, h.probs AS crowd_probs, h.n_annotators,
               (h.counts[list_position(t.labels, a.label)] - 1) / greatest(h.n_annotators - 1, 1) AS others_agreeing,
               (SELECT avg((i.model_argmax + 1 = list_position(t.labels, a.label))::INTEGER) FROM item_scores i
                WHERE i.item_key = h.item_key AND {where}) AS runs_agreeing,
               (SELECT count(*) FROM item_scores i WHERE i.item_key = h.item_key AND {where})::INTEGER AS n_runs
        FROM annotations a JOIN tasks t USING (task_id)
        JOIN human_dist h ON h.task_id = a.task_id AND h.item_id = a.item_id
        JOIN items it ON it.task_id = a.task_id AND it.item_id = a.item_id
        WHERE t.dataset = ? AND a.annotator_id = ? ORDER BY a.task_id, h.item_key""",
                  [*params, *params, dataset, annotator_id])
    if not len(df):
        return Result(None, f"Annotator {annotator_id!r} of dataset {dataset!r} has no ratings in this store.")
    demo = store.scalar("SELECT demographics FROM annotators WHERE dataset = ? AND annotator_id = ?",
                        [dataset, annotator_id])
    df.attrs["demographics"] = json.loads(demo) if isinstance(demo, str) else {}
    return Result(df)
