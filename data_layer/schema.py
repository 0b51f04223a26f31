"""The store's schema, declared once for the pipeline (which writes it) and the app
(which checks `build_info.schema_version` before reading anything)."""
from __future__ import annotations

from data_layer.bands import BAND_SCHEMES, COLLAPSE_MARGIN
from data_layer.metrics import ITEM_METRICS

SCHEMA_VERSION = 13  # 2: unit_aggregates, item_runs; 3: item keys, entropy bins, precompute/slice_sums.py tables; 4: pair sets; 5: side sums in pair_groups; 6: search_text; 7: run keys, uncompressed search_text and its signature, item_runs by item_key; 8: store_manifest, build_info.content_checksum; 9: annotator groups (GROUP_DDL); 10: group_score_sums, group_type_sums, group_pair_items, annotator_sums, annotator_run_sums; 11: annotator_predictions; 12: generations.annotator_id; 13: group_cluster_sums, group_item_cover, group_pair_items per pair set, group_scores.run_key and group_key, group_summary.group_key

_band_cols = ",\n    ".join(f"{s.column} VARCHAR NOT NULL" for s in BAND_SCHEMES)
_metric_cols = ",\n    ".join(f"{m} DOUBLE" for m in ITEM_METRICS)

DDL = f"""
CREATE TABLE build_info (
    schema_version INTEGER NOT NULL, built_at VARCHAR NOT NULL, config_hash VARCHAR NOT NULL,
    study_name VARCHAR, seed BIGINT, packages VARCHAR, git_commit VARCHAR, report VARCHAR,
    simulated BOOLEAN NOT NULL,
    content_checksum VARCHAR  -- data_layer.store_check.overall_checksum of store_manifest
);
-- What the store must hold, written last by the builder (data_layer/store_check.py): one row
-- per table or view with its columns and, for tables, row count and an order-independent hash
-- of its rows. `precompute info --check` compares all of it; the app compares the columns.
CREATE TABLE store_manifest (
    object_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, columns VARCHAR NOT NULL,
    n_rows BIGINT, content_hash VARCHAR
);
CREATE TABLE tasks (
    task_id VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL, name VARCHAR NOT NULL,
    description VARCHAR, labels VARCHAR[] NOT NULL, label_names VARCHAR[] NOT NULL,
    scale VARCHAR NOT NULL, source VARCHAR, license VARCHAR, citation VARCHAR, guideline VARCHAR
);
CREATE TABLE task_cards (
    task_id VARCHAR PRIMARY KEY, n_items INTEGER, n_ratings BIGINT, n_annotators INTEGER,
    annotators_per_item_min INTEGER, annotators_per_item_median DOUBLE,
    annotators_per_item_max INTEGER, n_dropped_items INTEGER, dropped_reason VARCHAR
);
CREATE TABLE items (
    task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, text VARCHAR, context JSON, metadata JSON,
    PRIMARY KEY (task_id, item_id)
);
CREATE TABLE annotators (
    annotator_id VARCHAR NOT NULL, dataset VARCHAR NOT NULL, demographics JSON,
    PRIMARY KEY (dataset, annotator_id)
);
CREATE TABLE annotations (
    task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, annotator_id VARCHAR, label VARCHAR NOT NULL
);
CREATE TABLE human_dist (
    task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, counts INTEGER[] NOT NULL,
    probs DOUBLE[] NOT NULL, n_annotators INTEGER NOT NULL, entropy DOUBLE NOT NULL,
    entropy_norm DOUBLE NOT NULL, gini DOUBLE NOT NULL, pos_share DOUBLE, majority VARCHAR,
    majority_index INTEGER,
    {_band_cols},
    item_key INTEGER NOT NULL,  -- dense integer id of (task_id, item_id): cheap to hash and join
    entropy_bin INTEGER NOT NULL,  -- data_layer.bands.entropy_bin_sql of entropy_norm
    entropy_rank_desc INTEGER NOT NULL,  -- position in ORDER BY entropy_norm DESC, task_id, item_id
    entropy_rank_asc INTEGER NOT NULL,  -- position in ORDER BY entropy_norm ASC, task_id, item_id
    -- lower-cased text, a newline, lower-cased item_id: the text search. Stored uncompressed: a
    -- contains() scan then reads the bytes as they are instead of decompressing FSST first
    -- (232k items: 11.8 -> 8.8 ms for a common word, 6.3 -> 2.8 ms for a rare one; 15 MB more).
    search_text VARCHAR USING COMPRESSION uncompressed NOT NULL,
    search_sig_lo UBIGINT NOT NULL,  -- bits 0-63 and 64-127 of search_text's byte-pair signature:
    search_sig_hi UBIGINT NOT NULL,  -- rows that cannot match a search skip contains() (data_layer.text_search)
    PRIMARY KEY (task_id, item_id)
);
CREATE TABLE band_edges (
    scheme VARCHAR NOT NULL, task_id VARCHAR NOT NULL, band VARCHAR NOT NULL,
    lower DOUBLE, upper DOUBLE, n_items INTEGER
);
CREATE TABLE models (
    model_id VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, family VARCHAR, base_model VARCHAR,
    pair_id VARCHAR, params_b DOUBLE, training VARCHAR NOT NULL, provider VARCHAR,
    simulation JSON
);
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY, model_id VARCHAR NOT NULL, method VARCHAR NOT NULL,
    reasoning VARCHAR NOT NULL, steering VARCHAR NOT NULL, temperature DOUBLE, n_samples INTEGER,
    prompt_id VARCHAR, source VARCHAR NOT NULL, created_at VARCHAR, settings JSON
);
CREATE TABLE model_dist (
    run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
    probs DOUBLE[] NOT NULL, n_valid INTEGER, n_failed INTEGER, covered_mass DOUBLE
);  -- (run_id, task_id, item_id) is unique: checked by the builder; an index would cost 10x insert time
CREATE TABLE generations (
    run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
    sample_idx INTEGER NOT NULL, output_text VARCHAR, reasoning_text VARCHAR, parsed VARCHAR,
    finish_reason VARCHAR, prompt_tokens INTEGER, completion_tokens INTEGER, error VARCHAR,
    annotator_id VARCHAR  -- whose label the sample predicts (predict = "annotators"), else NULL
);
CREATE TABLE item_metrics (
    run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
    {_metric_cols},
    model_entropy DOUBLE, model_gini DOUBLE, model_argmax INTEGER, model_pos DOUBLE
);
CREATE TABLE noise_floor (
    task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, n_draws INTEGER NOT NULL,
    {_metric_cols},
    PRIMARY KEY (task_id, item_id)
);
CREATE TABLE published_results (
    subset VARCHAR NOT NULL, metric VARCHAR NOT NULL, dist_expr VARCHAR NOT NULL,
    steering VARCHAR NOT NULL, model_pair VARCHAR NOT NULL, reasoning VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL, value DOUBLE NOT NULL, model VARCHAR NOT NULL,
    rlhf_model VARCHAR NOT NULL, rlvr_model VARCHAR NOT NULL, params_b DOUBLE NOT NULL,
    citation VARCHAR NOT NULL
);
"""

# One row per (run, item) with every facet column a slice may filter on, materialised at build
# time (no joins at query time) and sorted by run then task so that zone maps prune row groups
# for run- and task-filtered queries. `item_metrics` is then a view over it, so the scores are
# stored once. Queries over run x item only ever name `item_scores`.
# `run_key` (from run_index, a dense 0-based number per run in run_id order) is what a query
# filters on to read one run: zone maps keep only an 8-byte prefix of a string, and run ids that
# share one ("sim-r1-distill-14b|logprob|...") left 18 of 82 row groups to scan for one run's
# 232k rows at 10M; on the integer it is 3 (one run's scan 3.7 -> 0.9 ms inside DuckDB).
_band_select = ", ".join(f"h.{s.column}" for s in BAND_SCHEMES)
ITEM_SCORES_TABLE = f"""
CREATE TABLE run_index AS
SELECT run_id, (row_number() OVER (ORDER BY run_id) - 1)::INTEGER AS run_key
FROM (SELECT DISTINCT run_id FROM item_metrics);
CREATE TABLE item_scores AS
SELECT im.*, x.run_key, r.model_id, r.method, r.reasoning, r.steering, r.source, mo.training, mo.pair_id,
       mo.params_b, mo.family, mo.display_name, h.entropy AS human_entropy, h.entropy_norm,
       h.gini AS human_gini, h.pos_share AS human_pos, h.majority_index AS human_majority,
       h.n_annotators, {_band_select}, h.item_key, h.entropy_bin,
       CASE WHEN len(t.labels) > 1 THEN im.model_entropy / ln(len(t.labels)) END AS model_entropy_norm,
       hash(im.run_id || '|' || im.task_id || '|' || im.item_id) AS scatter_order
FROM item_metrics im
JOIN run_index x USING (run_id)
JOIN runs r USING (run_id)
JOIN models mo USING (model_id)
JOIN tasks t ON t.task_id = im.task_id
JOIN human_dist h ON h.task_id = im.task_id AND h.item_id = im.item_id
ORDER BY im.run_id, im.task_id, im.item_id;
DROP TABLE item_metrics;
CREATE VIEW item_metrics AS
SELECT run_id, task_id, item_id, {", ".join(ITEM_METRICS)}, model_entropy, model_gini, model_argmax,
       model_pos
FROM item_scores;
"""

# The Item page's rows (every run's distribution and metrics for one item), item-major: a
# point lookup reads one row group here, against one row group per run in the run-major
# item_scores/model_dist (EXPLAIN ANALYZE at 10M rows: 43 of 86 row groups, ~5M string
# comparisons, 130-230 ms). Looked up by item_key: with task ids that share their first 8 bytes
# (zone maps keep no more of a string), (task_id, item_id) pruned nothing, 82 of 82 row groups
# at 10M (11.7 ms; by key 1 of 82, 2.5 ms with the key's own lookup). Costs one more copy of
# those columns on disk.
ITEM_RUNS_FACETS = ("model_id", "method", "reasoning", "steering", "source", "training", "pair_id",
                    "params_b", "family", "display_name")
ITEM_RUNS_TABLE = f"""
CREATE TABLE item_runs AS
SELECT s.task_id, s.item_id, s.item_key, s.run_id, {", ".join(f"s.{c}" for c in ITEM_RUNS_FACETS)},
       d.probs, d.n_valid, d.n_failed, d.covered_mass, {", ".join(f"s.{m}" for m in ITEM_METRICS)}
FROM item_scores s JOIN model_dist d USING (run_id, task_id, item_id)
ORDER BY s.item_key, s.run_id;
"""

# Pre-aggregated sums per run x task x band combination x entropy bin: every mean the Overview,
# the leaderboard and the Bands page show is sum(sum_m) / sum(n_m) over a few thousand rows
# instead of a scan of millions (sum of squares kept for standard errors); n_rows and the
# over-/under-confident counts (at COLLAPSE_MARGIN) serve the Bands page's collapse rates.
SLICE_COLUMNS = ("run_id", "task_id", *(s.column for s in BAND_SCHEMES), "entropy_bin", "model_id", "method",
                 "reasoning", "steering", "source", "training", "pair_id", "params_b", "family",
                 "display_name")
_sums = ",\n       ".join(f"count({m}) AS n_{m}, sum({m}) AS sum_{m}, sum({m} * {m}) AS sumsq_{m}"
                          for m in ITEM_METRICS)
SCORE_SUMS_TABLE = f"""
CREATE TABLE score_sums AS
SELECT {", ".join(SLICE_COLUMNS)}, count(*) AS n_rows, count(model_entropy_norm) AS n_model_entropy,
       count(*) FILTER (WHERE model_entropy_norm < entropy_norm - {COLLAPSE_MARGIN}) AS n_overconfident,
       count(*) FILTER (WHERE model_entropy_norm > entropy_norm + {COLLAPSE_MARGIN}) AS n_underconfident,
       {_sums}
FROM item_scores
GROUP BY ALL
ORDER BY ALL;
"""

# Aggregate metrics (var_corr, entropy_spearman, f1) per run x task unit for every band filter
# a slice can set: band_filter '*' (no band filter) or '<scheme>:<band>,<band>' (a proper subset
# in scheme order; `band` holds the band when the subset has one). Filled by
# precompute/unit_aggregates.py from the same `unit_value` the app used to run per request, so
# the Models page reads ~1,000 rows instead of every run x item row. Run facets beside each row
# so that any slice's run filters apply directly.
UNIT_FACETS = ("model_id", "method", "reasoning", "steering", "source", "training", "pair_id", "params_b",
               "family", "display_name")
UNIT_AGGREGATES_TABLE = f"""
CREATE TABLE unit_aggregates AS
SELECT u.run_id, u.task_id, u.band_filter, u.band, u.metric, u.value, u.n,
       {", ".join(f"f.{c}" for c in UNIT_FACETS)}
FROM _unit_values u
JOIN (SELECT DISTINCT run_id, {", ".join(UNIT_FACETS)} FROM score_sums) f USING (run_id)
ORDER BY u.band_filter, u.metric, u.run_id, u.task_id;
DROP TABLE _unit_values;
"""

# Annotator groups (data_layer/groups.py; filled by precompute/group_dists.py). `group_dist` holds each
# group's label counts per item and, in floor_<metric>, the metric between the group's distribution
# and that of the item's other annotators (the leave-group-out floor); `group_scores` the metric
# between every run's distribution and each group's (thin ones marked), with the run's run_key and the
# group's group_key (group_summary): a query that pairs runs' rows reads integers, not strings
# (decoding run_id and group_name was most of reading 2.6M rows at 10M).
_floor_cols = ",\n    ".join(f"floor_{m} DOUBLE" for m in ITEM_METRICS)
GROUP_DDL = f"""
CREATE TABLE annotator_groups (
    dataset VARCHAR NOT NULL, annotator_id VARCHAR NOT NULL, attribute VARCHAR NOT NULL,
    group_name VARCHAR NOT NULL, raw_value VARCHAR
);
CREATE TABLE group_attributes (
    dataset VARCHAR NOT NULL, task_id VARCHAR NOT NULL, attribute VARCHAR NOT NULL, field VARCHAR NOT NULL,
    n_groups INTEGER NOT NULL, n_ratings_grouped BIGINT NOT NULL, n_ratings_unknown BIGINT NOT NULL,
    n_ratings_without_annotator BIGINT NOT NULL  -- dropped from group views, counted here
);
CREATE TABLE group_summary (
    task_id VARCHAR NOT NULL, attribute VARCHAR NOT NULL, group_name VARCHAR NOT NULL,
    n_annotators INTEGER NOT NULL, n_ratings BIGINT NOT NULL, n_items INTEGER NOT NULL,
    n_items_thin INTEGER NOT NULL, few_annotators BOOLEAN NOT NULL,
    group_key SMALLINT NOT NULL  -- the group's number within its attribute, the same in every task
);
CREATE TABLE group_dist (
    task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, item_key INTEGER NOT NULL,
    attribute VARCHAR NOT NULL, group_name VARCHAR NOT NULL, counts INTEGER[] NOT NULL,
    probs DOUBLE[] NOT NULL, n_ratings INTEGER NOT NULL, n_rest INTEGER NOT NULL, thin BOOLEAN NOT NULL,
    {_floor_cols}
);
CREATE TABLE group_scores (
    run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, item_key INTEGER NOT NULL,
    attribute VARCHAR NOT NULL, group_name VARCHAR NOT NULL, thin BOOLEAN NOT NULL,
    run_key INTEGER NOT NULL, group_key SMALLINT NOT NULL,
    {_metric_cols}
);
"""
# Sums over group_scores for the Perspectives page on large slices (data_layer/queries/perspectives.py),
# as score_sums and cluster_sums are for the crowd: only the rows the views count (a group's thin
# items are left out unless the group has few annotators, then all are kept), keyed by every item
# filter a slice can set (task and the three band columns), so a page aggregates a few thousand
# rows instead of scanning group_scores (3.6 rows per item-score row of the grouped tasks).
# group_score_sums: per run x task x attribute x group x band combination, the count, sum and sum
# of squares of each metric (mean and item-level sd of a run x group). group_type_sums: per model
# type (training, reasoning) x task x attribute x group x band combination, over items i with
# S_i, C_i = sum and count of the item's values over the type's runs: k (items), sum S, sum C,
# sum S^2, sum S*C, sum C^2 per metric, the terms of the item-clustered standard error (large_n).
_group_band_cols = ", ".join(f"h.{s.column}" for s in BAND_SCHEMES)
_group_kept = """FROM group_scores s JOIN group_summary gs ON gs.task_id = s.task_id AND gs.attribute = s.attribute
     AND gs.group_name = s.group_name
WHERE NOT s.thin OR gs.few_annotators"""
_group_sums = ",\n       ".join(f"count(s.{m}) AS n_{m}, sum(s.{m}) AS sum_{m}, sum(s.{m} * s.{m}) AS sumsq_{m}"
                                for m in ITEM_METRICS)
_type_item = ", ".join(f"sum(s.{m}) AS s_{m}, count(s.{m}) AS c_{m}" for m in ITEM_METRICS)
_type_sums = ",\n       ".join(f"sum(p.s_{m}) AS sum_{m}, sum(p.c_{m}) AS n_{m}, sum(p.s_{m} * p.s_{m}) AS ss_{m}, "
                               f"sum(p.s_{m} * p.c_{m}) AS sc_{m}, sum(p.c_{m} * p.c_{m}) AS cc_{m}"
                               for m in ITEM_METRICS)
_kept_with_bands = _group_kept.replace("WHERE", "JOIN human_dist h ON h.item_key = s.item_key\nWHERE")
_kept_with_types = _group_kept.replace("WHERE", "JOIN runs r ON r.run_id = s.run_id "
                                       "JOIN models m ON m.model_id = r.model_id\nWHERE")
GROUP_SUMS_TABLES = f"""
CREATE TABLE group_score_sums AS
SELECT s.run_id, s.task_id, s.attribute, s.group_name, {_group_band_cols},
       {_group_sums}
{_kept_with_bands}
GROUP BY ALL ORDER BY ALL;
CREATE TABLE group_type_sums AS
WITH p AS (SELECT m.training, r.reasoning, s.task_id, s.attribute, s.group_name, s.item_key, {_type_item}
           {_kept_with_types}
           GROUP BY ALL)
SELECT p.training, p.reasoning, p.task_id, p.attribute, p.group_name, {_group_band_cols}, count(*) AS k,
       {_type_sums}
FROM p JOIN human_dist h ON h.item_key = p.item_key
GROUP BY ALL ORDER BY ALL;
"""

# group_cluster_sums and group_item_cover: what cluster_sums and item_cover (precompute/slice_sums.py)
# are for the crowd, over the kept rows of group_scores, so that a slice with any run filter gets
# each model type x group's clustered terms from thousands of rows instead of grouping millions of
# rows per item (0.25-0.5 s at 10M rows). group_cluster_sums: per ordered pair of runs (r, r') of
# one model type (training, reasoning), task, attribute, group and band combination, and per metric
# m: xx = Σ_i v_ir·v_ir', xc = Σ_i v_ir·[v_ir' scored], cc = Σ_i [both scored] (for runs R with S_i,
# C_i the item's sum and count over R: Σ S_i² = Σ_{r,r'∈R} xx, Σ S_i·C_i = Σ xc, Σ C_i² = Σ cc, and
# the diagonal r = r' gives the sum and n). group_item_cover: per task, attribute, group and kept
# item, the bitstring of the runs with a row (bit run_key): a type's items are those whose
# bitstring meets its runs. Both are filled one task x attribute at a time
# (precompute.group_dists.write_group_cluster_sums): the self-join of all rows at once held 12 GB at
# 10M rows.
_kept_typed = f"""SELECT s.*, m.training, r.reasoning, {_group_band_cols}
    FROM group_scores s JOIN group_summary gs ON gs.task_id = s.task_id AND gs.attribute = s.attribute
         AND gs.group_name = s.group_name
    JOIN runs r ON r.run_id = s.run_id JOIN models m ON m.model_id = r.model_id
    JOIN human_dist h ON h.item_key = s.item_key
    WHERE s.task_id = $task AND s.attribute = $attribute AND (NOT s.thin OR gs.few_annotators)"""
_band_names = ", ".join(s.column for s in BAND_SCHEMES)
_cross = ",\n       ".join(f"sum(a.{m} * b.{m}) AS xx_{m}, sum(CASE WHEN b.{m} IS NOT NULL THEN a.{m} END) AS xc_{m}, "
                           f"count(a.{m} + b.{m}) AS cc_{m}" for m in ITEM_METRICS)
GROUP_CLUSTER_SUMS_SELECT = f"""
WITH k AS ({_kept_typed})
SELECT a.run_id, b.run_id AS run2_id, a.training, a.reasoning, a.task_id, a.attribute, a.group_name,
       {", ".join(f"a.{s.column}" for s in BAND_SCHEMES)},
       {_cross}
FROM k a JOIN k b ON a.item_key = b.item_key AND a.group_name = b.group_name AND a.training = b.training
     AND a.reasoning = b.reasoning
GROUP BY ALL ORDER BY ALL"""
GROUP_ITEM_COVER_SELECT = f"""
SELECT task_id, attribute, group_name, item_key, {_band_names}, bitstring_agg(run_key, 0, $last) AS runs
FROM ({_kept_typed}) GROUP BY ALL ORDER BY ALL"""

# group_pair_items: per paired-comparison kind and pair set (pair_runs, pair_sets: all of the kind's
# pairs, or one method's; precompute/slice_sums.py), attribute, group and item, over every pair of
# the set whose runs both have a counted row there: the sum and count
# of left - right of each metric (the item's mean difference is their ratio), with the item filters.
_pair_diff_sums = ",\n       ".join(f"sum(l.{m} - r.{m}) AS sum_{m}, count(l.{m} - r.{m}) AS n_{m}"
                                    for m in ITEM_METRICS)
GROUP_PAIR_ITEMS_TABLE = f"""
CREATE TABLE group_pair_items AS
WITH kept AS (SELECT s.* {_group_kept})
SELECT p.kind, ps.pair_set, l.attribute, l.group_name, l.item_key, l.task_id, {_group_band_cols},
       {_pair_diff_sums}
FROM pair_runs p JOIN pair_sets ps ON ps.kind = p.kind AND ps.pair_key = p.pair_key
JOIN kept l ON l.run_id = p.left_run
JOIN kept r ON r.run_id = p.right_run AND r.item_key = l.item_key AND r.attribute = l.attribute
     AND r.group_name = l.group_name
JOIN human_dist h ON h.item_key = l.item_key
GROUP BY ALL ORDER BY p.kind, ps.pair_set, l.attribute, l.group_name, l.item_key;
"""
# Individual annotators (data_layer/queries/annotator_agreement.py), per dataset x annotator x task x
# band combination over their ratings of items with at least two ratings: annotator_sums the items
# and the sum of the leave-one-out share (the item's other annotators who gave their label);
# annotator_run_sums, per run as well, the items, those where the run has a most likely label
# (n_known) and those where it is theirs (n_agree). A page sums a few hundred thousand rows
# instead of joining every rating with every run's scores (3-5 s at 1M rows).
ANNOTATOR_SUMS_TABLES = f"""
CREATE TEMP TABLE _rated AS
SELECT t.dataset, a.annotator_id, a.task_id, h.item_key, list_position(t.labels, a.label) AS li,
       (h.counts[list_position(t.labels, a.label)] - 1) / (h.n_annotators - 1) AS loo, {_group_band_cols}
FROM annotations a JOIN tasks t USING (task_id) JOIN human_dist h ON h.task_id = a.task_id AND h.item_id = a.item_id
WHERE a.annotator_id IS NOT NULL AND h.n_annotators >= 2;
CREATE TABLE annotator_sums AS
SELECT dataset, annotator_id, task_id, {", ".join(s.column for s in BAND_SCHEMES)}, count(*) AS n_items,
       sum(loo) AS sum_loo, count(loo) AS n_loo
FROM _rated GROUP BY ALL ORDER BY ALL;
CREATE TABLE annotator_run_sums AS
SELECT r.dataset, r.annotator_id, i.run_id, r.task_id, {", ".join(f"r.{s.column}" for s in BAND_SCHEMES)},
       count(*) AS n_items, count(i.model_argmax + 1 = r.li) AS n_known,
       count(*) FILTER (WHERE i.model_argmax + 1 = r.li) AS n_agree
FROM _rated r JOIN item_scores i ON i.item_key = r.item_key GROUP BY ALL ORDER BY ALL;
DROP TABLE _rated;
"""
# Per-annotator predictions (LeWiDi 2025 task B), scored by precompute/annotator_predictions.py: one
# row per run x predicted rating, with the annotator's label, the predicted one, the rating's error
# (0/1, or |distance| / scale points on ordinal tasks) and that of the leave-one-out crowd reference.
_pred_band_cols = ",\n    ".join(f"{s.column} VARCHAR NOT NULL" for s in BAND_SCHEMES)
ANNOTATOR_PREDICTIONS_DDL = f"""
CREATE TABLE annotator_predictions (
    run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL, item_key INTEGER NOT NULL,
    dataset VARCHAR NOT NULL, annotator_id VARCHAR NOT NULL, label VARCHAR NOT NULL, predicted VARCHAR NOT NULL,
    error DOUBLE NOT NULL, crowd_label VARCHAR, crowd_error DOUBLE,
    {_pred_band_cols}
);
"""
GROUP_TABLES = ["annotator_groups", "group_attributes", "group_summary", "group_dist", "group_scores",
                "group_score_sums", "group_type_sums", "group_cluster_sums", "group_item_cover", "group_pair_items",
                "annotator_sums", "annotator_run_sums", "annotator_predictions"]

TABLES = ["build_info", "tasks", "task_cards", "items", "annotators", "annotations", "human_dist",
          "band_edges", "models", "runs", "model_dist", "generations", "run_index", "item_scores", "score_sums", "unit_aggregates", "item_runs",
          "item_cover", "cluster_sums", "pair_runs", "pair_sets", "pair_diffs", "pair_groups", "pair_item_sums", "pair_tests",
          "noise_floor", "published_results", "store_manifest", *GROUP_TABLES]
VIEWS = ["item_metrics"]
