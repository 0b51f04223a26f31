"""One annotator's own page (views/annotator.py): which annotator of which task it is, who they are
(their demographics as stored and the groups these map to), and their items: their label, the
other annotators' distribution without them, each run's most likely label and distribution.
Their agreement numbers are annotator_agreement's, asked for one annotator of one task."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from data_layer.groups import GROUP_ATTRIBUTES
from data_layer.queries.common import slice_runs_sql
from data_layer.slice import Slice
from data_layer.store import Result, Store


def rated_tasks(store: Store, sl: Slice) -> Result:
    """The slice's tasks with per-annotator ratings: task_id, name, n_annotators (for the chooser)."""
    where, params = sl.item_filters_only().where(scope="item", alias="s")
    df = store.df(f"""SELECT s.task_id, t.name, count(DISTINCT s.annotator_id)::INTEGER AS n_annotators
                      FROM annotator_sums s JOIN tasks t USING (task_id) WHERE {where}
                      GROUP BY ALL ORDER BY s.task_id""", params)
    return Result.of(df, "No task of this slice has ratings with annotator ids (the tasks release label "
                         "counts only, or the filters leave none), so there is no annotator to open.")


def task_annotators(store: Store, task_id: str) -> Result:
    """A task's annotators with their number of ratings, most first (for the chooser)."""
    df = store.df("""SELECT annotator_id, count(*)::INTEGER AS n_ratings FROM annotations
                     WHERE task_id = ? AND annotator_id IS NOT NULL GROUP BY ALL
                     ORDER BY n_ratings DESC, annotator_id""", [task_id])
    return Result.of(df, f"Task {task_id!r} has no ratings with annotator ids.")


def locate(store: Store, task_id: str, annotator_id: str) -> Result:
    """One row: task_id, task_name, dataset, n_ratings (theirs in this task) and other_tasks (the
    other tasks of the dataset they rated); None with a message for an unknown task or annotator."""
    task = store.rows("SELECT dataset, name FROM tasks WHERE task_id = ?", [task_id])
    if not task:
        return Result(None, f"There is no task {task_id!r} in this store.")
    dataset, name = task[0]
    rated = dict(store.rows("""SELECT task_id, count(*) FROM annotations WHERE annotator_id = ?
                               AND task_id IN (SELECT task_id FROM tasks WHERE dataset = ?)
                               GROUP BY ALL ORDER BY task_id""", [annotator_id, dataset]))
    if task_id not in rated:
        where = (f"; they rated items of {', '.join(repr(t) for t in rated)}" if rated else
                 f": no annotator of dataset {dataset!r} has this id")
        return Result(None, f"Annotator {annotator_id!r} has no ratings in task {task_id!r}{where}.")
    return Result(pd.DataFrame([{"task_id": task_id, "task_name": name, "dataset": dataset,
                                 "n_ratings": rated[task_id], "other_tasks": [t for t in rated if t != task_id]}]))


def profile(store: Store, dataset: str, task_id: str, annotator_id: str) -> Result:
    """Their demographics, one row per field: field, value (as stored), attribute (the grouping
    attribute the field feeds in this task, if any) and group (the group that value maps to)."""
    raw = store.scalar("SELECT demographics FROM annotators WHERE dataset = ? AND annotator_id = ?",
                       [dataset, annotator_id])
    values = json.loads(raw) if isinstance(raw, str) else {}
    feeds = dict(store.rows("SELECT field, attribute FROM group_attributes WHERE task_id = ?", [task_id]))
    groups = dict(store.rows("SELECT attribute, group_name FROM annotator_groups WHERE dataset = ? "
                             "AND annotator_id = ?", [dataset, annotator_id]))
    rows = [{"field": k, "value": None if v is None else str(v),
             "attribute": GROUP_ATTRIBUTES.get(feeds[k]).label if k in feeds else None,
             "group": groups.get(feeds.get(k))} for k, v in values.items()]
    return Result.of(pd.DataFrame(rows, columns=["field", "value", "attribute", "group"]),
                     f"No demographics are recorded for annotator {annotator_id!r} of dataset {dataset!r}.")


def _their_ratings(store: Store, sl: Slice, task_id: str, annotator_id: str) -> pd.DataFrame:
    """Their ratings of the slice's items of this task, with the item's label counts."""
    where, params = sl.item_filters_only().with_(tasks=(task_id,)).where(scope="item", alias="h")
    return store.df(f"""
        SELECT h.item_key, a.item_id, it.text, a.label,
               t.label_names[list_position(t.labels, a.label)] AS label_name,
               list_position(t.labels, a.label) - 1 AS label_index, h.counts, h.n_annotators, t.label_names
        FROM annotations a JOIN tasks t USING (task_id)
        JOIN human_dist h ON h.task_id = a.task_id AND h.item_id = a.item_id
        JOIN items it ON it.task_id = a.task_id AND it.item_id = a.item_id
        WHERE a.task_id = ? AND a.annotator_id = ? AND {where} ORDER BY h.item_key""",
                    [task_id, annotator_id, *params])


def _run_predictions(store: Store, sl: Slice, task_id: str, item_keys: list[int]) -> pd.DataFrame:
    """The slice's runs on these items: item_key, run_id, model_argmax, probs, from item_runs (sorted by item,
    then run: an annotator's items sit in the task's few row groups, where item_scores joined with
    model_dist on string keys read every run's rows). The runs are the slice's runs with rows in
    the task (score_sums carries every facet); the items were filtered by _their_ratings."""
    runs, params = slice_runs_sql(sl.with_(tasks=(task_id,)))
    # the key range lets zone maps skip row groups, which list_contains alone does not
    # list_position of the maximum: its first occurrence, as item_metrics' model_argmax (numpy's argmax)
    return store.df(f"""SELECT item_key, run_id, list_position(probs, list_max(probs)) - 1 AS model_argmax, probs
                        FROM item_runs
                        WHERE item_key BETWEEN ? AND ? AND list_contains(?::INTEGER[], item_key)
                          AND run_id IN ({runs})
                        ORDER BY run_id, item_key""", [min(item_keys), max(item_keys), item_keys, *params])


def annotator_items(store: Store, sl: Slice, task_id: str, annotator_id: str) -> Result:
    """Their items: item_id, text, label (theirs, by name), others (the other annotators' label
    distribution, without them), n_others, others_agreeing (share of the others with their label),
    runs_agreeing (share of the slice's runs whose most likely label is theirs), n_runs, and per run
    `<run_id>` (its most likely label) and `<run_id> dist`. attrs['runs']: the run ids, in order."""
    df = _their_ratings(store, sl, task_id, annotator_id)
    if not len(df):
        return Result(None, f"Annotator {annotator_id!r} rated no item of task {task_id!r} in this slice.")
    names, mine = list(df["label_names"].iloc[0]), df["label_index"].to_numpy()
    others = np.stack(df["counts"].map(np.asarray)) - np.eye(len(names), dtype=int)[mine]
    n_others = others.sum(axis=1)
    shares = others / np.maximum(n_others, 1)[:, None]
    out = pd.DataFrame({"item_id": df["item_id"], "text": df["text"], "label": df["label_name"],
                        "others": [s.tolist() if n else None for s, n in zip(shares, n_others, strict=True)],
                        "n_others": n_others,
                        "others_agreeing": np.where(n_others > 0, shares[np.arange(len(df)), mine], np.nan)})
    runs = _run_predictions(store, sl, task_id, df["item_key"].tolist())
    run_ids, argmax, dists = _per_run(runs, df["item_key"].to_numpy())
    # per rating x run (an annotator who rated an item twice has two rows, each with its label)
    known = argmax >= 0
    n_runs, agree = known.sum(axis=0), ((argmax == mine[None, :]) & known).sum(axis=0)
    out["runs_agreeing"] = np.where(n_runs > 0, agree / np.maximum(n_runs, 1), np.nan)  # over runs with a label
    out["n_runs"] = n_runs
    label_of = np.array([*names, None], dtype=object)  # index -1 (no row for the item): None
    columns = {}
    for r, run_id in enumerate(run_ids):
        columns[run_id], columns[f"{run_id} dist"] = label_of[argmax[r]], dists[r]
    out = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    out.attrs["runs"] = run_ids
    return Result(out)


def _per_run(runs: pd.DataFrame, item_keys: np.ndarray) -> tuple[list[str], np.ndarray, list[list]]:
    """(run ids in order; run x rating most likely label index, -1 where the run has no row for the
    item; per run, each rating's distribution (an array) or None), in numpy: a pandas merge and a
    reindex per run cost more than the query at 10M rows."""
    codes, run_ids = pd.factorize(runs["run_id"].to_numpy(dtype=object), sort=True)
    run_ids = [str(r) for r in run_ids]
    if not len(runs):
        return run_ids, np.full((0, len(item_keys)), -1), []
    keys = np.unique(item_keys)
    at = np.full((len(run_ids), len(keys)), -1)
    at[codes, np.searchsorted(keys, runs["item_key"].to_numpy())] = np.arange(len(runs))
    where = at[:, np.searchsorted(keys, item_keys)]  # run x rating -> row of runs, or -1
    best = runs["model_argmax"].to_numpy(dtype=float, na_value=np.nan)
    argmax = np.where(where >= 0, np.nan_to_num(best, nan=-1).astype(int)[where], -1)
    # one task: every row has its label count. Rows of the stacked array, not Python lists (making
    # 50k lists of floats was a third of the query at 10M); tables and the CSV take either
    probs = list(np.stack(runs["probs"].to_numpy()))
    dists = [[probs[j] if j >= 0 else None for j in row] for row in where.tolist()]
    return run_ids, argmax, dists
