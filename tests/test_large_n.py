"""The large-slice path (data_layer.queries.large_n) against the exact bootstrap path on the demo
store, with the threshold forced down so the demo store counts as large."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as ss

from data_layer.queries import intervals, large_aggregate_pairs, large_n, paired, paired_terms, winrates
from data_layer.slice import Slice
from data_layer.store import Store
from data_layer.verdict import verdict, verdicts_by_band
from precompute.build import build_store
from precompute.demo import demo_study

MAX_ROWS = 5_000  # no query of the large path may return more rows than this


@pytest.fixture
def large(monkeypatch):
    """Forces the large path and records the size of every answer the store gives."""
    monkeypatch.setattr(large_n, "LARGE_N_ROWS", 10)
    sizes = []
    original = Store.df

    def recording(self, sql, params=None):
        out = original(self, sql, params)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(Store, "df", recording)
    return sizes



def exact_and_large(large, monkeypatch, answer):
    """answer() on the exact path (threshold out of reach), then on the large path, which must
    not bring more than MAX_ROWS rows out of the store in any query."""
    with monkeypatch.context() as m:
        m.setattr(large_n, "LARGE_N_ROWS", 10**12)
        exact = answer()
    large.clear()
    got = answer()
    assert max(large) <= MAX_ROWS
    return exact, got

@pytest.mark.parametrize("by", [("model_type", "band"), ("model_type", "band", "task_id"),
                                ("model_type", "entropy_bin"), ("model_type",)])
@pytest.mark.parametrize("sl", [Slice(metric="jsd"), Slice(metric="majority_match", bands=("high",)),
                                Slice(metric="wasserstein", methods=("verbalized",), tasks=("demo-sarcasm", "demo-nli")),
                                Slice(metric="kl", band_scheme="tertile", training=("rlhf", "rlvr"))])
def test_cluster_sums_give_the_per_item_terms(demo_store, by, sl):
    """The pre-aggregated terms (cluster_sums, item_cover) equal the same terms aggregated per item
    from item_scores, under item filters, run filters and metrics with missing values."""
    fast = large_n._terms_from_cluster_sums(demo_store, sl, sl.metric, by)
    slow = large_n._terms_from_rows(demo_store, sl, sl.metric, by)
    keys = [c for c in slow.columns if c not in ("n", "n_items", "mean", "q", "pc", "r")]
    fast, slow = (f.sort_values(keys).reset_index(drop=True) for f in (fast, slow))
    assert len(slow) > 1
    pd.testing.assert_frame_equal(fast[[*keys, "n", "n_items"]], slow[[*keys, "n", "n_items"]], check_dtype=False)
    np.testing.assert_allclose(fast[["mean", "q", "pc", "r"]], slow[["mean", "q", "pc", "r"]], rtol=1e-9)


@pytest.mark.parametrize("by", [("model_type", "band"), ("run_id",), ("task_id",), (),
                                ("model_type", "entropy_bin")])
def test_means_agree_with_the_bootstrap(demo_store, large, monkeypatch, by):
    sl = Slice(metric="jsd")
    exact, got = exact_and_large(large, monkeypatch, lambda: intervals.means_with_intervals(demo_store, sl, by).frame)
    assert (got["method"] == large_n.method_note()).all()
    assert (exact["method"] == large_n.METHOD_BOOTSTRAP).all()
    cols = [*by, "n", "n_items", "n_runs"]
    pd.testing.assert_frame_equal(got[cols], exact[cols], check_dtype=False)
    np.testing.assert_allclose(got["mean"], exact["mean"], rtol=0, atol=1e-9)
    width = (exact["hi"] - exact["lo"]).to_numpy()
    assert np.all(np.abs(got["lo"] - exact["lo"]) <= 0.15 * width)
    assert np.all(np.abs(got["hi"] - exact["hi"]) <= 0.15 * width)


def test_aggregate_means_come_from_unit_aggregates_without_interval(demo_store, large, monkeypatch):
    sl = Slice(metric="var_corr")
    exact, got = exact_and_large(large, monkeypatch, lambda: intervals.means_with_intervals(demo_store, sl).frame)
    merged = exact.merge(got, on=["model_type", "band"], suffixes=("", "_big"))
    assert len(merged) == len(exact)
    np.testing.assert_allclose(merged["mean_big"].astype(float), merged["mean"].astype(float), atol=1e-9)
    assert (merged["n_items_big"] == merged["n_items"]).all()
    assert merged["lo_big"].isna().all() and merged["note_big"].str.contains("interval not computed").all()


@pytest.mark.parametrize("methods", [(), ("verbalized",)])  # all of a kind's pairs (pair_item_sums), or some
@pytest.mark.parametrize("metric", ["jsd", "majority_match"])  # majority_match: heavy ties in |d|
@pytest.mark.parametrize("kind", ["rlvr_vs_rlhf", "thinking_vs_none"])
@pytest.mark.parametrize("by", [(), ("band",), ("task_id",)])
def test_paired_agrees_with_the_bootstrap_and_scipy(demo_store, large, monkeypatch, kind, by, metric, methods):
    sl = Slice(metric=metric, methods=methods)
    rows = paired.paired_rows(demo_store, sl, kind)
    exact, got = exact_and_large(large, monkeypatch, lambda: paired.paired_comparison(demo_store, sl, kind, by).frame)
    assert list(got.columns) == list(exact.columns)
    for c in ["diff", "left", "right"]:
        np.testing.assert_allclose(got[c].astype(float), exact[c].astype(float), rtol=0, atol=1e-9)
    assert (got[[*by, "n", "n_run_pairs"]].to_numpy() == exact[[*by, "n", "n_run_pairs"]].to_numpy()).all()
    width = (exact["hi"] - exact["lo"]).to_numpy()
    assert np.all(np.abs(got["lo"] - exact["lo"]) <= 0.15 * width)
    assert np.all(np.abs(got["hi"] - exact["hi"]) <= 0.15 * width)
    rows = rows.assign(d=rows[f"left_{metric}"] - rows[f"right_{metric}"])
    groups = rows.groupby(by[0]) if by else [(None, rows)]
    for key, part in groups:
        p = got["p"].iloc[0] if key is None else got.loc[got[by[0]] == key, "p"].item()
        per_item = part.groupby(["task_id", "item_id"])["d"].mean().dropna().to_numpy()
        want = ss.wilcoxon(per_item, zero_method="wilcox", method="approx").pvalue
        # per-item means over run pairs summed in another order can break float ties: rel 1e-4
        assert p == pytest.approx(want, rel=1e-4)


def test_verdicts_say_which_method(demo_store, large):
    sl = Slice(metric="tvd")
    v = verdict(demo_store, sl)
    assert v.method == large_n.method_note() and "normal approximation" in v.sentence
    assert all(b.method == large_n.method_note() for _, b in verdicts_by_band(demo_store, sl))
    assert max(large) <= MAX_ROWS


def test_small_slices_keep_the_bootstrap(demo_store):
    assert not large_n.is_large(demo_store, Slice(), "tvd")  # the demo store is below the threshold
    assert verdict(demo_store, Slice(metric="tvd")).method == large_n.METHOD_BOOTSTRAP


@pytest.mark.parametrize("sl", [Slice(), Slice(bands=("low", "medium")), Slice(tasks=("demo-nli",))])
def test_win_rates_from_the_pre_aggregates_are_the_same(demo_store, large, monkeypatch, sl):
    exact, got = exact_and_large(large, monkeypatch, lambda: winrates.win_rates(demo_store, sl).frame)
    assert got["method"].str.contains("score_sums").all()
    pd.testing.assert_frame_equal(got.drop(columns="method"), exact, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("metric", ["var_corr", "entropy_spearman", "f1"])
@pytest.mark.parametrize("by", [(), ("band",), ("task_id",)])
def test_aggregate_pairs_are_exact_without_interval(demo_store, large, monkeypatch, metric, by):
    """Aggregate metrics on a large slice: the exact path's values from the stored unit values,
    no interval, no p, and the verdict says so instead of deciding."""
    sl = Slice(metric=metric, methods=("verbalized", "sampling"))
    exact, got = exact_and_large(large, monkeypatch,
                                 lambda: paired.paired_comparison(demo_store, sl, "rlvr_vs_rlhf", by).frame)
    assert (got["method"] == large_aggregate_pairs.NO_INTERVAL).all()
    pd.testing.assert_frame_equal(got[[*by, "n", "n_run_pairs"]], exact[[*by, "n", "n_run_pairs"]], check_dtype=False)
    np.testing.assert_allclose(got[["left", "right", "diff"]].astype(float), exact[["left", "right", "diff"]].astype(float),
                               rtol=1e-9)
    assert got["lo"].isna().all() and got["p"].isna().all() and (got["verdict"] == "no interval").all()
    v = verdict(demo_store, sl)
    assert v.word is None and v.lo is None and v.method == large_aggregate_pairs.NO_INTERVAL
    assert "no interval" in v.sentence and f"{v.diff:+.3f}" in v.sentence and v.n > 0
    if not by:
        assert v.diff == pytest.approx(float(exact["diff"].iloc[0]), rel=1e-9)


def test_aggregate_pairs_with_different_items_keep_the_exact_path(tmp_path, large):
    """If a pair's runs did not score the same items, the stored unit values are not the matched
    rows' values: the exact bootstrap path answers instead."""
    study = demo_study(0)
    runs = list(study.runs)
    rlvr = next(r for r in runs if r.model.training.endswith("rlvr"))
    rlvr.dists = rlvr.dists.iloc[25:].reset_index(drop=True)  # this run skips 25 items
    study.runs = runs
    path = tmp_path / "gap.duckdb"
    build_store(study, path, show_progress=False)
    store = Store(path)
    try:
        got = paired.paired_comparison(store, Slice(metric="var_corr"), "rlvr_vs_rlhf").frame
        assert (got["method"] == large_n.METHOD_BOOTSTRAP).all() and got["lo"].notna().all()
        per_item = paired.paired_comparison(store, Slice(metric="tvd"), "rlvr_vs_rlhf").frame
        assert (per_item["method"] == large_n.method_note()).all()
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["rlvr_vs_rlhf", "cot_vs_none", "verbalized_vs_sampling"])
@pytest.mark.parametrize("sl,by", [(Slice(metric="jsd"), ()), (Slice(metric="majority_match"), ("band",)),
                                   (Slice(metric="kl", band_scheme="tertile", bands=("high", "low")), ("band",)),
                                   (Slice(metric="wasserstein", band_scheme="highvar"), ("band",)),
                                   (Slice(metric="tvd", tasks=("demo-nli", "demo-sarcasm")), ("task_id",)),
                                   (Slice(metric="jsd", methods=("verbalized",)), ("band",)),
                                   (Slice(metric="majority_match", methods=("verbalized",), tasks=("demo-nli",)),
                                    ("task_id",))])
def test_build_time_pair_tests_equal_the_request_time_terms(demo_store, monkeypatch, kind, sl, by):
    """pair_tests (read when the slice's pairs are a stored set, all of a kind's or one method's,
    and its item filters pick whole groups) gives the same rows as averaging the pairs' per-item
    differences (pair_diffs) and ranking them at request time."""
    k = paired.KINDS[kind]
    relaxed = paired._relaxed(sl, k)
    pairs = paired.run_pairs(demo_store, sl, kind)
    pair_set = large_n.stored_pair_set(demo_store, kind, large_n.pair_keys(demo_store, kind, pairs))
    # a method's pairs can be all of the kind's (the demo's CoT runs are all verbalized): the first set
    assert pair_set == "" or pair_set == f"method={relaxed.methods[0]}"
    stored = large_n._stored_terms(demo_store, sl, kind, pair_set, sl.metric, by)
    assert stored is not None and len(stored)
    got = large_n.paired_from_sql(demo_store, relaxed, sl.metric, sl.band_column, pairs, by, kind)
    monkeypatch.setattr(large_n, "stored_pair_set", lambda *a: None)
    want = large_n.paired_from_sql(demo_store, relaxed, sl.metric, sl.band_column, pairs, by, kind)
    got, want = (f.sort_values(list(by)) if by else f for f in (got, want))  # callers order the groups
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False,
                                  rtol=1e-9)


def test_stored_pair_sets_are_all_pairs_and_one_per_method(demo_store):
    """A run filter leaving all of a kind's pairs or one method's reads the stored set; any other
    (a size range, one model) computes from pair_diffs."""
    def set_of(sl, kind="rlvr_vs_rlhf"):
        pairs = paired.run_pairs(demo_store, sl, kind)
        return large_n.stored_pair_set(demo_store, kind, large_n.pair_keys(demo_store, kind, pairs))

    assert set_of(Slice()) == "" and set_of(Slice(training=("rlvr",))) == ""  # training is relaxed
    assert set_of(Slice(methods=("sampling",))) == "method=sampling"
    assert set_of(Slice(methods=("verbalized", "sampling"))) == ""  # the demo's pairs have these two
    assert set_of(Slice(size_max=20)) is None  # the 8B and 14B pairs
    assert set_of(Slice(methods=("verbalized",)), "verbalized_vs_sampling") == ""  # methods relaxed
    model = demo_store.rows("SELECT model_id FROM runs WHERE reasoning = 'cot' LIMIT 1")[0][0]
    assert set_of(Slice(models=(model,)), "cot_vs_none") is None
    sets = {s for (s,) in demo_store.rows("SELECT DISTINCT pair_set FROM pair_sets WHERE kind = 'rlvr_vs_rlhf'")}
    assert sets == {"", "method=sampling", "method=verbalized"}  # the methods the kind's pairs have


def test_pair_tests_are_not_used_when_item_filters_cut_across_groups(demo_store):
    for sl, by in [(Slice(tasks=("demo-nli",)), ("band",)), (Slice(bands=("high",)), ()),
                   (Slice(bands=("high",)), ("task_id",))]:
        assert large_n._stored_terms(demo_store, sl, "rlvr_vs_rlhf", "", "tvd", by) is None


@pytest.mark.parametrize("decimals", [1, 3, 12])  # heavy ties and zeros ... almost none
def test_signed_rank_sums_give_scipys_p(decimals):
    d = np.round(np.random.default_rng(decimals).normal(0.05, 1, 2_000), decimals)
    nw, r_plus, ties = paired_terms.signed_rank_sums(d)
    assert nw == np.count_nonzero(d) and (ties > 0) == (decimals < 12)
    want = ss.wilcoxon(d, zero_method="wilcox", method="approx").pvalue
    assert large_n.wilcoxon_p(nw, r_plus, ties) == pytest.approx(want, rel=1e-10)
    assert paired_terms.signed_rank_sums(np.zeros(3)) == (0, 0.0, 0.0)


@pytest.mark.parametrize("keys", [[0], [3, 5, 63], [0, 1, 2, 3, 4, 8, 9], [10, 70], list(range(64, 80)), []])
def test_pair_filter_keeps_exactly_the_pairs_given(keys):
    import duckdb
    sql, params = paired_terms.pair_filter(keys)
    got = duckdb.connect().execute(f"SELECT x.pair_key FROM (SELECT range::INTEGER AS pair_key FROM range(130)) x "
                                   f"WHERE {sql} ORDER BY 1", params).fetchall()
    assert [k for (k,) in got] == sorted(set(keys))
