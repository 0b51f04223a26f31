"""Which items are in the slice, in which order: the Items table, its paging and the
previous/next links of the Item page (both use the same `ItemOrder`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from data_layer.facets import METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, model_type_label
from data_layer.metrics import METRICS
from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store

SORTS = {"entropy": "human disagreement (normalised entropy)",
         "divergence": "divergence of one model run from the humans",
         "gap": "gap between a pair's RLVR and RLHF model"}
ORDER_KEYS = ("sort", "order", "run", "pair", "q")  # URL keys owned by ItemOrder
PAIR_SEP = "~"
SNIPPET_CHARS = 140
RANKINGS_KEPT = 16  # slice orders kept per process for previous/next (~1 MB each at 232k items)


@dataclass(frozen=True)
class ItemOrder:
    """How the items of a slice are ordered and filtered by text. Defaults: most human
    disagreement first, no text search."""
    sort: str = "entropy"
    descending: bool = True
    run: str | None = None  # divergence: the run whose metric is shown / sorted by
    rlvr: str | None = None  # gap: the pair's RLVR run and its RLHF sibling run
    rlhf: str | None = None
    search: str = ""

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"Unknown sort {self.sort!r}; choose one of {', '.join(SORTS)}.")

    def to_params(self) -> dict[str, str]:
        out = {"sort": self.sort if self.sort != "entropy" else "",
               "order": "" if self.descending else "asc", "run": self.run or "",
               "pair": f"{self.rlvr}{PAIR_SEP}{self.rlhf}" if self.rlvr and self.rlhf else "",
               "q": self.search}
        return {k: v for k, v in out.items() if v}

    @classmethod
    def from_params(cls, params: Mapping[str, str | None]) -> ItemOrder:
        rlvr, _, rlhf = (params.get("pair") or "").partition(PAIR_SEP)
        sort = params.get("sort") or "entropy"
        return cls(sort=sort if sort in SORTS else "entropy", descending=params.get("order") != "asc",
                   run=params.get("run") or None, rlvr=rlvr or None, rlhf=rlhf or None,
                   search=(params.get("q") or "").strip())


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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sort_runs(sl: Slice, order: ItemOrder) -> tuple[str, ...]:
    """The runs whose scores make the sort key: none for entropy, for a slice-level metric or
    when a run the sort needs is not chosen (the key is then NULL for every item)."""
    runs = {"divergence": (order.run,), "gap": (order.rlvr, order.rlhf)}.get(order.sort, ())
    return runs if runs and all(runs) and METRICS.get(sl.metric).level == "item" else ()


def _covers(store: Store, sl: Slice, order: ItemOrder) -> bool:
    """Whether the sort names runs and each of them scored every item of the slice (item_scores
    has one row per run and item of human_dist, and carries the item facets, so equal counts
    mean the same items; the runs' counts come from score_sums, which keeps them per item group)."""
    runs = _sort_runs(sl, order)
    if not runs:
        return False
    where, params = sl.where(scope="item")
    sql = " UNION ALL ".join([f"SELECT count(*) FROM human_dist WHERE {where}"]
                             + [f"SELECT sum(n_rows) FROM score_sums WHERE run_id = ? AND {where}"] * len(runs))
    return len({n for (n,) in store.rows(sql, params + [v for run in runs for v in (run, *params)])}) == 1


def _keyed(sl: Slice, order: ItemOrder, covers: bool) -> tuple[str, list]:
    """The query `keyed`: task_id, item_id, item_key and the sort key `k` of the slice's items that
    match the text search. Light columns only: a run's scores are read only when the sort names
    the run, and from item_scores alone (no join with human_dist) when the runs scored every item
    of the slice (`covers`, from _covers); two runs are matched on the integer item_key."""
    runs, metric = _sort_runs(sl, order), METRICS.get(sl.metric).name
    key = ("h.entropy_norm" if order.sort == "entropy" else "CAST(NULL AS DOUBLE)" if not runs
           else "v.m - f.m" if len(runs) == 2 else "v.m")
    where, params = sl.where(scope="item", alias="" if covers else "h")
    scan = "(SELECT task_id, item_id, item_key, {m} AS m FROM item_scores WHERE run_id = ?{w})"
    if covers:
        base, source = "v", scan.format(m=metric, w=f" AND {where}") + " v"
        params = [runs[0], *params]
        if len(runs) == 2:
            source += f" JOIN {scan.format(m=metric, w=f' AND {where}')} f USING (item_key)"
            params += [runs[1], *params[1:]]
        where = "TRUE"
    else:
        base = "h"
        source = "human_dist h" + "".join(f" LEFT JOIN {scan.format(m=metric, w='')} {a} ON {a}.item_key = h.item_key"
                                          for a in "vf"[:len(runs)])
        params = [*runs, *params]
    if order.search:
        source += f" JOIN items i ON i.task_id = {base}.task_id AND i.item_id = {base}.item_id"
        where += f" AND (i.text ILIKE ? ESCAPE '\\' OR {base}.item_id ILIKE ? ESCAPE '\\')"
        params += [f"%{_escape_like(order.search)}%"] * 2
    return f"SELECT {base}.task_id, {base}.item_id, {base}.item_key, {key} AS k FROM {source} WHERE {where}", params


def _order_by(order: ItemOrder) -> str:
    """The order of `keyed`: NULL keys last, ties by task then item (item_key numbers the items
    in (task_id, item_id) order, so it is that tie-break as one integer)."""
    return f"k {'DESC' if order.descending else 'ASC'} NULLS LAST, item_key"


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
        joins += "".join(f" LEFT JOIN {t} {a}{d} ON {a}{d}.run_id = ? AND {a}{d}.pos = p.pos"
                         for t, d in (("scores", ""), ("dists", "d")) if run)
    on, m = "USING (task_id, item_id)", metric.name if metric.level == "item" else "NULL"

    def each(column: str, table: str) -> str:  # one scan per run: `run_id = ?` prunes row groups, `IN` does not
        return " UNION ALL ".join([f"SELECT pos, run_id, {column} FROM p JOIN {table} {on} WHERE run_id = ?"]
                                  * len(chosen)) or f"SELECT NULL AS pos, NULL AS run_id, NULL AS {column.split()[-1]}"
    sql = (f"WITH p AS MATERIALIZED (SELECT unnest(?::VARCHAR[]) AS task_id, unnest(?::VARCHAR[]) AS item_id, "
           f"unnest(?::BIGINT[]) AS pos), "
           f"t AS MATERIALIZED (SELECT pos, text FROM p JOIN items {on}), "
           f"h AS MATERIALIZED (SELECT pos, {sl.band_column} AS band, n_annotators, entropy_norm, probs "
           f"FROM p JOIN human_dist {on}), "
           f"scores AS MATERIALIZED ({each(f'{m} AS m', 'item_scores')}), "
           f"dists AS MATERIALIZED ({each('probs', 'model_dist')}) "
           f"SELECT p.task_id, p.item_id, left(t.text, {SNIPPET_CHARS}) AS snippet, length(t.text) > "
           f"{SNIPPET_CHARS} AS cut, h.band, h.n_annotators, h.entropy_norm, h.probs AS human, "
           f"{', '.join(cols)}, {values['v']} - {values['f']} AS gap, p.pos "
           f"FROM p JOIN t ON t.pos = p.pos JOIN h ON h.pos = p.pos{joins} ORDER BY p.pos")
    run_params = [v for r in (order.run, order.rlvr, order.rlhf) if r for v in (r, r)]
    return store.df(sql, [list(page["task_id"]), list(page["item_id"]), list(page["pos"]), *chosen, *chosen,
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
    names = _names(store, keys[first:first + page_size])
    top = pd.DataFrame({"task_id": [t for t, _ in names], "item_id": [i for _, i in names],
                        "pos": np.arange(first + 1, first + 1 + len(names), dtype="int64")})
    df = _page_rows(store, sl, order, top).assign(total=len(keys))
    df["snippet"] = [s + "…" if c else s for s, c in zip(df["snippet"], df["cut"], strict=True)]
    return Result(df.drop(columns="cut"))


def _names(store: Store, keys: np.ndarray) -> list[tuple[str, str]]:
    """(task_id, item_id) of each item key, in the keys' order. A few keys (previous/next) as
    point lookups, each pruned by the zone maps of human_dist (stored in item_key order) to one
    row group: 1.4 ms for three at 232k items, where an IN list scans the column (3.7 ms)."""
    wanted = [int(k) for k in keys]
    one = "SELECT item_key, task_id, item_id FROM human_dist WHERE item_key"
    sql = (" UNION ALL ".join([f"{one} = ?"] * len(wanted)) if len(wanted) <= 8
           else f"{one} IN ({', '.join('?' * len(wanted))})")
    found = {k: (t, i) for k, t, i in store.rows(sql, wanted)}
    return [found[k] for k in wanted]


def count_items(store: Store, sl: Slice, order: ItemOrder) -> int:
    """How many items of the slice match the text search (the table's total): the length of the
    slice's ranking, which the table's page then reuses."""
    return len(ranking(store, sl, order))


def ranking(store: Store, sl: Slice, order: ItemOrder) -> np.ndarray:
    """The item keys of the slice in `order` (`_order_by`), kept per store and what the order
    depends on (the slice's item filters; its metric and the sort's runs unless sorting by human
    entropy; direction; text search), so that views of the same items in the same order share it."""
    same = ItemOrder(sort=order.sort, descending=order.descending, search=order.search,
                     run=order.run if order.sort == "divergence" else None,
                     rlvr=order.rlvr if order.sort == "gap" else None, rlhf=order.rlhf if order.sort == "gap" else None)
    items_only = sl.item_filters_only()
    return _ranking(store, items_only if order.sort != "entropy" else items_only.with_(metric=Slice.metric), same)


def forget_rankings() -> None:
    """Drops the kept rankings (benchmarks time the first item opened under an order with it)."""
    _ranking.cache_clear()


@lru_cache(maxsize=RANKINGS_KEPT)
def _ranking(store: Store, sl: Slice, order: ItemOrder) -> np.ndarray:
    direction = "DESC" if order.descending else "ASC"
    if order.sort == "entropy" and not order.search:  # ranks stored at build time: an integer sort
        where, params = sl.where(scope="item")
        return store.column(f"SELECT item_key FROM human_dist WHERE {where} "
                            f"ORDER BY entropy_rank_{direction.lower()}", params)
    keyed, params = _keyed(sl, order, _covers(store, sl, order))
    return store.column(f"SELECT item_key FROM ({keyed}) ORDER BY {_order_by(order)}", params)


def neighbours(store: Store, sl: Slice, order: ItemOrder, task_id: str, item_id: str) -> Result:
    """The item's position in the ordered slice and its previous and next items
    (columns: step -1/0/+1, task_id, item_id, pos, total), from the slice's kept `ranking`
    (computed by the Items table that linked here, or once by the first item opened under the
    order), so moving on with previous/next is a lookup."""
    keys = ranking(store, sl, order)
    me = store.rows("SELECT item_key FROM human_dist WHERE task_id = ? AND item_id = ?", [task_id, item_id])
    where = np.flatnonzero(keys == me[0][0]) if me else []
    if not len(where):
        return Result(None, f"Item {item_id} is not among the items of the current slice "
                            f"({sl.sentence()}), so it has no previous or next item here.")
    i = int(where[0])
    steps = [s for s in (-1, 0, 1) if 0 <= i + s < len(keys)]
    near = _names(store, keys[[i + s for s in steps]])
    return Result(pd.DataFrame({"step": steps, "task_id": [t for t, _ in near], "item_id": [it for _, it in near],
                                "pos": [i + 1 + s for s in steps], "total": len(keys)})
                  .astype({"step": "int64", "pos": "int64", "total": "int64"}))
