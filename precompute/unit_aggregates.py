"""Build step: the aggregate metrics (var_corr, entropy_spearman, f1) of every run x task unit
under every band filter a slice can set, into the `unit_aggregates` table.

Aggregate metrics are correlations and F1 scores over a run's items of one task, so unlike means
they cannot be summed from pre-aggregated sums; but every slice filter other than bands selects
whole runs or whole tasks, so a slice's units are exactly the rows of this table for its band
filter (see data_layer/queries/aggregates.py). The values come from the same `unit_value` the
app would otherwise run per request over millions of rows; one run's rows are in memory at a time.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.queries.aggregates import ALL_BANDS, UNIT_METRICS, band_filters, unit_rows, units_from_rows
from data_layer.schema import UNIT_AGGREGATES_TABLE
from precompute.progress import progress


def run_units(rows: pd.DataFrame) -> pd.DataFrame:
    """One run's units under every band filter: run_id, task_id, band_filter, band, metric, value, n."""
    parts = [units_from_rows(rows, list(UNIT_METRICS), ()).assign(band_filter=ALL_BANDS, band=None)]
    for scheme in BAND_SCHEMES:
        for key, bands in band_filters(scheme.name):
            sub = rows[rows[scheme.column].isin(bands)]
            if len(sub):
                parts.append(units_from_rows(sub, list(UNIT_METRICS), ()).assign(
                    band_filter=key, band=bands[0] if len(bands) == 1 else None))
    return pd.concat(parts, ignore_index=True)


def write_unit_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Creates unit_aggregates from item_scores and score_sums (both must exist)."""
    runs = [r[0] for r in con.execute("SELECT DISTINCT run_id FROM score_sums ORDER BY 1").fetchall()]
    # per run, for a listener only (the build shows this step as one line): the slowest step of a demo build
    frames = [run_units(unit_rows(con, "s.run_id = ?", [run])) for run in progress(runs, "per run", show=False)]
    units = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["run_id", "task_id", "metric", "value", "n", "band_filter", "band"])
    units = units.astype({"run_id": str, "task_id": str, "band_filter": str, "band": object,
                          "metric": str, "value": float, "n": "int64"})
    con.register("_units_frame", units)
    con.execute("CREATE TABLE _unit_values AS SELECT run_id, task_id, band_filter, band::VARCHAR AS band, "
                "metric, value::DOUBLE AS value, n::BIGINT AS n FROM _units_frame")
    con.unregister("_units_frame")
    con.execute(UNIT_AGGREGATES_TABLE)
