"""Everything the Item page shows about one item: its text, the human distribution with
counts, the annotators, every model run's distribution and metrics, and the raw samples."""
from __future__ import annotations

import json

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import ITEM_METRICS
from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store


def _unknown_item(store: Store, task_id: str, item_id: str) -> str:
    if not store.scalar("SELECT count(*) FROM tasks WHERE task_id = ?", [task_id]):
        known = ", ".join(r[0] for r in store.rows("SELECT task_id FROM tasks ORDER BY 1"))
        return f"There is no task {task_id!r} in this store (tasks: {known})."
    return f"Task {task_id!r} has no item {item_id!r} (it may have been dropped for too few annotators)."


def item_detail(store: Store, task_id: str, item_id: str) -> Result:
    """One row: the item's text, context and metadata (JSON text), its task, and the human
    summary (n_annotators, entropy, entropy_norm, majority and the band under every scheme)."""
    bands = ", ".join(f"h.{s.column}" for s in BAND_SCHEMES)
    # Each table is filtered on its own: DuckDB does not carry a filter across a join's keys into
    # every scan, and the joined form took 3.6 against 2.3 ms for this point lookup at 10M rows.
    df = store.df(f"SELECT i.task_id, i.item_id, i.text, i.context, i.metadata, t.name AS task_name, "
                  f"t.description AS task_description, t.scale, t.guideline, h.n_annotators, h.entropy, "
                  f"h.entropy_norm, h.majority, {bands} FROM items i, tasks t, human_dist h "
                  f"WHERE i.task_id = $1 AND i.item_id = $2 AND t.task_id = $1 AND h.task_id = $1 AND h.item_id = $2",
                  [task_id, item_id])
    return Result.of(df, "" if len(df) else _unknown_item(store, task_id, item_id))


def human_counts(store: Store, task_id: str, item_id: str) -> Result:
    """One row per label in scale order: label, label_name, count, share."""
    df = store.df("SELECT unnest(t.labels) AS label, unnest(t.label_names) AS label_name, "
                  "unnest(h.counts) AS count, unnest(h.probs) AS share FROM human_dist h, tasks t "
                  "WHERE h.task_id = $1 AND h.item_id = $2 AND t.task_id = $1", [task_id, item_id])
    return Result.of(df, f"No human distribution for {task_id}/{item_id}.")


def annotations(store: Store, task_id: str, item_id: str) -> Result:
    """One row per rating: annotator_id, label, and one column per demographic field
    (when the dataset records demographics)."""
    df = store.df("SELECT a.annotator_id, a.label, an.demographics FROM annotations a "
                  "JOIN tasks t ON t.task_id = $1 LEFT JOIN annotators an "
                  "ON an.annotator_id = a.annotator_id AND an.dataset = t.dataset "
                  "WHERE a.task_id = $1 AND a.item_id = $2 ORDER BY a.annotator_id NULLS LAST, a.label",
                  [task_id, item_id])
    if not len(df):
        return Result(None, "This dataset stores only the label counts per item, not who gave which "
                            "label, so there are no individual annotators to show.")
    demo = pd.json_normalize([json.loads(d) if isinstance(d, str) else {} for d in df["demographics"]])
    return Result(pd.concat([df.drop(columns="demographics"), demo.set_index(df.index)], axis=1))


# RLVR runs first, then RLHF and the rest, reference baselines last (same order in every section).
_RUN_ORDER = "({a}.training = 'baseline'), {a}.training DESC, {a}.display_name, {a}.run_id"


def _runs_only(sl: Slice) -> Slice:
    """The slice's run filters without its item filters: the item is fixed by the page."""
    return sl.with_(tasks=(), bands=())


def model_dists(store: Store, sl: Slice, task_id: str, item_id: str) -> Result:
    """One row per run of the slice that scored the item: run and model facets, model_type,
    probs, n_valid, n_failed, covered_mass and every per-item metric (from the item-major
    item_runs table: a point lookup by item_key reads one row group at any scale; DuckDB takes
    the key from the subquery as a filter of the scan)."""
    where, params = _runs_only(sl).where(alias="s")
    metrics = ", ".join(f"s.{m}" for m in ITEM_METRICS)
    df = store.df(f"SELECT s.run_id, s.model_id, s.display_name, s.training, s.reasoning, s.method, "
                  f"s.steering, s.params_b, s.probs, s.n_valid, s.n_failed, s.covered_mass, {metrics} "
                  f"FROM item_runs s WHERE s.item_key = (SELECT item_key FROM human_dist "
                  f"WHERE task_id = ? AND item_id = ?) AND {where} "
                  f"ORDER BY {_RUN_ORDER.format(a='s')}",
                  [task_id, item_id] + params)
    return Result.of(add_model_type(df), "No model run of the current slice scored this item; widen the model "
                         "filters in the sidebar to see model distributions.")


def generations(store: Store, sl: Slice, task_id: str, item_id: str) -> Result:
    """Every raw sample of the slice's runs for the item: run_id, display_name, sample_idx,
    annotator_id (whose label it predicts, for runs that ask about each annotator), output_text,
    reasoning_text, parsed, finish_reason, tokens, error."""
    where, params = _runs_only(sl).where(alias="r")
    df = store.df(f"SELECT g.run_id, r.display_name, r.training, r.reasoning, r.method, r.steering, "
                  f"g.sample_idx, g.annotator_id, g.output_text, g.reasoning_text, g.parsed, g.finish_reason, "
                  f"g.prompt_tokens, g.completion_tokens, g.error FROM generations g "
                  f"JOIN (SELECT ru.*, m.display_name, m.training, m.params_b FROM runs ru "
                  f"JOIN models m USING (model_id)) r USING (run_id) "
                  f"WHERE g.task_id = ? AND g.item_id = ? AND {where} "
                  f"ORDER BY {_RUN_ORDER.format(a='r')}, g.sample_idx",
                  [task_id, item_id] + params)
    return Result.of(add_model_type(df), "No raw model outputs are stored for this item in the current slice "
                         "(imported runs and baselines have none).")
