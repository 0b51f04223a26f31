"""Which items are in the slice, in which order: the Items table, its paging and the
previous/next links of the Item page (both use the same `ItemOrder`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
    """The runs that scored items of the slice: run_id, label, model_type, pair_id, n_items."""
    where, params = sl.where()
    df = store.df(f"SELECT run_id, display_name, training, reasoning, method, steering, pair_id, "
                  f"count(*) AS n_items FROM item_scores WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7 "
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


def _ranked(sl: Slice, order: ItemOrder) -> tuple[str, list]:
    """CTEs ending in `ranked`: the slice's items with pos (1-based), total and the sort columns."""
    metric = METRICS.get(sl.metric)
    r, v, f = ((f"{a}.{metric.name}" if metric.level == "item" else "CAST(NULL AS DOUBLE)") for a in "rvf")
    where, params = sl.where(scope="item", alias="h")
    if order.search:
        where += " AND (i.text ILIKE ? ESCAPE '\\' OR h.item_id ILIKE ? ESCAPE '\\')"
        params += [f"%{_escape_like(order.search)}%"] * 2
    joins = "".join(
        f" LEFT JOIN item_metrics {a} ON {a}.run_id = ? AND {a}.task_id = b.task_id AND {a}.item_id = b.item_id"
        f" LEFT JOIN model_dist {a}d ON {a}d.run_id = ? AND {a}d.task_id = b.task_id AND {a}d.item_id = b.item_id"
        for a in ("r", "v", "f"))
    params += [order.run, order.run, order.rlvr, order.rlvr, order.rlhf, order.rlhf]
    key = {"entropy": "entropy_norm", "divergence": "run_metric", "gap": "gap"}[order.sort]
    direction = "DESC" if order.descending else "ASC"
    sql = (f"WITH b AS (SELECT h.task_id, h.item_id, left(i.text, {SNIPPET_CHARS}) AS snippet, "
           f"length(i.text) > {SNIPPET_CHARS} AS cut, h.{sl.band_column} AS band, h.n_annotators, "
           f"h.entropy_norm, h.probs AS human FROM human_dist h JOIN items i USING (task_id, item_id) "
           f"WHERE {where}), "
           f"s AS (SELECT b.*, {r} AS run_metric, rd.probs AS run_probs, {v} AS rlvr_metric, "
           f"vd.probs AS rlvr_probs, {f} AS rlhf_metric, fd.probs AS rlhf_probs, "
           f"{v} - {f} AS gap FROM b{joins}), "
           f"ranked AS (SELECT *, row_number() OVER (ORDER BY {key} {direction} NULLS LAST, task_id, "
           f"item_id) AS pos, count(*) OVER () AS total FROM s)")
    return sql, params


def items_page(store: Store, sl: Slice, order: ItemOrder, page: int = 1, page_size: int = 25) -> Result:
    """One page of the slice's items in `order`; `total` on every row is the slice's count."""
    if order.sort != "entropy" and METRICS.get(sl.metric).level != "item":
        return Result(None, f"{METRICS.get(sl.metric).label} is computed over a whole slice, not per "
                            "item; pick a per-item metric to sort items by it.")
    sql, params = _ranked(sl, order)
    first = (max(page, 1) - 1) * page_size + 1
    df = store.df(f"{sql} SELECT * FROM ranked WHERE pos BETWEEN ? AND ? ORDER BY pos",
                  params + [first, first + page_size - 1])
    df["snippet"] = [s + "…" if c else s for s, c in zip(df["snippet"], df["cut"], strict=True)]
    found = f" matching “{order.search}”" if order.search else ""
    return Result.of(df.drop(columns="cut"), f"No items{found} in this slice ({sl.sentence()}).")


def count_items(store: Store, sl: Slice, order: ItemOrder) -> int:
    """How many items of the slice match the text search (the table's total)."""
    sql, params = _ranked(sl, order.__class__(search=order.search))
    return int(store.scalar(f"{sql} SELECT count(*) FROM ranked", params) or 0)


def neighbours(store: Store, sl: Slice, order: ItemOrder, task_id: str, item_id: str) -> Result:
    """The item's position in the ordered slice and its previous and next items
    (columns: step -1/0/+1, task_id, item_id, pos, total)."""
    sql, params = _ranked(sl, order)
    df = store.df(f"{sql}, me AS (SELECT pos FROM ranked WHERE task_id = ? AND item_id = ?) "
                  f"SELECT ranked.pos - me.pos AS step, task_id, item_id, ranked.pos, total "
                  f"FROM ranked, me WHERE ranked.pos BETWEEN me.pos - 1 AND me.pos + 1 ORDER BY step",
                  params + [task_id, item_id])
    return Result.of(df, f"Item {item_id} is not among the items of the current slice "
                         f"({sl.sentence()}), so it has no previous or next item here.")
