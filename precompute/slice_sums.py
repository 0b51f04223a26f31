"""Build step: pre-aggregates that let the statistics of a large slice be read instead of
computed from every run x item row (data_layer/queries/large_n.py, docs/performance.md).

At 10M run x item rows, any per-request aggregate per item (the item-clustered interval, the
paired difference per item) is a hash aggregate of 10M rows into millions of groups: 0.2 s at
best on two cores, 1.2-1.7 s with the group keys the pages use. These tables hold exactly the
sums those formulas need, so a request reads thousands of rows (cluster_sums), or one row per
item (item_cover, pair_diffs):

- `item_cover`: per item, a bitstring of the runs with a row for it (bit `run_key`, the dense run
  number item_scores carries from run_index): a group's item count (items with a row in the
  group, as the bootstrap path counts them) is the number of items whose bitstring meets the
  group's run mask.
- `cluster_sums`: per ordered pair of runs (r, r') of the same model type (training, reasoning),
  task, band combination and entropy bin, and per-item metric m: Σ_i v_ir·v_ir' (xx), Σ_i v_ir·[v_ir'
  scored] (xc), Σ_i [v_ir scored]·[v_ir' scored] (cc). For a group G of runs, with S_i and C_i the
  item's sum and count over G: Σ_i S_i² = Σ_{r,r'∈G} xx, Σ_i S_i·C_i = Σ xc, Σ_i C_i² = Σ cc, and the
  diagonal (r = r') gives the group's sum (xc) and n (cc): every term of the clustered standard error.
- `pair_runs` / `pair_diffs`: every run pair of every paired comparison kind (the same matching as
  data_layer.queries.paired), and per pair and item both runs' values of every per-item metric,
  pre-joined and sorted by kind and item so a verdict needs no join at request time;
  `pair_groups` counts them per pair and item group.
- `pair_sets`: the sets of a kind's pairs whose sums and tests are kept: '' = all of them (a slice
  without run filters), `method=<m>` = those of one method (the common run filter; see
  `PAIR_SET_COLUMNS`). `pair_item_sums` sums the pairs' values per set and item, `pair_tests` holds
  the finished test terms per set: a request whose run filter leaves exactly one stored set reads
  them instead of averaging and ranking per item.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import ITEM_METRICS
from data_layer.queries import paired_terms
from data_layer.queries.paired import KINDS, RUN_COLS, pairs_from_runs
from precompute.progress import progress

ITEM_COLUMNS = ("task_id", *(s.column for s in BAND_SCHEMES), "entropy_bin")
# Run columns whose every value names a stored pair set (for kinds whose two runs share the column):
# the method is the run filter the Models page is most often used with. Each adds one set per value
# to pair_item_sums and pair_tests (build time and disk, docs/performance.md).
PAIR_SET_COLUMNS = ("method",)
ALL_PAIRS = ""  # the name of the set of all of a kind's pairs


@contextmanager
def one_thread(con) -> Iterator[None]:
    """Floating-point sums depend on the order rows reach them; one thread keeps that order (and
    so the store's bytes) the same for the same input."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def write_slice_sums(con: duckdb.DuckDBPyConnection) -> None:
    """Creates item_cover, cluster_sums, pair_runs, pair_sets, pair_diffs, pair_groups,
    pair_item_sums and pair_tests from item_scores."""
    _item_cover(con)
    _cluster_sums(con)
    _pair_diffs(con)
    _pair_sums(con)
    _pair_tests(con)


def _item_cover(con) -> None:
    last = max(int(con.execute("SELECT count(*) FROM run_index").fetchone()[0]) - 1, 0)
    con.execute(f"CREATE TABLE item_cover AS SELECT s.item_key, {', '.join(f's.{c}' for c in ITEM_COLUMNS)}, "
                f"bitstring_agg(s.run_key, 0, {last}) AS runs FROM item_scores s "
                f"GROUP BY ALL ORDER BY s.item_key")


def _cluster_sums(con) -> None:
    sums = ", ".join(f"sum(a.{m} * b.{m}) AS xx_{m}, sum(CASE WHEN b.{m} IS NOT NULL THEN a.{m} END) AS xc_{m}, "
                     f"count(a.{m} + b.{m}) AS cc_{m}" for m in ITEM_METRICS)
    cols = ", ".join(("run_id", "item_key", "training", "reasoning", *ITEM_COLUMNS, *ITEM_METRICS))
    with one_thread(con):
        con.execute(f"""
    CREATE TABLE cluster_sums AS
    WITH s AS (SELECT {cols} FROM item_scores)
    SELECT a.run_id, b.run_id AS run2_id, a.training, a.reasoning, {', '.join(f'a.{c}' for c in ITEM_COLUMNS)},
           {sums}
    FROM s a JOIN s b ON a.item_key = b.item_key AND a.training = b.training AND a.reasoning = b.reasoning
    GROUP BY ALL
    ORDER BY ALL""")


def _pair_diffs(con) -> None:
    # ordered: pair_key is the pair's place in this list, and DISTINCT alone returns rows in whatever
    # order DuckDB's threads finish (two builds of the same study once numbered their pairs differently)
    runs = con.execute(f"SELECT DISTINCT run_id, {', '.join(RUN_COLS)} FROM score_sums ORDER BY run_id").df()
    pairs = pd.concat([pairs_from_runs(runs, k).assign(kind=name) for name, k in KINDS.items()], ignore_index=True)
    pairs = pairs.assign(pair_key=range(len(pairs)))
    con.register("_pairs", pairs[["kind", "left_run", "right_run", "pair_key"]])
    con.execute("CREATE TABLE pair_runs AS SELECT kind::VARCHAR AS kind, left_run::VARCHAR AS left_run, "
                "right_run::VARCHAR AS right_run, pair_key::INTEGER AS pair_key FROM _pairs")
    con.unregister("_pairs")
    _pair_sets(con, pairs)
    values = ", ".join(f"l.{m} AS l_{m}, r.{m} AS r_{m}" for m in ITEM_METRICS)
    con.execute(f"""
    CREATE TABLE pair_diffs AS
    SELECT p.kind, p.pair_key, l.item_key, {', '.join(f'l.{c}' for c in ITEM_COLUMNS)}, {values}
    FROM pair_runs p
    JOIN item_scores l ON l.run_id = p.left_run
    JOIN item_scores r ON r.run_id = p.right_run AND r.item_key = l.item_key
    ORDER BY p.kind, l.item_key, p.pair_key""")


def _pair_sets(con, pairs: pd.DataFrame) -> None:
    sets = [pairs.assign(pair_set=ALL_PAIRS)]
    for column in PAIR_SET_COLUMNS:
        for kind, k in KINDS.items():
            if column in k.match:
                part = pairs[pairs["kind"] == kind]
                sets.append(part.assign(pair_set=column + "=" + part[column].astype(str)))
    con.register("_sets", pd.concat(sets, ignore_index=True)[["kind", "pair_set", "pair_key"]])
    con.execute("CREATE TABLE pair_sets AS SELECT kind::VARCHAR AS kind, pair_set::VARCHAR AS pair_set, "
                "pair_key::INTEGER AS pair_key FROM _sets ORDER BY ALL")
    con.unregister("_sets")


def _pair_sums(con) -> None:
    """pair_groups: per pair and item group, the matched rows and each side's sum and count of
    every metric (n_run_pairs and the sides' means of any slice's groups, without a per-item
    pass); pair_item_sums: per kind, pair set and item, the sum and count of the pairs'
    differences (a slice whose pairs are a stored set gets its per-item differences in one read
    instead of a GROUP BY)."""
    cols = ", ".join(ITEM_COLUMNS)
    sides = ", ".join(f"sum(l_{m}) AS sl_{m}, count(l_{m}) AS nl_{m}, sum(r_{m}) AS sr_{m}, count(r_{m}) AS nr_{m}"
                      for m in ITEM_METRICS)
    sums = ", ".join(f"sum(l_{m} - r_{m}) AS sd_{m}, count(l_{m} - r_{m}) AS nd_{m}" for m in ITEM_METRICS)
    with one_thread(con):
        con.execute(f"CREATE TABLE pair_groups AS SELECT kind, pair_key, {cols}, count(*) AS n, {sides} "
                    f"FROM pair_diffs GROUP BY ALL ORDER BY ALL")
        con.execute(f"CREATE TABLE pair_item_sums AS SELECT s.kind, s.pair_set, d.item_key, "
                    f"{', '.join(f'd.{c}' for c in ITEM_COLUMNS)}, {sums} FROM pair_diffs d "
                    f"JOIN pair_sets s ON s.kind = d.kind AND s.pair_key = d.pair_key "
                    f"GROUP BY ALL ORDER BY s.kind, s.pair_set, d.item_key")


def _pair_tests(con) -> None:
    """pair_tests: the terms of every paired comparison over all items, per kind, pair set, metric
    and grouping ('' = all items, a band column = per band of that scheme, 'task_id' = per task):
    what a slice whose pairs are a stored set reads instead of ranking per request (the same
    computation as a request's, data_layer.queries.paired_terms)."""
    con.execute("CREATE TABLE pair_tests (kind VARCHAR, pair_set VARCHAR, metric VARCHAR, grouping VARCHAR, grp VARCHAR, n BIGINT, "
                "nd BIGINT, diff DOUBLE, var DOUBLE, \"left\" DOUBLE, \"right\" DOUBLE, n_run_pairs BIGINT, "
                "nw BIGINT, r_plus DOUBLE, ties DOUBLE)")
    groupings = [((), "", "band_fixed"), *((("band",), b.column, b.column) for b in BAND_SCHEMES),
                 (("task_id",), "task_id", "band_fixed")]
    with one_thread(con):  # sums of floating-point values: the same bytes for the same input
        sets = con.execute("SELECT DISTINCT kind, pair_set FROM pair_sets ORDER BY ALL").fetchall()
        for kind, pair_set in progress(sets, "per pair set", show=False):  # reported to a listener only
            _set_tests(con, kind, pair_set, groupings)


def _set_tests(con, kind: str, pair_set: str, groupings: list) -> None:
    keys = [k for (k,) in con.execute("SELECT pair_key FROM pair_sets WHERE kind = ? AND pair_set = ? ORDER BY 1",
                                      [kind, pair_set]).fetchall()]

    def fetch(sql: str, params: list) -> dict:
        return con.execute(sql, params).fetchnumpy()
    cols = ", ".join(f'"{c}"' for c in paired_terms.COLUMNS)
    for metric in ITEM_METRICS:
        for by, grouping, column in groupings:
            terms = paired_terms.terms(fetch, metric, column, by, kind, pair_set, keys, "TRUE", [])
            grp = terms.pop(by[0]).astype(str) if by else ""
            con.register("_terms", terms.assign(kind=kind, pair_set=pair_set, metric=metric, grouping=grouping,
                                                grp=grp))
            con.execute(f"INSERT INTO pair_tests SELECT kind, pair_set, metric, grouping, grp, {cols} FROM _terms")
            con.unregister("_terms")
