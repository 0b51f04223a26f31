"""The annotator sampling noise floor of a slice: what a model that knew each item's true
label distribution would still score against the observed panel (see precompute/noise_floor)."""
from __future__ import annotations

import pandas as pd

from data_layer.metrics import METRICS
from data_layer.queries.intervals import ordered
from data_layer.slice import Slice
from data_layer.store import Result, Store


def noise_floor(store: Store, sl: Slice, by_band: bool = False) -> Result:
    """Mean noise floor of the slice metric over the slice's items (item filters only: tasks,
    bands), with n items; one row, or one per band. Per-item metrics only."""
    m = METRICS.get(sl.metric)
    if m.level != "item":
        return Result(None, f"{m.label} is computed over a whole slice, so it has no per-item noise floor.")
    where, params = sl.where(scope="item", alias="h")
    band = f"h.{sl.band_column} AS band, " if by_band else ""
    df = store.df(f"SELECT {band}avg(nf.{m.name}) AS noise_floor, count(nf.{m.name}) AS n, "
                  f"max(nf.n_draws) AS n_draws FROM noise_floor nf JOIN human_dist h "
                  f"USING (task_id, item_id) WHERE {where} GROUP BY ALL", params)
    df = ordered(df[df["n"] > 0], ("band",) if by_band else (), sl)
    return Result.of(df, f"No items in this slice have a noise floor for {m.label}.")


def noise_floor_items(store: Store, sl: Slice) -> pd.DataFrame:
    """Per item: task_id, item_id, n_annotators and the noise floor of the slice metric."""
    m = METRICS.get(sl.metric)
    where, params = sl.where(scope="item", alias="h")
    return store.df(f"SELECT task_id, item_id, h.n_annotators, nf.{m.name} AS noise_floor "
                    f"FROM noise_floor nf JOIN human_dist h USING (task_id, item_id) WHERE {where} "
                    f"ORDER BY task_id, item_id", params)
