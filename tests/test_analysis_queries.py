"""The analysis pages' query modules (aggregates, overview, bands, leaderboard, per_run, pairs,
methods): hand-checkable tiny stores built with the real pipeline, and cross-checks against
pandas/scipy over the demo store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from data_layer import aggregates as agg
from data_layer.bands import COLLAPSE_MARGIN, ENTROPY_BINS, FIXED_CUTS
from data_layer.metrics import METRICS
from data_layer.queries import aggregates, bands, coverage, leaderboard, methods, overview, pairs, per_run
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.study import HumanData, ModelSpec, RunData, RunSpec, Study, TaskSpec

# ---------------------------------------------------------------- a tiny hand-made store
BIN_COUNTS = [[9, 1], [5, 5], [2, 8], [7, 3], [1, 9], [6, 4]]
BIN_RLHF = [[0.8, 0.2], [0.5, 0.5], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8], [0.4, 0.6]]
BIN_RLVR = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.9, 0.1]]
TRI_COUNTS = [[8, 1, 1], [3, 3, 4], [1, 8, 1], [2, 2, 6], [5, 5, 0]]
TRI_RLHF = [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.5, 0.4, 0.1]]
TRI_RLVR = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


def _human(task_id, labels, counts) -> HumanData:
    items = pd.DataFrame({"item_id": [f"{task_id}-{i}" for i in range(len(counts))],
                          "text": [f"item {i}" for i in range(len(counts))], "context": None, "metadata": None})
    return HumanData(TaskSpec(task_id, "tiny", task_id, labels), items, np.array(counts))


def _run(model: ModelSpec, reasoning: str, method: str, dists: dict[str, list]) -> RunData:
    rows = [(t, f"{t}-{i}", p) for t, probs in dists.items() for i, p in enumerate(probs)]
    frame = pd.DataFrame(rows, columns=["task_id", "item_id", "probs"]).assign(n_valid=1, n_failed=0)
    return RunData(model, RunSpec(f"{model.model_id}|{method}", model.model_id, method, reasoning), frame)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Store:
    chat = ModelSpec("chat", "Chat", "rlhf", pair_id="p1", params_b=8)
    r1 = ModelSpec("r1", "R1", "rlvr", pair_id="p1", params_b=8)
    runs = [_run(chat, "none", "verbalized", {"bin": BIN_RLHF, "tri": TRI_RLHF}),
            _run(r1, "native", "verbalized", {"bin": BIN_RLVR, "tri": TRI_RLVR}),
            _run(chat, "none", "sampling", {"bin": BIN_RLVR, "tri": TRI_RLHF})]
    study = Study("tiny", [_human("bin", ["0", "1"], BIN_COUNTS), _human("tri", ["a", "b", "c"], TRI_COUNTS)],
                  runs, baselines=False)
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    build_store(study, path, show_progress=False)
    store = Store(path)
    yield store
    store.close()


def _probs(counts):
    c = np.asarray(counts, dtype=float)
    return c / c.sum(axis=1, keepdims=True)


def _gini(p):
    return 1 - np.square(np.asarray(p, dtype=float)).sum(axis=1)


def _ent(p):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0).sum(axis=1)


# ---------------------------------------------------------------- value functions
def _unit(**cols) -> pd.DataFrame:
    """Rows of one run x task unit, as item_scores gives them."""
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"run_id": "r", "task_id": "t", **{k: np.asarray(v, dtype=float) for k, v in cols.items()}},
                        index=range(n))


def test_pearson_and_spearman_match_scipy():
    rng = np.random.default_rng(3)
    x, y = rng.random(40), rng.random(40)
    y[:10] = y[10:20]  # ties for the ranks
    assert agg.value("var_corr", _unit(human_gini=x, model_gini=y))[0] == pytest.approx(stats.pearsonr(x, y).statistic)
    rho = agg.value("entropy_spearman", _unit(human_entropy=x, model_entropy=y))[0]
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic)
    x[3] = np.nan
    value, n = agg.value("entropy_spearman", _unit(human_entropy=x, model_entropy=y))
    assert n == 39 and value == pytest.approx(stats.spearmanr(np.delete(x, 3), np.delete(y, 3)).statistic)


def test_correlations_undefined_for_constant_or_tiny_input():
    assert agg.summary("var_corr", _unit(human_gini=[1, 2, 3], model_gini=[.5, .5, .5])) == (None, 0, 0, 1)
    assert agg.summary("var_corr", _unit(human_gini=[1, 2], model_gini=[3, 4])) == (None, 0, 0, 1)


def _f1_unit(h_pos, m_pos, h_maj=None, m_arg=None) -> pd.DataFrame:
    n = len(h_pos) if h_pos is not None else len(h_maj)
    nan = [np.nan] * n
    return _unit(human_pos=nan if h_pos is None else h_pos, model_pos=nan if m_pos is None else m_pos,
                 human_majority=nan if h_maj is None else h_maj, model_argmax=nan if m_arg is None else m_arg)


def test_binary_f1_by_hand():
    # item 3 dropped (human share exactly .5); truth 1,0,1,0 vs prediction 1,1,0,0: tp=1 fp=1 fn=1
    assert agg.value("f1", _f1_unit([.8, .2, .7, .5, .1], [.9, .6, .3, .9, .2])) == (0.5, 4)
    assert agg.summary("f1", _f1_unit([.1, .2], [.3, .4])) == (None, 0, 0, 1)  # no positive anywhere


def test_macro_f1_by_hand():
    # tied truth (NaN) dropped; label 0: F1 1, label 1: F1 0, label 2: tp1 fp1 fn1 -> 0.5
    assert agg.value("f1", _f1_unit(None, None, [0, 1, 2, 2, np.nan], [0, 2, 2, 1, 0])) == (0.5, 4)


def test_weighted_mean_across_two_tasks_by_hand():
    # task a (binary, 4 items kept): F1 .5; task b (3 classes, 2 items): macro-F1 of [0, 1] vs
    # [0, 0] = mean(F1 label 0 = 2/3, F1 label 1 = 0) = 1/3. Weighted: (4 * .5 + 2 * 1/3) / 6.
    a = _f1_unit([.8, .2, .7, .5, .1], [.9, .6, .3, .9, .2]).assign(task_id="a")
    b = _f1_unit(None, None, [0, 1], [0, 0]).assign(task_id="b")
    assert agg.summary("f1", pd.concat([a, b], ignore_index=True)) == (
        pytest.approx((4 * .5 + 2 / 3) / 6), 6, 2, 0)
    # var_corr: r = 1 on task a (3 items), r = -1 on task b (5 items), a third task of 2 items is
    # undefined (left out, counted): (3 * 1 + 5 * -1) / 8 = -.25; pooling would give another r
    rows = pd.concat([_unit(human_gini=[.1, .2, .3], model_gini=[.2, .4, .6]).assign(task_id="a"),
                      _unit(human_gini=[.1, .2, .3, .4, .5], model_gini=[.5, .4, .3, .2, .1]).assign(task_id="b"),
                      _unit(human_gini=[.1, .2], model_gini=[.1, .3]).assign(task_id="c")], ignore_index=True)
    assert agg.summary("var_corr", rows) == (pytest.approx(-.25), 8, 2, 1)
    assert stats.pearsonr(rows["human_gini"][:8], rows["model_gini"][:8]).statistic != pytest.approx(-.25)
    # two runs on one task are two units too
    two_runs = pd.concat([rows[:3], rows[3:8].assign(task_id="a", run_id="other")], ignore_index=True)
    assert agg.value("var_corr", two_runs) == (pytest.approx(-.25), 8)


# ---------------------------------------------------------------- aggregates over a store
def test_aggregate_by_run_and_task_matches_scipy_on_the_tiny_store(tiny):
    res = aggregates.aggregate_by(tiny, Slice(metric="var_corr"), keys=("run_id", "task_id"))
    got = res.frame.set_index(["run_id", "task_id"])["mean"]
    assert got[("chat|verbalized", "bin")] == pytest.approx(
        stats.pearsonr(_gini(_probs(BIN_COUNTS)), _gini(BIN_RLHF)).statistic)
    # R1's one-hot predictions on tri have constant Gini: undefined, left out and counted
    assert ("r1|verbalized", "tri") not in got.index and res.message.startswith("1 of 6 run × task units")
    sp = aggregates.aggregate_by(tiny, Slice(metric="entropy_spearman"), keys=("run_id", "task_id"))
    assert sp.frame.set_index(["run_id", "task_id"])["mean"][("chat|verbalized", "tri")] == pytest.approx(
        stats.spearmanr(_ent(_probs(TRI_COUNTS)), _ent(TRI_RLHF)).statistic)


def test_aggregate_f1_uses_binary_f1_or_macro_f1_by_task(tiny):
    res = aggregates.aggregate_by(tiny, Slice(metric="f1"), keys=("run_id", "task_id"))
    got = res.frame.set_index(["run_id", "task_id"])
    h_bin = _probs(BIN_COUNTS)[:, 1]
    expect_bin = agg.value("f1", _f1_unit(h_bin, np.asarray(BIN_RLHF)[:, 1]))
    assert got.loc[("chat|verbalized", "bin"), "mean"] == pytest.approx(expect_bin[0])
    assert got.loc[("chat|verbalized", "bin"), "n"] == expect_bin[1] == 5  # the 5/5 item is dropped
    # tri: human majorities a, c, b, c and a tie (dropped); R1 argmax a, c, b, c -> perfect
    assert got.loc[("r1|verbalized", "tri"), "mean"] == 1.0
    assert got.loc[("r1|verbalized", "tri"), "n"] == 4


def test_aggregate_pools_tasks_weighted_by_items(tiny):
    by_task = aggregates.aggregate_by(tiny, Slice(metric="entropy_spearman"), keys=("run_id", "task_id")).frame
    pooled = aggregates.aggregate_by(tiny, Slice(metric="entropy_spearman"), keys=("run_id",)).frame
    part = by_task[by_task["run_id"] == "chat|verbalized"]
    expect = (part["mean"] * part["n"]).sum() / part["n"].sum()
    row = pooled.set_index("run_id").loc["chat|verbalized"]
    assert row["mean"] == pytest.approx(expect) and row["n"] == part["n"].sum() and row["n_units"] == 2


def test_aggregate_by_rejects_item_metrics_and_unknown_keys(tiny):
    with pytest.raises(ValueError, match="per-item"):
        aggregates.aggregate_by(tiny, Slice(), "tvd")
    with pytest.raises(ValueError, match="cannot group"):
        aggregates.aggregate_by(tiny, Slice(metric="f1"), keys=("display_name",))


def test_aggregate_on_an_empty_slice_explains(tiny):
    res = aggregates.aggregate_by(tiny, Slice(metric="var_corr", models=("nobody",)))
    assert res.frame is None and "undefined" in res.message


def test_all_aggregates_agree_with_aggregate_by(demo_store):
    wide = aggregates.all_aggregates(demo_store, Slice(tasks=("demo-nli",))).set_index("run_id")
    for m in ("var_corr", "entropy_spearman", "f1"):
        one = aggregates.aggregate_by(demo_store, Slice(tasks=("demo-nli",), metric=m), keys=("run_id",))
        single = one.frame.set_index("run_id")
        assert np.allclose(wide.loc[single.index, m], single["mean"])
        assert (wide.loc[single.index, f"n_{m}"] == single["n"]).all()


def test_demo_var_corr_per_run_and_task_matches_scipy(demo_store):
    rows = demo_store.df("SELECT run_id, task_id, human_gini, model_gini FROM item_scores "
                         "WHERE run_id LIKE 'sim-chat-8b%'")
    got = aggregates.aggregate_by(demo_store, Slice(metric="var_corr", models=("sim-chat-8b",)),
                                  keys=("run_id", "task_id")).frame.set_index(["run_id", "task_id"])["mean"]
    for key, g in rows.groupby(["run_id", "task_id"]):
        assert got[key] == pytest.approx(stats.pearsonr(g["human_gini"], g["model_gini"]).statistic)


# ---------------------------------------------------------------- overview
def test_means_by_band_matches_pandas(demo_store):
    sl = Slice(tasks=("demo-nli", "demo-sarcasm"), metric="jsd")
    got = overview.means_by_band(demo_store, sl, True).frame
    raw = demo_store.df("SELECT task_id, training, reasoning, band_fixed AS band, jsd FROM item_scores "
                        "WHERE task_id IN ('demo-nli', 'demo-sarcasm')")
    expect = raw.groupby(["task_id", "training", "reasoning", "band"])["jsd"].agg(["mean", "count"])
    got = got.set_index(["task_id", "training", "reasoning", "band"])
    assert np.allclose(got["mean"], expect.loc[got.index, "mean"])
    assert (got["n"] == expect.loc[got.index, "count"]).all()
    assert len(got) == len(expect)


def test_means_by_band_for_aggregate_metrics_and_small_n(tiny):
    res = overview.means_by_band(tiny, Slice(metric="entropy_spearman"))
    assert res.ok and res.frame["small_n"].all()  # 11 items at most
    assert set(res.frame["model_type"]) <= {"RLHF · no CoT", "RLVR · thinking"}


def test_means_by_band_empty_slice_explains(demo_store):
    res = overview.means_by_band(demo_store, Slice(models=("sim-base-8b",), methods=("verbalized",)))
    assert res.frame is None and "No scored items" in res.message


def _frame(rows):
    return pd.DataFrame(rows, columns=["model_type", "band", "mean", "n"]).assign(small_n=lambda d: d["n"] < 30)


def test_headline_is_computed_from_the_numbers():
    rows = [("RLVR · thinking", "low", 0.05, 300), ("RLHF · no CoT", "low", 0.04, 300),
            ("RLVR · thinking", "high", 0.30, 90), ("RLHF · no CoT", "high", 0.10, 80),
            ("Baseline", "high", 0.01, 90)]
    text = overview.headline(_frame(rows), "tvd", "fixed")
    assert "RLHF · no CoT does best" in text and "RLVR · thinking worst" in text
    assert "0.100, n=80" in text and "0.300, n=90" in text and "gap of 0.200" in text
    assert "differ by 0.010" in text and "widens" in text and "Baseline" not in text
    assert "RLVR models score 0.300 (n=90) and RLHF models 0.100 (n=80)" in text and "RLVR worse by 0.200" in text
    rows[3] = ("RLHF · no CoT", "high", 0.50, 20)  # now RLHF is worst and small-n
    text = overview.headline(_frame(rows), "tvd", "fixed")
    assert "RLVR · thinking does best" in text and "fewer than 30" in text


def test_headline_follows_the_metric_direction():
    rows = [("A", "high", 0.9, 50), ("B", "high", 0.2, 50)]
    assert "A does best" in overview.headline(_frame(rows), "var_corr", "fixed")
    assert "B does best" in overview.headline(_frame(rows), "tvd", "fixed")
    rows = [("A", "high", -0.3, 50), ("B", "high", 0.1, 50)]
    assert "B does best" in overview.headline(_frame(rows), "entropy_gap", "fixed")
    assert "Only baselines" in overview.headline(_frame([("Baseline", "high", 0.1, 50)]), "tvd", "fixed")
    assert "Only one model type" in overview.headline(_frame([("A", "high", 0.1, 50)]), "tvd", "fixed")


def test_headline_without_the_pooled_training_gap_and_with_undefined_means():
    rows = [("RLVR · thinking", "high", 0.30, 90), ("RLHF · no CoT", "high", 0.10, 80),
            ("RLHF · CoT", "high", None, 80)]
    text = overview.headline(_frame(rows), "tvd", "fixed", training_gap=False)
    assert "pooled" not in text and "RLVR models score" not in text
    assert text.startswith("On high") or text.startswith("In the high")
    assert "RLHF · no CoT does best" in text and "RLHF · CoT" not in text and "nan" not in text
    frame = _frame(rows + [("RLVR · thinking", "low", 0.05, 300), ("RLHF · no CoT", "low", 0.04, 300)])
    frame = frame.assign(lo=frame["mean"] - 0.01, hi=frame["mean"] + 0.02)
    text = overview.headline(frame, "tvd", "fixed", training_gap=False)
    assert "(Total variation distance 0.100, 95% CI 0.090–0.120, n=80)" in text
    assert "(0.300, 95% CI 0.290–0.320, n=90)" in text
    assert "differ by 0.010." in text and "widens" not in text


# ---------------------------------------------------------------- bands
def test_entropy_histogram_counts_every_item_once(demo_store):
    sl = Slice(tasks=("demo-nli",), band_scheme="tertile")
    hist = bands.entropy_histogram(demo_store, sl).frame
    assert hist["n_items"].sum() == demo_store.scalar("SELECT count(*) FROM human_dist WHERE task_id = 'demo-nli'")
    by_band = hist.groupby("band")["n_items"].sum()
    expect = demo_store.df("SELECT band_tertile AS band, count(*) AS n FROM human_dist "
                           "WHERE task_id = 'demo-nli' GROUP BY 1").set_index("band")["n"]
    assert (by_band == expect.loc[by_band.index]).all()
    assert hist["bin"].between(0, 19).all()


def test_band_edges_only_for_entropy_cut_schemes(demo_store):
    edges = bands.band_edges(demo_store, Slice(tasks=("demo-nli",))).frame
    assert list(edges["upper"].iloc[:2]) == list(FIXED_CUTS) and set(edges["task_id"]) == {"demo-nli"}
    assert bands.band_edges(demo_store, Slice(band_scheme="highvar")).frame is None


def test_metric_by_entropy_bin_matches_pandas(demo_store):
    sl = Slice(training=("rlvr",), metric="kl")
    got = bands.metric_by_entropy_bin(demo_store, sl).frame.set_index(["reasoning", "bin"])
    raw = demo_store.df("SELECT reasoning, entropy_norm, kl FROM item_scores WHERE training = 'rlvr'")
    raw["bin"] = np.minimum(np.floor(raw["entropy_norm"] * ENTROPY_BINS), ENTROPY_BINS - 1).astype(int)
    expect = raw.groupby(["reasoning", "bin"])["kl"].agg(["mean", "count"])
    assert np.allclose(got["mean"], expect.loc[got.index, "mean"]) and (got["n"] == expect.loc[got.index, "count"]).all()
    assert len(got) == len(expect)  # no bin lost or invented by the pre-aggregate
    res = bands.metric_by_entropy_bin(demo_store, Slice(metric="var_corr"))
    assert res.frame is None and "per-item metric" in res.message


def test_entropy_scatter_samples_normalised_points_without_baselines(demo_store):
    res = bands.entropy_scatter(demo_store, Slice(), max_points=500)
    df = res.frame
    assert len(df) == 500 and "500 of" in res.message and "Baseline" not in set(df["model_type"])
    assert df["model_norm"].between(0, 1 + 1e-9).all()
    row = df.iloc[0]
    k, ent = demo_store.rows("SELECT len(t.labels), s.model_entropy FROM item_scores s JOIN tasks t "
                             "USING (task_id) WHERE run_id = ? AND item_id = ?", [row.run_id, row.item_id])[0]
    assert row.model_norm == pytest.approx(ent / np.log(k))
    again = bands.entropy_scatter(demo_store, Slice(), max_points=500).frame
    assert list(again["item_id"]) == list(df["item_id"])  # a fixed sample
    assert "Baseline" in set(bands.entropy_scatter(demo_store, Slice(training=("baseline",))).frame["model_type"])


@pytest.mark.parametrize("oversample", [8, 0.5])  # 0.5: too few rows pass the cut, read again without it
def test_entropy_scatter_cut_keeps_the_smallest_orders(demo_store, monkeypatch, oversample):
    monkeypatch.setattr(bands, "SCATTER_OVERSAMPLE", oversample)
    got = bands.entropy_scatter(demo_store, Slice(tasks=("demo-nli",)), max_points=200).frame
    want = demo_store.df("SELECT run_id, item_id FROM item_scores WHERE task_id = 'demo-nli' AND training <> 'baseline' "
                         "ORDER BY scatter_order LIMIT 200")
    assert list(zip(got["run_id"], got["item_id"], strict=True)) == list(zip(want["run_id"], want["item_id"], strict=True))


def test_collapse_rates_match_pandas(tiny):
    assert COLLAPSE_MARGIN == 0.05
    got = bands.collapse_rates(tiny, Slice()).frame.set_index("model_type")
    h = np.r_[_ent(_probs(BIN_COUNTS)) / np.log(2), _ent(_probs(TRI_COUNTS)) / np.log(3)]
    m = np.r_[_ent(BIN_RLVR) / np.log(2), _ent(TRI_RLVR) / np.log(3)]
    assert got.loc["RLVR · thinking", "over"] == pytest.approx(np.mean(m < h - 0.05))
    assert got.loc["RLVR · thinking", "under"] == pytest.approx(np.mean(m > h + 0.05))
    assert got.loc["RLVR · thinking", "n"] == 11


# ---------------------------------------------------------------- leaderboard, runs, pairs, methods
def test_leaderboard_rows_are_runs_with_item_and_aggregate_metrics(demo_store):
    sl = Slice(tasks=("demo-offensive", "demo-sarcasm"))
    board = leaderboard.leaderboard(demo_store, sl).frame.set_index("run_id")
    raw = demo_store.df("SELECT run_id, tvd, wasserstein FROM item_scores "
                        "WHERE task_id IN ('demo-offensive', 'demo-sarcasm')")
    assert set(board.index) == set(raw["run_id"])
    means = raw.groupby("run_id").mean()
    assert np.allclose(board["tvd"], means.loc[board.index, "tvd"])
    assert (board["n_wasserstein"] == 320).all() and (board["n"] == 640).all()  # only sarcasm is ordinal
    agg = aggregates.aggregate_by(demo_store, sl.with_(metric="f1"), keys=("run_id",)).frame.set_index("run_id")
    assert np.allclose(board.loc[agg.index, "f1"], agg["mean"])
    assert list(board["tvd"]) == sorted(board["tvd"])  # best first for lower-is-better
    assert set(METRICS.names()) <= set(board.columns)


def test_leaderboard_empty_slice_explains(demo_store):
    res = leaderboard.leaderboard(demo_store, Slice(models=("sim-base-8b",), methods=("sampling",)))
    assert res.frame is None and "No scored items" in res.message


def test_run_values_by_band(tiny):
    df = per_run.run_values(tiny, Slice(metric="tvd"), by_band=True).frame
    raw = tiny.df("SELECT run_id, band_fixed AS band, avg(tvd) AS m, count(*) AS n FROM item_scores GROUP BY ALL")
    merged = df.merge(raw, on=["run_id", "band"])
    assert len(merged) == len(raw) and np.allclose(merged["mean"], merged["m"]) and (merged["n_x"] == merged["n_y"]).all()


def test_sibling_pairs_match_runs_on_method(tiny):
    df = pairs.sibling_pairs(tiny, Slice(metric="tvd")).frame
    assert set(df["method"]) == {"verbalized"}  # the sampling run has no RLVR sibling
    assert set(df["run_id_rlhf"]) == {"chat|verbalized"} and set(df["run_id_rlvr"]) == {"r1|verbalized"}
    assert np.allclose(df["diff"], df["mean_rlvr"] - df["mean_rlhf"])
    assert all((b == "RLVR") == (d < 0) for b, d in zip(df["better"], df["diff"], strict=True))
    long = pairs.pair_long(df)
    assert len(long) == 2 * len(df) and set(long["side"]) == {"RLHF", "RLVR"}
    empty = pairs.sibling_pairs(tiny, Slice(training=("rlhf",)))
    assert empty.frame is None and "sibling" in empty.message


def test_sibling_pairs_for_higher_is_better_aggregates(demo_store):
    df = pairs.sibling_pairs(demo_store, Slice(metric="entropy_spearman")).frame
    assert all((b == "RLVR") == (d > 0) for b, d in zip(df["better"], df["diff"], strict=True))


def test_method_comparison_keeps_models_with_several_methods(demo_store):
    df = methods.method_comparison(demo_store, Slice()).frame
    assert (df.groupby("model_id")["method"].nunique() >= 2).all()
    assert "sim-base-8b" not in set(df["model_id"]) and not df["model_id"].str.startswith("baseline").any()
    res = methods.method_comparison(demo_store, Slice(methods=("verbalized",)))
    assert res.frame is None and "more than one method" in res.message


def test_scored_rows_counts_run_item_rows(tiny):
    assert coverage.scored_rows(tiny, Slice()) == 3 * 11
    assert coverage.scored_rows(tiny, Slice(tasks=("bin",), methods=("sampling",))) == 6
    assert coverage.scored_rows(tiny, Slice(models=("r1",), methods=("sampling",))) == 0


def test_model_type_labels_are_the_same_for_small_and_large_frames():
    from data_layer.facets import model_type_label
    from data_layer.queries.common import add_model_type
    pairs = [("rlvr", "native"), ("rlhf", "none"), ("simulated-rlhf", "prompted"), ("baseline", "none")]
    small = pd.DataFrame(pairs * 3, columns=["training", "reasoning"])
    large = pd.DataFrame(pairs * 1000, columns=["training", "reasoning"])
    assert add_model_type(small)["model_type"].tolist() == add_model_type(large)["model_type"].tolist()[:12]
    assert add_model_type(small)["model_type"].iloc[0] == model_type_label("rlvr", "native")
