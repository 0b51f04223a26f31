"""What the review pages ask of the atlas store: which build a review is made against, the
first items of an ordered slice (to freeze into a review set), the facts shown beside a set's
items (band, snippet), which of them the store still holds, and whether a pair's RLVR-RLHF gap
survives leaving out the items a review judged."""
from __future__ import annotations

import pandas as pd

from data_layer.metrics import METRICS
from data_layer.queries.item_order import ItemOrder, names_of, ranking
from data_layer.slice import Slice
from data_layer.store import Result, Store

SNIPPET_CHARS = 100


def build_id(store: Store) -> str:
    """The store's build: when it was built and the hash of its study config (build_info's
    newest record). Reviews record it, so a review can be traced to the numbers it saw."""
    row = store.rows("SELECT built_at, config_hash FROM build_info ORDER BY built_at DESC LIMIT 1")
    return f"{row[0][0]}/{row[0][1]}" if row else "unknown build"


def first_items(store: Store, sl: Slice, order: ItemOrder, n: int) -> list[tuple[str, str]]:
    """(task_id, item_id) of the first `n` items of the slice in `order`, as the Items table lists them."""
    keys = ranking(store, sl, order)
    return names_of(store, keys[:max(0, n)]) if len(keys) and n > 0 else []


def _items_table(items: list[tuple[str, str]]) -> tuple[str, list]:
    return ("SELECT unnest(?::VARCHAR[]) AS task_id, unnest(?::VARCHAR[]) AS item_id, "
            "unnest(?::BIGINT[]) AS position", [[t for t, _ in items], [i for _, i in items],
                                                list(range(1, len(items) + 1))])


def item_facts(store: Store, sl: Slice, items: list[tuple[str, str]]) -> pd.DataFrame:
    """One row per (task_id, item_id) of `items`, in their order: in_store (False for items a
    rebuild dropped: the review keeps them), band (the slice's scheme), n_annotators,
    entropy_norm and a text snippet (None where not in the store)."""
    cols = ["task_id", "item_id", "in_store", "band", "n_annotators", "entropy_norm", "snippet"]
    if not items:
        return pd.DataFrame(columns=cols)
    wanted, params = _items_table(items)
    return store.df(f"WITH w AS ({wanted}) SELECT w.task_id, w.item_id, h.item_key IS NOT NULL AS in_store, "
                    f"h.{sl.band_column} AS band, h.n_annotators, h.entropy_norm, left(t.text, {SNIPPET_CHARS}) "
                    "AS snippet FROM w LEFT JOIN human_dist h USING (task_id, item_id) "
                    "LEFT JOIN items t USING (task_id, item_id) ORDER BY w.position", params)[cols]


def gap_with_and_without(store: Store, sl: Slice, rlvr: str, rlhf: str) -> Result:
    """The pair's mean RLVR-minus-RLHF per-item metric over the slice's items both runs scored,
    with every item and without the items the slice leaves out (Slice.excluded_items): rows
    `items` ("all items" / "without judged items"), mean_gap, n (items)."""
    metric = METRICS.get(sl.metric)
    if metric.level != "item":
        return Result(None, f"{metric.label} is computed over a whole slice, not per item, so there is no "
                            "per-item gap to recompute without judged items.")
    where, params = sl.where(scope="item", alias="h")
    left_out, more = sl.exclusion("h")
    scan = f"SELECT item_key, {metric.name} AS m FROM item_scores WHERE run_key = ?"
    df = store.df(f"WITH g AS (SELECT v.m - f.m AS gap, {left_out} AS kept FROM human_dist h "
                  f"JOIN ({scan}) v USING (item_key) JOIN ({scan}) f USING (item_key) WHERE {where}) "
                  "SELECT 'all items' AS items, avg(gap) AS mean_gap, count(gap) AS n FROM g UNION ALL "
                  "SELECT 'without judged items', avg(gap) FILTER (WHERE kept), count(gap) FILTER (WHERE kept) "
                  "FROM g", [*more, store.run_key(rlvr), store.run_key(rlhf), *params])
    if not int(df["n"].iloc[0]):
        return Result(None, "The two runs scored no item of this slice in common.")
    return Result(df.assign(n=df["n"].astype("int64")))
