"""The Items table: which runs and pairs can order it, and one page of the slice's items in an
`ItemOrder` (the order itself, and the Item page's previous/next, live in item_order)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.facets import METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, model_type_label
from data_layer.metrics import METRICS
from data_layer.queries.common import add_model_type
from data_layer.queries.item_order import ORDER_KEYS, PAIR_SEP, SORTS, ItemOrder, names_of, ranking
from data_layer.slice import Slice
from data_layer.store import Result, Store

# the order's names too: the Items view sets the order and pages through the table with them
__all__ = ["ORDER_KEYS", "PAIR_SEP", "SORTS", "ItemOrder", "count_items", "items_page", "pair_choices",
           "run_choices"]
SNIPPET_CHARS = 140


def _run_label(row) -> str:
    if row.training.removeprefix("simulated-") == "baseline":
        return f"{row.display_name} (reference predictor)"
    return (f"{row.display_name} · {model_type_label(row.training, row.reasoning)} · "
            f"{METHOD_LABELS.get(row.method, row.method)} · {STEERING_LABELS.get(row.steering, row.steering)}")


def run_choices(store: Store, sl: Slice) -> Result:
    """The runs that scored items of the slice: run_id, label, model_type, pair_id, n_items.
    Read from score_sums (a few thousand rows, with every slice column): tvd is defined for every
    scored run x item row, so its count is the row count."""
    where, params = sl.where()
    df = store.df(f"SELECT run_id, display_name, training, reasoning, method, steering, pair_id, "
                  f"CAST(sum(n_tvd) AS BIGINT) AS n_items FROM score_sums WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7 "
                  f"ORDER BY (training = 'baseline'), display_name, run_id", params)
    df["label"] = [_run_label(r) for r in df.itertuples()]
    return Result.of(add_model_type(df), "No model run scored any item of this slice, so there is no divergence to sort by.")


def pair_choices(store: Store, sl: Slice) -> Result:
    """RLVR vs RLHF sibling runs (same models.pair_id, same method and steering) in the slice."""
    runs = run_choices(store, sl)
    if not runs.ok:
        return Result(None, runs.message)
    df = runs.frame[runs.frame["pair_id"].notna()]
    df = df.assign(kind=df["training"].str.removeprefix("simulated-"))
    pairs = df[df["kind"] == "rlvr"].merge(df[df["kind"] == "rlhf"], on=["pair_id", "method", "steering"],
                                           suffixes=("_rlvr", "_rlhf"))
    pairs["label"] = [
        f"{a} · {REASONING_LABELS.get(ra, ra)} vs {b} · {REASONING_LABELS.get(rb, rb)} — "
        f"{METHOD_LABELS.get(m, m)}, {STEERING_LABELS.get(s, s)}"
        for a, ra, b, rb, m, s in zip(pairs["display_name_rlvr"], pairs["reasoning_rlvr"],
                                      pairs["display_name_rlhf"], pairs["reasoning_rlhf"],
                                      pairs["method"], pairs["steering"], strict=True)]
    out = pairs.rename(columns={"run_id_rlvr": "rlvr_run", "run_id_rlhf": "rlhf_run"})
    return Result.of(out[["pair_id", "rlvr_run", "rlhf_run", "method", "steering", "label"]]
                     .reset_index(drop=True),
                     "No RLVR model and its RLHF sibling (same pair, method and steering) are both in "
                     "this slice, so there is no gap to sort by.")


def _page_rows(store: Store, sl: Slice, order: ItemOrder, page: pd.DataFrame) -> pd.DataFrame:
    """The columns of the page's few items: text snippet, human and run columns (metric and
    probs of each chosen run; NULL, unread, for a run not chosen). Each table is joined to the
    page's rows on its own, so that the page is the small side of every join."""
    metric = METRICS.get(sl.metric)
    chosen = list(dict.fromkeys(r for r in (order.run, order.rlvr, order.rlhf) if r))
    cols, values, joins = [], {}, ""
    for a, name, run in (("r", "run", order.run), ("v", "rlvr", order.rlvr), ("f", "rlhf", order.rlhf)):
        values[a] = f"{a}.m" if run and metric.level == "item" else "CAST(NULL AS DOUBLE)"
        cols += [f"{values[a]} AS {name}_metric",
                 f"{a}d.probs AS {name}_probs" if run else f"CAST(NULL AS DOUBLE[]) AS {name}_probs"]
        joins += "".join(f" LEFT JOIN {t} {a}{d} ON {a}{d}.run = ? AND {a}{d}.pos = p.pos"
                         for t, d in (("scores", ""), ("dists", "d")) if run)
    on, m = "USING (task_id, item_id)", metric.name if metric.level == "item" else "NULL"

    def each(column: str, table: str, run: str) -> str:  # one scan per run: `= ?` prunes row groups, `IN` does not
        return " UNION ALL ".join([f"SELECT pos, {run} AS run, {column} FROM p JOIN {table} {on} WHERE {run} = ?"]
                                  * len(chosen)) or f"SELECT NULL AS pos, NULL AS run, NULL AS {column.split()[-1]}"
    sql = (f"WITH p AS MATERIALIZED (SELECT unnest(?::VARCHAR[]) AS task_id, unnest(?::VARCHAR[]) AS item_id, "
           f"unnest(?::BIGINT[]) AS pos), "
           f"t AS MATERIALIZED (SELECT pos, text FROM p JOIN items {on}), "
           f"h AS MATERIALIZED (SELECT pos, {sl.band_column} AS band, n_annotators, entropy_norm, probs "
           f"FROM p JOIN human_dist {on}), "
           f"scores AS MATERIALIZED ({each(f'{m} AS m', 'item_scores', 'run_key')}), "
           f"dists AS MATERIALIZED ({each('probs', 'model_dist', 'run_id')}) "
           f"SELECT p.task_id, p.item_id, left(t.text, {SNIPPET_CHARS}) AS snippet, length(t.text) > "
           f"{SNIPPET_CHARS} AS cut, h.band, h.n_annotators, h.entropy_norm, h.probs AS human, "
           f"{', '.join(cols)}, {values['v']} - {values['f']} AS gap, p.pos "
           f"FROM p JOIN t ON t.pos = p.pos JOIN h ON h.pos = p.pos{joins} ORDER BY p.pos")
    # item_scores is read by the run's integer key (Store.run_key: zone maps prune on it), model_dist by run_id
    keys = [store.run_key(r) for r in chosen]
    run_params = [v for r in (order.run, order.rlvr, order.rlhf) if r for v in (store.run_key(r), r)]
    return store.df(sql, [list(page["task_id"]), list(page["item_id"]), list(page["pos"]), *keys, *chosen,
                          *run_params])


def items_page(store: Store, sl: Slice, order: ItemOrder, page: int = 1, page_size: int = 25) -> Result:
    """One page of the slice's items in `order`; `total` on every row is the slice's count.
    The page is cut from the slice's ranking (an integer sort on the sort key alone, kept per
    store, slice and order: later pages, and the Item page's previous/next for the same order,
    are lookups); text, probs and run columns are then read for the page's rows only."""
    if order.sort != "entropy" and METRICS.get(sl.metric).level != "item":
        return Result(None, f"{METRICS.get(sl.metric).label} is computed over a whole slice, not per "
                            "item; pick a per-item metric to sort items by it.")
    keys = ranking(store, sl, order)
    first = (max(page, 1) - 1) * page_size
    found = f" matching “{order.search}”" if order.search else ""
    if first >= len(keys):
        return Result(None, f"No items{found} in this slice ({sl.sentence()}).")
    names = names_of(store, keys[first:first + page_size])
    top = pd.DataFrame({"task_id": [t for t, _ in names], "item_id": [i for _, i in names],
                        "pos": np.arange(first + 1, first + 1 + len(names), dtype="int64")})
    df = _page_rows(store, sl, order, top).assign(total=len(keys))
    df["snippet"] = [s + "…" if c else s for s, c in zip(df["snippet"], df["cut"], strict=True)]
    return Result(df.drop(columns="cut"))


def count_items(store: Store, sl: Slice, order: ItemOrder) -> int:
    """How many items of the slice match the text search (the table's total): the length of the
    slice's ranking, which the table's page then reuses."""
    return len(ranking(store, sl, order))


