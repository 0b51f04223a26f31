"""Where the items of a slice stand in an `ItemOrder`: the ranking the Items table pages
through, and one item's position and previous/next items for the Item page. A ranking, once
computed, is kept per process; an item opened where none is kept (a shared link on a fresh
server) is placed by one pass over the sort keys instead of sorting the whole slice."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer import text_search
from data_layer.metrics import METRICS
from data_layer.slice import Slice
from data_layer.store import Result, Store

SORTS = {"entropy": "human disagreement (normalised entropy)",
         "divergence": "divergence of one model run from the humans",
         "gap": "gap between a pair's RLVR and RLHF model"}
ORDER_KEYS = ("sort", "order", "run", "pair", "q")  # URL keys owned by ItemOrder
PAIR_SEP = "~"
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


def _sort_runs(sl: Slice, order: ItemOrder) -> tuple[str, ...]:
    """The runs whose scores make the sort key: none for entropy, for a slice-level metric or
    when a run the sort needs is not chosen (the key is then NULL for every item)."""
    runs = {"divergence": (order.run,), "gap": (order.rlvr, order.rlhf)}.get(order.sort, ())
    return runs if runs and all(runs) and METRICS.get(sl.metric).level == "item" else ()


def _items_where(sl: Slice, alias: str = "") -> tuple[str, list]:
    """The slice's item filters and its exclusion of judged items (Slice.exclusion), as one
    expression over human_dist or item_scores."""
    where, params = sl.where(scope="item", alias=alias)
    left_out, more = sl.exclusion(alias)
    return (where, params) if not more else (f"{where} AND {left_out}", params + more)


def _covers(store: Store, sl: Slice, order: ItemOrder) -> bool:
    """Whether the sort names runs and each of them scored every item of the slice (item_scores
    has one row per run and item of human_dist, and carries the item facets, so equal counts
    mean the same items; the runs' counts come from score_sums, which keeps them per item group)."""
    runs = _sort_runs(sl, order)
    if not runs or sl.excluded_items:  # score_sums counts every item: the exclusion needs the join path
        return False
    where, params = sl.where(scope="item")
    sql = " UNION ALL ".join([f"SELECT count(*) FROM human_dist WHERE {where}"]
                             + [f"SELECT sum(n_rows) FROM score_sums WHERE run_id = ? AND {where}"] * len(runs))
    return len({n for (n,) in store.rows(sql, params + [v for run in runs for v in (run, *params)])}) == 1


def _keyed(store: Store, sl: Slice, order: ItemOrder, covers: bool) -> tuple[str, list]:
    """The query `keyed`: task_id, item_id, item_key and the sort key `k` of the slice's items that
    match the text search. Light columns only: a run's scores are read only when the sort names
    the run, and from item_scores alone (no join with human_dist) when the runs scored every item
    of the slice (`covers`, from _covers); two runs are matched on the integer item_key."""
    runs, metric = _sort_runs(sl, order), METRICS.get(sl.metric).name
    key = ("h.entropy_norm" if order.sort == "entropy" else "CAST(NULL AS DOUBLE)" if not runs
           else "v.m - f.m" if len(runs) == 2 else "v.m")
    where, params = _items_where(sl, alias="" if covers else "h")
    scan = "(SELECT task_id, item_id, item_key, {m} AS m FROM item_scores WHERE run_key = ?{w})"
    run_keys = [store.run_key(r) for r in runs]
    if covers:
        base, source = "v", scan.format(m=metric, w=f" AND {where}") + " v"
        params = [run_keys[0], *params]
        if len(runs) == 2:
            source += f" JOIN {scan.format(m=metric, w=f' AND {where}')} f USING (item_key)"
            params += [run_keys[1], *params[1:]]
        where = "TRUE"
    else:
        base = "h"
        source = "human_dist h" + "".join(f" LEFT JOIN {scan.format(m=metric, w='')} {a} ON {a}.item_key = h.item_key"
                                          for a in "vf"[:len(runs)])
        params = [*run_keys, *params]
    if order.search:  # data_layer.text_search: a signature test, then contains() on human_dist.search_text
        found, found_params = text_search.matches(order.search, alias="h" if base == "h" else "")
        where += (f" AND {found}" if base == "h" else
                  f" AND {base}.item_key IN (SELECT item_key FROM human_dist WHERE {found})")
        params += found_params
    return f"SELECT {base}.task_id, {base}.item_id, {base}.item_key, {key} AS k FROM {source} WHERE {where}", params


def _order_by(order: ItemOrder) -> str:
    """The order of `keyed`: NULL keys last, ties by task then item (item_key numbers the items
    in (task_id, item_id) order, so it is that tie-break as one integer)."""
    return f"k {'DESC' if order.descending else 'ASC'} NULLS LAST, item_key"


def names_of(store: Store, keys: np.ndarray) -> list[tuple[str, str]]:
    """(task_id, item_id) of each item key, in the keys' order. A few keys (previous/next) as
    point lookups, each pruned by the zone maps of human_dist (stored in item_key order) to one
    row group: 1.4 ms for three at 232k items, where an IN list scans the column (3.7 ms)."""
    wanted = [int(k) for k in keys]
    one = "SELECT item_key, task_id, item_id FROM human_dist WHERE item_key"
    sql = (" UNION ALL ".join([f"{one} = ?"] * len(wanted)) if len(wanted) <= 8
           else f"{one} IN ({', '.join('?' * len(wanted))})")
    found = {k: (t, i) for k, t, i in store.rows(sql, wanted)}
    return [found[k] for k in wanted]


def _what_orders(sl: Slice, order: ItemOrder) -> tuple[Slice, ItemOrder]:
    """The slice and order reduced to what the order depends on: the slice's item filters; its
    metric and the sort's runs unless sorting by human entropy; direction; text search. Views of
    the same items in the same order (the Items table, the Item page) then share one ranking."""
    same = ItemOrder(sort=order.sort, descending=order.descending, search=order.search,
                     run=order.run if order.sort == "divergence" else None,
                     rlvr=order.rlvr if order.sort == "gap" else None, rlhf=order.rlhf if order.sort == "gap" else None)
    items_only = sl.item_filters_only()
    return items_only if order.sort != "entropy" else items_only.with_(metric=Slice.metric), same


_KEPT: OrderedDict[tuple, np.ndarray] = OrderedDict()  # least recently used first
_KEPT_LOCK = threading.Lock()  # sessions run in threads


def _kept(key: tuple) -> np.ndarray | None:
    with _KEPT_LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
        return _KEPT.get(key)


def kept_ranking(store: Store, sl: Slice, order: ItemOrder) -> np.ndarray | None:
    """The slice's ranking if this process already computed it, else None."""
    return _kept((store, *_what_orders(sl, order)))


def ranking(store: Store, sl: Slice, order: ItemOrder) -> np.ndarray:
    """The item keys of the slice in `order` (`_order_by`), kept per store and what the order
    depends on (`_what_orders`), the last RANKINGS_KEPT of them."""
    key = (store, *_what_orders(sl, order))
    keys = _kept(key)
    if keys is None:
        keys = _rank(*key)
        with _KEPT_LOCK:
            _KEPT[key] = keys
            while len(_KEPT) > RANKINGS_KEPT:
                _KEPT.popitem(last=False)
    return keys


def forget_rankings() -> None:
    """Drops the kept rankings (benchmarks time the first item opened under an order with it)."""
    with _KEPT_LOCK:
        _KEPT.clear()


def _rank(store: Store, sl: Slice, order: ItemOrder) -> np.ndarray:
    direction = "DESC" if order.descending else "ASC"
    if order.sort == "entropy" and not order.search:  # ranks stored at build time: an integer sort
        where, params = _items_where(sl)
        return store.column(f"SELECT item_key FROM human_dist WHERE {where} "
                            f"ORDER BY entropy_rank_{direction.lower()}", params)
    keyed, params = _keyed(store, sl, order, _covers(store, sl, order))
    return store.column(f"SELECT item_key FROM ({keyed}) ORDER BY {_order_by(order)}", params)


def _sort_keys(store: Store, sl: Slice, order: ItemOrder) -> tuple[np.ndarray, np.ndarray]:
    """item_key and s of the slice's items, unsorted, such that `_order_by` is the ascending
    order of (s, item_key): s is the sort key, negated when descending, and +inf where NULL (last
    in both directions; every metric is finite, KL and CE being smoothed)."""
    if order.sort == "entropy" and not order.search:  # the stored rank is the whole key
        where, params = _items_where(sl)
        got = store.arrays(f"SELECT item_key, entropy_rank_{'desc' if order.descending else 'asc'} AS s "
                           f"FROM human_dist WHERE {where}", params)
        return got["item_key"], got["s"].astype("float64")
    covers = _covers(store, sl, order)
    got = _keys_from_runs(store, sl, order) if covers else None
    if got is None:
        keyed, params = _keyed(store, sl, order, covers)
        got = store.arrays(f"SELECT item_key, k FROM ({keyed})", params)
        got = got["item_key"], _floats(got["k"])
    elif order.search:  # the runs' rows of the items the search matches (a lookup table by key)
        matching, params = text_search.matches(order.search)
        found = store.column(f"SELECT item_key FROM human_dist WHERE {matching}", params)
        hit = np.zeros(int(max(got[0].max(initial=0), found.max(initial=0))) + 1, dtype=bool)
        hit[found] = True
        kept = np.flatnonzero(hit[got[0]])  # positions, then take(): twice as fast as two boolean masks
        got = got[0].take(kept), got[1].take(kept)
    keys, s = got  # s is this call's own array (fetched, or computed from fetched ones): changed in place
    if order.descending:
        np.negative(s, out=s)
    s[np.isnan(s)] = np.inf
    return keys, s


def _floats(values: np.ndarray) -> np.ndarray:
    """A fetched column as float64 with NaN where NULL, so that the placement works on plain
    arrays (no copy when DuckDB returned one without NULLs)."""
    if np.ma.isMaskedArray(values):
        return np.ma.filled(values.astype("float64"), np.nan)
    return np.asarray(values, dtype="float64")


def _keys_from_runs(store: Store, sl: Slice, order: ItemOrder) -> tuple[np.ndarray, np.ndarray] | None:
    """item_key and the sort key (NaN where NULL) when the sort's runs scored every item of
    the slice: one scan per run, the difference taken here (a third cheaper than joining the
    two runs in SQL). None when the two runs' rows do not come in the same item order."""
    where, params = sl.where(scope="item")
    metric = METRICS.get(sl.metric).name
    scans = [store.arrays(f"SELECT item_key, {metric} AS m FROM item_scores WHERE run_key = ? AND {where}",
                          [store.run_key(run), *params]) for run in _sort_runs(sl, order)]
    if len(scans) == 1:
        return scans[0]["item_key"], _floats(scans[0]["m"])
    if not np.array_equal(scans[0]["item_key"], scans[1]["item_key"]):
        return None
    return scans[0]["item_key"], _floats(scans[0]["m"]) - _floats(scans[1]["m"])


def _place(keys: np.ndarray, s: np.ndarray, me: int) -> tuple[int, int | None, int | None] | None:
    """Item `me`'s index in the ascending order of (s, keys) and the keys just before and after
    it, from a few passes over the arrays instead of a sort; None when `me` is not among them."""
    at = np.flatnonzero(keys == me)
    if not len(at):
        return None
    mine = s[at[0]]
    tie, lower, higher = s == mine, s < mine, s > mine
    tied_before, tied_after = keys[tie & (keys < me)], keys[tie & (keys > me)]
    # else the last item of the key group just below mine, the first of the group just above
    before = (int(tied_before.max()) if len(tied_before)
              else int(keys[s == s[lower].max()].max()) if lower.any() else None)
    after = (int(tied_after.min()) if len(tied_after)
             else int(keys[s == s[higher].min()].min()) if higher.any() else None)
    return int(np.count_nonzero(lower)) + len(tied_before), before, after


def _placed_in(keys: np.ndarray, me: int) -> tuple[int, int | None, int | None] | None:
    """Like `_place`, from a kept ranking: a lookup."""
    at = np.flatnonzero(keys == me)
    if not len(at):
        return None
    i = int(at[0])
    return i, *(int(keys[i + s]) if 0 <= i + s < len(keys) else None for s in (-1, 1))


def neighbours(store: Store, sl: Slice, order: ItemOrder, task_id: str, item_id: str) -> Result:
    """The item's position in the ordered slice and its previous and next items (columns: step
    -1/0/+1, task_id, item_id, pos, total). From the slice's kept `ranking` when the Items table
    that linked here (or an earlier visit) computed it: a lookup. Otherwise (a link opened on a
    fresh server) from one pass over the slice's sort keys, which is half the cost of ranking."""
    row = store.rows("SELECT item_key FROM human_dist WHERE task_id = ? AND item_id = ?", [task_id, item_id])
    me, kept = (row[0][0] if row else None), kept_ranking(store, sl, order)
    if me is None:
        placed, total = None, 0
    elif kept is not None:
        placed, total = _placed_in(kept, me), len(kept)
    else:
        keys, s = _sort_keys(store, *_what_orders(sl, order))
        placed, total = _place(keys, s, me), len(keys)
    if placed is None:
        return Result(None, f"Item {item_id} is not among the items of the current slice "
                            f"({sl.sentence()}), so it has no previous or next item here.")
    i, before, after = placed
    steps = [s for s, k in ((-1, before), (0, me), (1, after)) if k is not None]
    near = names_of(store, np.array([k for k in (before, me, after) if k is not None]))
    return Result(pd.DataFrame({"step": np.array(steps, dtype="int64"), "task_id": [t for t, _ in near],
                                "item_id": [it for _, it in near], "pos": np.array(steps, dtype="int64") + i + 1,
                                "total": np.full(len(steps), total, dtype="int64")}))
