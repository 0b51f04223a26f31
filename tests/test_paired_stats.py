"""Aggregates, intervals, paired comparisons, win rates and the verdict on a real demo store."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as ss

from data_layer import aggregates
from data_layer.queries.intervals import means_with_intervals
from data_layer.queries.paired import KINDS, paired_comparison, run_pairs
from data_layer.queries.winrates import win_rates
from data_layer.slice import Slice
from data_layer.verdict import MIN_ITEMS, sentence, verdict, word_for

RUN = "sim-chat-8b|verbalized|none|zero"


def _binary_run(store):
    return store.df("SELECT h.probs AS h, d.probs AS m, h.majority_index AS hm FROM model_dist d "
                    "JOIN human_dist h USING (task_id, item_id) WHERE d.run_id = ? AND "
                    "d.task_id = 'demo-offensive' ORDER BY item_id", [RUN])


def test_aggregates_match_their_definitions(demo_store):
    raw = _binary_run(demo_store)
    h, m = np.stack(raw["h"])[:, 1], np.stack(raw["m"])[:, 1]
    rows = demo_store.df("SELECT * FROM item_scores WHERE run_id = ? AND task_id = 'demo-offensive' "
                         "ORDER BY item_id", [RUN])
    # Ni et al.'s VarCorr: Pearson r of p(1-p) and p^(1-p^)
    assert aggregates.value("var_corr", rows)[0] == pytest.approx(ss.pearsonr(h * (1 - h), m * (1 - m))[0])
    hh, mm = np.stack(raw["h"]), np.stack(raw["m"])
    ent = lambda p: -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0)).sum(1)  # noqa: E731
    assert aggregates.value("entropy_spearman", rows)[0] == pytest.approx(ss.spearmanr(ent(hh), ent(mm))[0])
    keep = (h != 0.5) & (m != 0.5)
    t, p = h[keep] > 0.5, m[keep] > 0.5
    tp, fp, fn = (t & p).sum(), (~t & p).sum(), (t & ~p).sum()
    assert aggregates.value("f1", rows) == (pytest.approx(2 * tp / (2 * tp + fp + fn)), int(keep.sum()))


def test_means_with_intervals_bracket_the_plain_means(demo_store):
    sl = Slice(metric="jsd")
    res = means_with_intervals(demo_store, sl, by=("model_type", "band"))
    df = res.frame
    plain = demo_store.df("SELECT training, reasoning, band_fixed AS band, avg(jsd) AS m, count(*) AS n "
                          "FROM item_scores GROUP BY ALL")
    assert len(df) == len(plain)
    assert (df["lo"] <= df["mean"]).all() and (df["mean"] <= df["hi"]).all()
    assert sorted(df["n"]) == sorted(plain["n"])
    assert sorted(df["mean"].round(10)) == sorted(plain["m"].round(10))
    assert list(df["band"].iloc[:3]) == ["low", "medium", "high"]
    again = means_with_intervals(demo_store, sl, by=("model_type", "band"))
    pd.testing.assert_frame_equal(df, again.frame)


def test_means_with_intervals_by_entropy_bin_match_pandas(demo_store):
    sl = Slice(metric="tvd", tasks=("demo-nli",))
    df = means_with_intervals(demo_store, sl, by=("model_type", "entropy_bin")).frame
    plain = demo_store.df("SELECT training, reasoning, least(floor(entropy_norm * 10), 9)::INT AS b, "
                          "avg(tvd) AS m, count(*) AS n FROM item_scores WHERE task_id = 'demo-nli' "
                          "GROUP BY ALL")
    assert len(df) == len(plain) and set(df["entropy_bin"]) == set(plain["b"]) <= set(range(10))
    assert sorted(df["mean"].round(10)) == sorted(plain["m"].round(10))
    assert (df["lo"] <= df["mean"]).all() and (df["mean"] <= df["hi"]).all()
    with pytest.raises(ValueError, match="entropy_bin"):
        means_with_intervals(demo_store, sl, by=("no_such_key",))


def test_aggregate_metric_intervals_and_empty_slice(demo_store):
    res = means_with_intervals(demo_store, Slice(metric="var_corr", tasks=("demo-nli",)), by=("run_id",))
    assert res.ok and (res.frame["statistic"] == "Variance correlation").all()
    defined = res.frame.dropna(subset=["mean"])
    assert (defined["lo"] <= defined["hi"]).all() and len(defined) >= 15
    undefined = res.frame[res.frame["mean"].isna()]  # constant predictions have no correlation
    assert set(undefined["run_id"]) <= {"baseline:uniform", "baseline:majority"}
    assert (undefined["note"].str.contains("undefined")).all()
    empty = means_with_intervals(demo_store, Slice(models=("no-such-model",)))
    assert not empty.ok and "No scored items" in empty.message


def test_rlvr_vs_rlhf_pairs_siblings_and_matches_a_hand_join(demo_store):
    pairs = run_pairs(demo_store, Slice(), "rlvr_vs_rlhf")
    runs = demo_store.df("SELECT run_id, pair_id, training, method, steering FROM runs JOIN models "
                         "USING (model_id)").set_index("run_id")
    for left, right in zip(pairs["left_run"], pairs["right_run"], strict=True):
        a, b = runs.loc[left], runs.loc[right]
        assert (a.training, b.training) == ("rlvr", "rlhf")
        assert (a.pair_id, a.method, a.steering) == (b.pair_id, b.method, b.steering)
    hand = demo_store.df(
        "WITH p AS (SELECT * FROM (VALUES " + ",".join(f"('{a}','{b}')" for a, b in
                                                      zip(pairs.left_run, pairs.right_run, strict=True)) +
        ") t(l, r)) SELECT a.task_id, a.item_id, avg(a.tvd - b.tvd) AS d FROM p "
        "JOIN item_metrics a ON a.run_id = p.l JOIN item_metrics b ON b.run_id = p.r "
        "AND a.task_id = b.task_id AND a.item_id = b.item_id GROUP BY ALL")
    row = paired_comparison(demo_store, Slice(), "rlvr_vs_rlhf").frame.iloc[0]
    assert row["n"] == len(hand) and row["diff"] == pytest.approx(hand["d"].mean())
    assert row["p"] == pytest.approx(ss.wilcoxon(hand["d"]).pvalue)
    assert row["lo"] < row["diff"] < row["hi"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_gives_per_band_and_per_task_rows(demo_store, kind):
    whole = paired_comparison(demo_store, Slice(), kind).frame
    by_band = paired_comparison(demo_store, Slice(), kind, by=("band",)).frame
    by_task = paired_comparison(demo_store, Slice(), kind, by=("task_id",)).frame
    assert by_band["n"].sum() == whole["n"].iloc[0] == by_task["n"].sum()
    assert set(by_band["verdict"]) <= {"left better", "right better", "no clear difference"}


@pytest.mark.parametrize("sl", [Slice(), Slice(metric="var_corr", tasks=("demo-nli",), methods=("sampling",))])
def test_paired_comparisons_equal_one_call_per_kind(demo_store, sl):
    from data_layer.queries.paired import paired_comparisons
    res = paired_comparisons(demo_store, sl, ("band",))
    for kind in KINDS:
        one = paired_comparison(demo_store, sl, kind, ("band",))
        part = res.frame[res.frame["kind"] == kind].drop(columns="kind").reset_index(drop=True)
        if one.ok:
            pd.testing.assert_frame_equal(part, one.frame)
        else:
            assert part.empty and one.message in res.message
    assert not paired_comparisons(demo_store, Slice(tasks=("no-such-task",))).ok


def test_win_rates_follow_the_rules(demo_store):
    table = win_rates(demo_store, Slice()).frame
    assert set(table["comparison"]) == {"RLVR > RLHF", "RLHF+CoT > RLHF no-CoT"}
    row = table[(table["comparison"] == "RLVR > RLHF") & (table["metric"] == "tvd") &
                (table["subset"] == "all")].iloc[0]
    assert row["win_rate"] == pytest.approx(100 * row["wins"] / row["n"])
    assert 0 <= row["p"] <= 1


def test_setting_values_match_sql_means_and_aggregates_per_run_and_task(demo_store):
    from data_layer.queries.winrates import setting_values
    v = setting_values(demo_store, Slice(), (("all", "tvd"), ("high", "tvd"), ("all", "var_corr")))
    assert len(v) == 3 * v.groupby(["task_id", "pair_id", "method", "steering", "side"]).ngroups
    assert not v.groupby(["task_id", "pair_id", "method", "steering", "side"])["run_id"].nunique().gt(1).any()
    sql = demo_store.df("SELECT run_id, task_id, avg(tvd) AS m, count(tvd) AS n, "
                        "avg(tvd) FILTER (WHERE band_fixed = 'high') AS mh FROM item_scores GROUP BY ALL")
    got = v.merge(sql, on=["run_id", "task_id"])
    assert len(got) == len(v)
    every, high = got[got["subset"] == "all"], got[got["subset"] == "high"]
    tvd = every[every["metric"] == "tvd"]
    assert np.allclose(tvd["value"].astype(float), tvd["m"]) and (tvd["n_x"] == tvd["n_y"]).all()
    assert np.allclose(high["value"].astype(float), high["mh"])
    r = every[every["metric"] == "var_corr"].iloc[0]
    rows = demo_store.df("SELECT * FROM item_scores WHERE run_id = ? AND task_id = ?", [r["run_id"], r["task_id"]])
    assert r["value"] == pytest.approx(aggregates.value("var_corr", rows)[0])


def test_verdict_words_follow_the_interval():
    assert word_for(0.01, 0.05, "lower") == "worse"
    assert word_for(-0.05, -0.01, "lower") == "better"
    assert word_for(0.01, 0.05, "higher") == "better"
    assert word_for(-0.01, 0.05, "lower") == "no clear difference"
    v = sentence("tvd", 0.02, -0.001, 0.04, 500, 3, 0.2)
    assert v.word == "no clear difference" and "n" and "500 items" in v.sentence and "-0.001" in v.sentence
    assert sentence("tvd", 0.02, 0.01, 0.04, MIN_ITEMS - 1, 1, 0.01).word is None


def test_verdict_on_the_demo_states_n_and_interval(demo_store):
    v = verdict(demo_store, Slice())
    assert v.word in ("worse", "better", "no clear difference")
    assert f"{v.n:,} items" in v.sentence and "95% CI" in v.sentence
    assert (v.word != "no clear difference") == (v.lo > 0 or v.hi < 0)


def test_compare_runs_gives_both_sides_and_the_difference_from_one_resampling(demo_store):
    from data_layer.queries.compare import compare_runs
    left, right = "sim-r1-distill-8b|verbalized|native|zero", RUN
    res = compare_runs(demo_store, Slice(tasks=("demo-offensive",)), left, right)
    df = res.frame.set_index("metric")
    hand = demo_store.df("SELECT a.tvd AS l, b.tvd AS r FROM item_metrics a JOIN item_metrics b "
                         "USING (task_id, item_id) WHERE a.run_id = ? AND b.run_id = ? AND "
                         "task_id = 'demo-offensive'", [left, right])
    t = df.loc["tvd"]
    assert t["n"] == len(hand) == 320
    assert t["left"] == pytest.approx(hand["l"].mean()) and t["right"] == pytest.approx(hand["r"].mean())
    assert t["diff"] == pytest.approx(t["left"] - t["right"])
    assert t["p"] == pytest.approx(ss.wilcoxon(hand["l"] - hand["r"]).pvalue)
    assert t["left_lo"] < t["left"] < t["left_hi"] and t["lo"] < t["diff"] < t["hi"]
    v = df.loc["var_corr"]
    assert v["diff"] == pytest.approx(v["left"] - v["right"]) and pd.isna(v["p"])
    assert not compare_runs(demo_store, Slice(), left, "no-such-run").ok


def test_verdicts_by_band_follow_the_band_rows(demo_store):
    from data_layer.verdict import verdicts_by_band
    rows = paired_comparison(demo_store, Slice(), "rlvr_vs_rlhf", by=("band",)).frame
    vs = verdicts_by_band(demo_store, Slice())
    assert [b for b, _ in vs] == ["low", "medium", "high"] == list(rows["band"])
    for (_, v), r in zip(vs, rows.itertuples(), strict=True):
        assert v.n == r.n and f"{r.n:,} items" in v.sentence
        assert (v.word == "worse") == (r.verdict == "right better")
