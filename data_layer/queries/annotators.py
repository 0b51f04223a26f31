"""Who rated one item: each annotator's label with their demographics (for the item page)."""
from __future__ import annotations

import json

import pandas as pd

from data_layer.store import Result, Store

_RATINGS_SQL = """
SELECT a.annotator_id, a.label, t.label_names[list_position(t.labels, a.label)] AS label_name,
       list_position(t.labels, a.label) - 1 AS label_index, an.demographics
FROM annotations a
JOIN tasks t USING (task_id)
LEFT JOIN annotators an ON an.dataset = t.dataset AND an.annotator_id = a.annotator_id
WHERE a.task_id = ? AND a.item_id = ?
ORDER BY label_index, a.annotator_id
"""


def item_annotators(store: Store, task_id: str, item_id: str) -> Result:
    """One row per rating of the item: annotator_id, label, label_name, label_index, then one column
    per demographic field any of its annotators has (None where an annotator lacks it or none is
    known). Empty -> None with the reason (unknown item, or a dataset without per-rater data)."""
    df = store.df(_RATINGS_SQL, [task_id, item_id])
    if not len(df):
        return Result(None, _why_empty(store, task_id, item_id))
    demo = expand_demographics(df.pop("demographics"), reserved=set(df.columns))
    return Result(pd.concat([df.reset_index(drop=True), demo], axis=1))


def expand_demographics(values: pd.Series, reserved: set[str] = frozenset()) -> pd.DataFrame:
    """JSON demographics -> one column per field, in first-seen order; a field that clashes with a
    reserved column name gets the prefix 'demographics.'."""
    rows = [json.loads(v) if isinstance(v, str) else {} for v in values]
    fields = list(dict.fromkeys(k for r in rows for k in r))
    names = {f: f"demographics.{f}" if f in reserved else f for f in fields}
    return pd.DataFrame({names[f]: pd.Series([r.get(f) for r in rows], dtype=object) for f in fields},
                        index=range(len(rows)))


def _why_empty(store: Store, task_id: str, item_id: str) -> str:
    if not store.scalar("SELECT count(*) FROM items WHERE task_id = ? AND item_id = ?", [task_id, item_id]):
        return f"There is no item {item_id!r} in task {task_id!r}."
    if not store.scalar("SELECT count(*) FROM annotations WHERE task_id = ?", [task_id]):
        return (f"Task {task_id!r} has no per-annotator ratings: its source releases only label counts or "
                "label lists without annotator ids, so only the item's label distribution is known.")
    return f"Item {item_id!r} of task {task_id!r} has no per-annotator ratings in this store."
