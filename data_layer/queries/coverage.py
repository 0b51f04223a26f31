"""How much of the slice each run covers: is there anything to analyse (scored run x item rows, in
one count), and which runs predict only some of the slice's items ("50 of 60")?

A run's coverage is counted against the slice's items in the tasks the run was run on at all, the
same count the build and `info` print ("predictions for 50 of 1,599 items"): a run made for one task
is not called partial because the slice also holds another task. A partial run's means rest on its
own items only, so they are compared with the baselines on those items (queries/same_items.py).
"""
from __future__ import annotations

import pandas as pd

from data_layer.slice import Slice
from data_layer.store import Result, Store


def scored_rows(store: Store, sl: Slice) -> int:
    """Number of run x item rows with metrics in the slice."""
    where, params = sl.where()
    return int(store.scalar(f"SELECT count(*) FROM item_scores WHERE {where}", params) or 0)


def run_coverage(store: Store, sl: Slice) -> pd.DataFrame:
    """Per run in the slice: run_id, display_name, training, items (its scored items in the slice),
    items_in_slice (the slice's items in the run's tasks) and coverage ("all 60", "50 of 60").
    From score_sums and human_dist (thousands of rows at any scale)."""
    where, params = sl.where()
    item_where, item_params = sl.where("item")
    df = store.df(
        f"WITH covered AS (SELECT run_id, display_name, training, sum(n_rows)::BIGINT AS items "
        f"FROM score_sums WHERE {where} GROUP BY ALL), "
        "run_tasks AS (SELECT DISTINCT run_id, task_id FROM score_sums WHERE run_id IN (SELECT run_id FROM covered)), "
        f"slice_items AS (SELECT task_id, count(*) AS n FROM human_dist WHERE {item_where} GROUP BY task_id) "
        "SELECT c.run_id, c.display_name, c.training, c.items, sum(s.n)::BIGINT AS items_in_slice "
        "FROM covered c JOIN run_tasks t USING (run_id) JOIN slice_items s USING (task_id) "
        "GROUP BY ALL ORDER BY c.run_id", [*params, *item_params])
    df["coverage"] = [coverage_text(n, total) for n, total in zip(df["items"], df["items_in_slice"], strict=True)]
    return df


def coverage_text(items: int, total: int) -> str:
    """'all 60' when a run predicts every item, else '50 of 60'."""
    return f"all {total:,}" if items >= total else f"{items:,} of {total:,}"


def partial_runs(store: Store, sl: Slice) -> Result:
    """The runs of the slice that predict fewer of its items than it has (in their tasks), with a
    sentence naming them; None (with a message) when every run covers every item."""
    df = run_coverage(store, sl)
    df = df[df["items"] < df["items_in_slice"]].reset_index(drop=True)
    if not len(df):
        return Result(None, "Every run in this slice has predictions for all of its items (in the tasks it was run on).")
    named = "; ".join(f"{r.display_name}: predictions for {r.items:,} of {r.items_in_slice:,} items"
                      for r in df.itertuples(index=False))
    return Result(df, f"Not every run covers this slice ({named}): a run's numbers rest on the items it "
                      "predicts, and a model type's means pool its runs' items.")
