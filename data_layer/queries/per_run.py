"""The chosen metric per run (and band), with the run's facets: the building block for
comparisons between runs (sibling pairs, elicitation methods)."""
from __future__ import annotations

from data_layer.metrics import METRICS
from data_layer.queries.aggregates import aggregate_by
from data_layer.queries.common import add_model_type, mark_small_n
from data_layer.slice import Slice
from data_layer.store import Result, Store

_FACETS = "r.run_id, r.model_id, m.display_name, m.training, r.reasoning, r.method, r.steering, m.pair_id, m.params_b"


def run_values(store: Store, sl: Slice, by_band: bool = False) -> Result:
    """run facets, [band], mean, n, small_n for the slice's metric (item or aggregate)."""
    metric = METRICS.get(sl.metric)
    band = f", {sl.band_column} AS band" if by_band else ""
    where, params = sl.where()
    if metric.level == "item":
        m = metric.name  # from the pre-aggregated score_sums (thousands of rows at any scale)
        values = store.df(f"SELECT run_id{band}, sum(sum_{m}) / sum(n_{m}) AS mean, sum(n_{m})::BIGINT AS n "
                          f"FROM score_sums WHERE {where} GROUP BY ALL HAVING sum(n_{m}) > 0", params)
        note = ""
    else:
        res = aggregate_by(store, sl, metric.name, ("run_id", "band") if by_band else ("run_id",))
        if not res.ok:
            return res
        values, note = res.frame.drop(columns="n_units"), res.message
    if not len(values):
        return Result(None, f"No scored items in this slice ({sl.sentence()}). Widen the filters.")
    runs = store.df(f"SELECT {_FACETS} FROM runs r JOIN models m USING (model_id)")
    df = add_model_type(runs.merge(values, on="run_id"))
    return Result(mark_small_n(df), note)
