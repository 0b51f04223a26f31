"""Build step: annotator groups (data_layer/groups.py) as first-class data of the store.

From `annotators` (demographics JSON) and `annotations` (one row per rating), for every groupable
attribute a dataset has:
- `annotator_groups`: each annotator's group (raw value kept beside it);
- `group_dist`: per task, item, attribute and group, the group's label counts and shares, how many
  ratings it and the rest of the item's annotators gave, `thin` (fewer than MIN_GROUP_RATINGS), and
  the leave-group-out floor: every item metric between the group's distribution and the rest's;
- `group_scores`: every item metric between each run's distribution and each group's (thin ones
  marked: the measures leave them out unless the whole group has too few annotators to be anything
  but thin, as ArMIS's one-person groups);
- `group_cluster_sums` and `group_item_cover`: the terms of the item-clustered standard error per
  model type and group under any run filter (write_group_cluster_sums);
- `group_summary` (annotators, ratings, items per group; few_annotators marked) and
  `group_attributes` (which field an attribute was read from, ratings grouped, unknown, and the
  ratings without an annotator id, which cannot be grouped: dropped from group views and counted).
Validation as for human data: demographics that are not a JSON object, or an age that is neither a
number nor a bracket, stop the build with the dataset, annotator and field named.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from data_layer.groups import (
    GROUP_ATTRIBUTES,
    MIN_GROUP_ANNOTATORS,
    MIN_GROUP_RATINGS,
    UNKNOWN,
    GroupValueError,
    attribute_fields,
)
from data_layer.metrics import ITEM_METRICS, compute_item_metrics
from data_layer.schema import GROUP_CLUSTER_SUMS_SELECT, GROUP_ITEM_COVER_SELECT
from precompute.study import StudyError


def annotator_groups(annotators: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(annotator_groups rows, {dataset, attribute, field} rows) from annotators rows."""
    rows, fields = [], []
    for dataset, part in annotators.groupby("dataset", sort=True):
        demo = [_demographics(dataset, a, d) for a, d in zip(part["annotator_id"], part["demographics"],
                                                             strict=True)]
        found = attribute_fields(dict.fromkeys(k for d in demo for k in d))
        for attribute, field in found.items():
            to_group = GROUP_ATTRIBUTES.get(attribute).to_group
            fields.append({"dataset": dataset, "attribute": attribute, "field": field})
            for annotator, d in zip(part["annotator_id"], demo, strict=True):
                raw = d.get(field)
                try:
                    group = to_group(raw)
                except GroupValueError as e:
                    raise StudyError(f"dataset {dataset!r}, annotator {annotator!r}, field {field!r}: {e}") from e
                rows.append((dataset, str(annotator), attribute, group, None if raw is None else str(raw)))
    cols = ["dataset", "annotator_id", "attribute", "group_name", "raw_value"]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(fields, columns=["dataset", "attribute", "field"])


def _demographics(dataset: str, annotator, value) -> dict:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return {}
    try:
        d = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError as e:
        raise StudyError(f"dataset {dataset!r}, annotator {annotator!r}, field demographics: not JSON ({e})") from e
    if not isinstance(d, dict):
        raise StudyError(f"dataset {dataset!r}, annotator {annotator!r}, field demographics: expected an "
                         f"object of field -> value, got {type(d).__name__}")
    return d


def task_group_dists(task: dict, ratings: pd.DataFrame, groups: pd.DataFrame, human: pd.DataFrame,
                     field: str, attribute: str) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """One task and attribute: (group_dist rows, group_attributes row, group_summary rows).
    `ratings`: item_id, annotator_id, label of the task; `groups`: annotator_id -> group_name;
    `human`: the task's human_dist rows (item_id, item_key, counts)."""
    labels, k = list(task["labels"]), len(task["labels"])
    no_id = ratings["annotator_id"].isna().to_numpy()
    r = ratings[~no_id]
    group = r["annotator_id"].astype(str).map(dict(zip(groups["annotator_id"], groups["group_name"],
                                                       strict=True))).fillna(UNKNOWN)
    g_codes, g_names = pd.factorize(group, sort=True)
    items = pd.Index(human["item_id"].astype(str))
    i_codes = items.get_indexer(r["item_id"].astype(str))
    l_codes = pd.Index(labels).get_indexer(r["label"].astype(str))
    n_g = len(g_names)
    counts = np.bincount((i_codes * n_g + g_codes) * k + l_codes, minlength=len(items) * n_g * k)
    counts = counts.reshape(len(items), n_g, k)
    total = np.stack(human["counts"].to_numpy()).astype(np.int64)
    item_idx, grp_idx = np.nonzero(counts.sum(axis=2))
    own = counts[item_idx, grp_idx]
    rest = total[item_idx] - own
    n_own, n_rest = own.sum(axis=1), rest.sum(axis=1)
    probs = own / np.maximum(n_own, 1)[:, None]
    rest_p = rest / np.maximum(n_rest, 1)[:, None]
    floor = compute_item_metrics(probs, rest_p, task["scale"] == "ordinal")
    dist = pd.DataFrame({
        "task_id": task["task_id"], "item_id": items.to_numpy()[item_idx],
        "item_key": human["item_key"].to_numpy()[item_idx], "attribute": attribute,
        "group_name": np.asarray(g_names, dtype=object)[grp_idx], "counts": list(own.astype(np.int32)),
        "probs": list(probs), "n_ratings": n_own.astype(np.int32), "n_rest": n_rest.astype(np.int32),
        "thin": n_own < MIN_GROUP_RATINGS,
        **{f"floor_{m}": np.where(n_rest > 0, floor[m], np.nan) for m in ITEM_METRICS}})
    attr = {"task_id": task["task_id"], "attribute": attribute, "field": field, "n_groups": n_g,
            "n_ratings_grouped": int((group != UNKNOWN).sum()), "n_ratings_unknown": int((group == UNKNOWN).sum()),
            "n_ratings_without_annotator": int(no_id.sum())}
    summary = pd.DataFrame({"task_id": task["task_id"], "attribute": attribute, "group_name": r.assign(
        g=group)["g"]}).assign(annotator_id=r["annotator_id"].astype(str).to_numpy())
    summary = summary.groupby(["task_id", "attribute", "group_name"], as_index=False).agg(
        n_annotators=("annotator_id", "nunique"), n_ratings=("annotator_id", "size"))
    per_group = dist.groupby("group_name").agg(n_items=("item_id", "size"), n_items_thin=("thin", "sum"))
    summary = summary.join(per_group, on="group_name")
    summary["few_annotators"] = summary["n_annotators"] < MIN_GROUP_ANNOTATORS
    return dist, attr, summary


def write_group_tables(con, insert) -> dict:
    """Fill the group tables from the store's annotators, annotations, human_dist and model_dist
    (`insert(con, table, frame)` is the builder's). Returns {task_id: {attribute: counts}} for the
    build report."""
    annotators = con.execute("SELECT dataset, annotator_id, demographics FROM annotators").df()
    groups, fields = annotator_groups(annotators)
    insert(con, "annotator_groups", groups)
    tasks = con.execute("SELECT task_id, dataset, labels, scale FROM tasks ORDER BY task_id").df()
    run_keys = dict(con.execute("SELECT run_id, run_key FROM run_index").fetchall())
    group_keys: dict[str, dict[str, int]] = {}  # attribute -> group -> key, numbered as first met
    scored: dict[str, list[tuple[dict, pd.DataFrame]]] = {}  # attribute -> [(task, its group_dist rows)]
    report: dict = {}
    for task in tasks.to_dict("records"):
        found = fields[fields["dataset"] == task["dataset"]]
        if not len(found):
            continue
        ratings = con.execute("SELECT item_id, annotator_id, label FROM annotations WHERE task_id = ?",
                              [task["task_id"]]).df()
        if not len(ratings):
            continue
        human = con.execute("SELECT item_id, item_key, counts FROM human_dist WHERE task_id = ? ORDER BY item_key",
                            [task["task_id"]]).df()
        for attribute, field in zip(found["attribute"], found["field"], strict=True):
            mine = groups[(groups["dataset"] == task["dataset"]) & (groups["attribute"] == attribute)]
            dist, attr, summary = task_group_dists(task, ratings, mine, human, field, attribute)
            keys = group_keys.setdefault(attribute, {})
            for g in summary["group_name"]:  # sorted within a task; tasks in order: the same keys for the same input
                keys.setdefault(g, len(keys))
            if len(keys) > MAX_GROUPS:  # group_key is a SMALLINT: refuse rather than wrap around
                raise StudyError(f"dataset {task['dataset']!r}, field {field!r}: more than {MAX_GROUPS:,} "
                                 f"{attribute} groups over the study's tasks; is it a free-text field?")
            insert(con, "group_dist", dist)
            insert(con, "group_summary", summary.assign(group_key=summary["group_name"].map(keys).astype(np.int16)))
            insert(con, "group_attributes", pd.DataFrame([{"dataset": task["dataset"], **attr}]))
            if len(dist):
                scored.setdefault(attribute, []).append((task, dist[_SCORED].assign(
                    group_key=dist["group_name"].map(keys).astype(np.int16))))
            report.setdefault(task["task_id"], {})[attribute] = {
                k: attr[k] for k in ("n_groups", "n_ratings_unknown", "n_ratings_without_annotator")}
    _write_scores(con, insert, scored, run_keys)
    return report


MAX_GROUPS = int(np.iinfo(np.int16).max)  # distinct groups of one attribute (group_key SMALLINT)
_SCORED = ["task_id", "item_id", "item_key", "attribute", "group_name", "thin", "probs"]  # what _write_scores reads


def _write_scores(con, insert, scored: dict[str, list[tuple[dict, pd.DataFrame]]], run_keys: dict[str, int]) -> None:
    """group_scores: every run's metrics against each group's distribution on the items both have
    (`scored`: per attribute, each task with its group_dist rows and group_key; `run_keys`: run_index's
    run_id -> run_key). Written attribute by attribute, then run by run (by run_key), then task by
    task, so that a query of some runs of one attribute reads their row groups only: written task by
    task, a size filter's 12 runs of 43 read 5.2M rows at 10M rows for the 2.6M it kept."""
    for attribute in sorted(scored):
        tasks = scored[attribute]
        group_p = [np.stack(dist["probs"].to_numpy()) for _, dist in tasks]
        for run_id in sorted(run_keys, key=run_keys.get):
            models = con.execute("SELECT task_id, item_id, probs FROM model_dist WHERE run_id = ?", [run_id]).df()
            by_task = dict(tuple(models.groupby("task_id", sort=False)))
            for (task, dist), gp in zip(tasks, group_p, strict=True):
                if (part := by_task.get(task["task_id"])) is None:
                    continue
                at = pd.Index(part["item_id"].astype(str)).get_indexer(dist["item_id"])
                if not (keep := at >= 0).any():
                    continue
                scores = compute_item_metrics(gp[keep], np.stack(part["probs"].to_numpy())[at[keep]],
                                              task["scale"] == "ordinal")
                sub = dist.loc[keep, ["task_id", "item_id", "item_key", "attribute", "group_name", "group_key", "thin"]]
                insert(con, "group_scores", sub.assign(run_id=run_id, run_key=run_keys[run_id], **scores)
                       .reset_index(drop=True))


def write_group_cluster_sums(con) -> None:
    """group_cluster_sums and group_item_cover (data_layer/schema.py), one task x attribute at a
    time: each self-join holds one task's rows of one attribute (the whole of group_scores at once
    held 12 GB at 10M rows). Chunks in sorted order, each sorted: the same rows in the same order
    for the same input."""
    last = max(int(con.execute("SELECT count(*) FROM run_index").fetchone()[0]) - 1, 0)
    # typed and empty first: a store without groups has the tables too
    con.execute(f"CREATE TABLE group_cluster_sums AS {GROUP_CLUSTER_SUMS_SELECT}", {"task": "", "attribute": ""})
    con.execute(f"CREATE TABLE group_item_cover AS {GROUP_ITEM_COVER_SELECT}", {"task": "", "attribute": "", "last": last})
    chunks = con.execute("SELECT DISTINCT task_id, attribute FROM group_scores ORDER BY ALL").fetchall()
    for task_id, attribute in chunks:
        params = {"task": task_id, "attribute": attribute}
        con.execute(f"INSERT INTO group_cluster_sums {GROUP_CLUSTER_SUMS_SELECT}", params)
        con.execute(f"INSERT INTO group_item_cover {GROUP_ITEM_COVER_SELECT}", {**params, "last": last})
