"""Annotator groups: the registry's value mapping, the build step on a tiny label-lists study with an
annotators file (every number below counted by hand from the rows written here), and the group
queries on that store and on the demo store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_layer.groups import GROUP_ATTRIBUTES, GroupValueError, age_group, attribute_fields, category_group
from data_layer.queries import annotator_agreement, group_pairs, group_views, perspectives
from data_layer.registry import UnknownName
from data_layer.slice import Slice, SliceError
from data_layer.store import Store
from precompute.build import build_store
from precompute.config import load_study
from precompute.study import StudyError
from tests.study_fixture import ANNOTATOR_STUDY

ITEMS = """id,text,labels,raters
i1,first,"0,1,1,1","a1,a2,a3,a4"
i2,second,"0,0,1","a1,a2,a5"
i3,third,"1,1","a3,a6"
i4,fourth,"0,1","a5,"
"""
PEOPLE = """annotator_id,gender,age
a1,Woman,23
a2,Man,DATA_EXPIRED
a3,Woman,41
a4,prefer not to say,67
a5,Man,30
"""
STUDY = ANNOTATOR_STUDY.format(name="groups", runs="")


def _build(tmp_path, people=PEOPLE) -> Store:
    (tmp_path / "items.csv").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "people.csv").write_text(people, encoding="utf-8")
    (tmp_path / "study.toml").write_text(STUDY, encoding="utf-8")
    build_store(load_study(tmp_path / "study.toml"), tmp_path / "s.duckdb", show_progress=False)
    return Store(tmp_path / "s.duckdb")


def test_an_attribute_with_more_groups_than_a_key_holds_is_refused(tmp_path, monkeypatch):
    """group_key is a SMALLINT: past its range the build stops, naming the dataset and field, and
    leaves no store, instead of wrapping keys around (which would pair different groups' rows)."""
    import precompute.group_dists
    monkeypatch.setattr(precompute.group_dists, "MAX_GROUPS", 2)  # gender has 3 groups here
    with pytest.raises(StudyError, match="field 'gender': more than 2 gender groups"):
        _build(tmp_path)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    store = _build(tmp_path_factory.mktemp("groups"))
    yield store
    store.close()


def test_raw_values_map_to_groups():
    assert [age_group(v) for v in (19.0, "34", 44, 70, "18-24", ">65", "DATA_EXPIRED", None, "nan")] == \
        ["18-24", "25-34", "35-44", "65+", "18-24", ">65", "unknown", "unknown", "unknown"]
    assert category_group(" Prefer not to say ") == "unknown" and category_group("Woman") == "Woman"
    with pytest.raises(GroupValueError, match="neither a number"):
        age_group("old")
    assert attribute_fields(["Gender", "Ethnicity simplified", "Country of residence", "Country of birth"]) == \
        {"gender": "Gender", "race": "Ethnicity simplified", "country": "Country of residence"}
    with pytest.raises(UnknownName, match="Did you mean 'gender'"):
        GROUP_ATTRIBUTES.get("gendr")


def test_group_is_a_slice_dimension_in_the_url():
    sl = Slice.from_params({"groupby": "age", "group": "18-24", "tasks": "t"})
    assert sl.to_params() == {"tasks": "t", "groupby": "age", "group": "18-24"}
    assert Slice.from_params(sl.to_params()) == sl and "Age band = 18-24" in sl.sentence()
    with pytest.raises(SliceError, match="needs a grouping attribute"):
        Slice(group="Woman")


def test_build_counts_each_groups_labels_per_item(tiny):
    rows = tiny.df("SELECT item_id, group_name, counts, n_ratings, n_rest, thin, floor_tvd FROM group_dist "
                   "WHERE attribute = 'gender' ORDER BY item_id, group_name")
    got = {(r.item_id, r.group_name): (list(r.counts), r.n_ratings, r.n_rest, r.thin) for r in rows.itertuples()}
    assert got == {("i1", "Man"): ([0, 1], 1, 3, True), ("i1", "Woman"): ([1, 1], 2, 2, False),
                   ("i1", "unknown"): ([0, 1], 1, 3, True), ("i2", "Man"): ([1, 1], 2, 1, False),
                   ("i2", "Woman"): ([1, 0], 1, 2, True), ("i3", "Woman"): ([0, 1], 1, 1, True),
                   ("i3", "unknown"): ([0, 1], 1, 1, True), ("i4", "Man"): ([1, 0], 1, 1, True)}
    # leave-group-out floor: Woman on i1 is [.5, .5], the rest (a2, a4) [0, 1]
    assert rows.set_index(["item_id", "group_name"]).loc[("i1", "Woman"), "floor_tvd"] == pytest.approx(0.5)
    attrs = tiny.df("SELECT attribute, n_groups, n_ratings_grouped, n_ratings_unknown, n_ratings_without_annotator "
                    "FROM group_attributes ORDER BY attribute")
    # 10 ratings with ids; unknown age: a2 (2), a6 (1, not in the file); unknown gender: a4, a6
    assert attrs.values.tolist() == [["age", 5, 7, 3, 1], ["gender", 3, 8, 2, 1]]
    ages = dict(tiny.rows("SELECT annotator_id, group_name FROM annotator_groups WHERE attribute = 'age'"))
    assert ages == {"a1": "18-24", "a2": "unknown", "a3": "35-44", "a4": "65+", "a5": "25-34"}


def test_bad_demographics_stop_the_build_naming_the_annotator(tmp_path):
    with pytest.raises(StudyError, match="annotator 'a3', field 'age'"):
        _build(tmp_path, PEOPLE.replace("a3,Woman,41", "a3,Woman,forty"))
    with pytest.raises(StudyError, match="people.csv, row 6 .line 7.*annotator 'a1' appears twice"):
        _build(tmp_path, PEOPLE + "a1,Man,50\n")


def test_groups_with_few_annotators_are_marked_not_merged(tiny):
    g = group_views.group_options(tiny, Slice(), "gender").frame
    assert set(g["group_name"]) == {"Woman", "Man", "unknown"} and g["few_annotators"].all()
    assert g.set_index("group_name").loc["Woman", "n_annotators"] == 2
    assert "fewer than 3 annotators" in group_views.few_annotators_note(g)


def test_distance_to_a_group_on_the_tiny_store(tiny):
    a = perspectives.group_alignment(tiny, Slice(), "gender", n_resamples=200).frame
    row = a[(a["run_id"] == "baseline:uniform") & (a["group_name"] == "Woman")].iloc[0]
    # uniform [.5, .5] against Woman's [.5, .5], [1, 0], [0, 1] on i1-i3
    assert row["n"] == 3 and row["mean"] == pytest.approx(1 / 3) and row["lo"] <= row["mean"] <= row["hi"]
    assert perspectives.group_alignment(tiny, Slice(metric="var_corr"), "gender").message.startswith("Variance")


def test_leave_one_out_agreement_by_hand(tiny):
    df = annotator_agreement.annotator_agreement(tiny, Slice()).frame.set_index("annotator_id")
    # a1: i1 label 0, others 1,1,1 -> 0/3; i2 label 0, others 0,1 -> 1/2
    assert df.loc["a1", "n_items"] == 2 and df.loc["a1", "loo_agreement"] == pytest.approx(0.25)
    assert df["few_items"].all()  # (a1's own items: tests/test_annotator_page.py)


def test_demo_groups_really_differ(demo_store):
    mean_label = {g: float(np.average(np.arange(5), weights=np.sum(np.stack(part), axis=0)))
                  for g, part in demo_store.df(
                      "SELECT group_name, counts FROM group_dist WHERE task_id = 'demo-offensiveness-scale' "
                      "AND attribute = 'gender'").groupby("group_name")["counts"]}
    assert mean_label["Woman"] > mean_label["Man"] + 0.3  # simulated leaning (precompute/demo_annotators.py)


def test_paired_differences_per_group_are_holm_corrected(demo_store):
    sl = Slice(tasks=("demo-offensiveness-scale",))
    res = group_pairs.group_paired_differences(demo_store, sl, "gender", "rlvr_vs_rlhf", n_resamples=200)
    df = res.frame
    assert set(df["group_name"]) == {"Woman", "Man", "Non-binary", "unknown"}
    assert (df["p_holm"] >= df["p"]).all() and (df["lo"] <= df["hi"]).all()
    assert "(4 groups compared)" in df.attrs["sentence"]
    assert group_pairs.holm([0.01, 0.04, None, 0.03]) == pytest.approx([0.03, 0.06, None, 0.06])


def test_spread_and_model_types_on_the_demo(demo_store):
    sl = Slice(tasks=("demo-offensiveness-scale",))
    a = perspectives.group_alignment(demo_store, sl, "gender", n_resamples=200).frame
    spread = perspectives.group_spread(a, "lower")
    assert len(spread) == a["run_id"].nunique() and (spread["spread"] >= 0).all()
    assert not set(spread["closest_group"]) & {"unknown"}
    types = perspectives.alignment_by_model_type(demo_store, sl, "gender", n_resamples=200).frame
    assert {"RLVR · thinking", "RLHF · no CoT"} <= set(types["model_type"])
    counts = group_views.item_group_counts(demo_store, "demo-sarcasm", "demo-sarcasm-0003", "gender").frame
    assert counts.groupby("group_name")["count"].sum().sum() == demo_store.scalar(
        "SELECT n_annotators FROM human_dist WHERE item_id = 'demo-sarcasm-0003'")


def test_pages_show_groups_on_the_demo(app_env):
    from tests.conftest import open_page
    at = open_page("views/perspectives.py", {"tasks": "demo-offensiveness-scale", "groupby": "age"}, timeout=180)
    texts = " ".join(m.value for m in at.markdown)
    assert "By age band" in texts and "7 groups compared" in texts
    assert any({"group_name", "beyond_floor", "floor"} <= set(d.value.columns) for d in at.dataframe)
    assert any({"annotator_id", "loo_agreement"} <= set(d.value.columns) for d in at.dataframe)
    items = open_page("views/items.py", {"tasks": "demo-sarcasm", "groupby": "gender", "group": "Woman"})
    table = items.dataframe[0].value
    assert {"group", "group n"} <= set(table.columns) and table["group n"].notna().any()
    item = open_page("views/item.py", {"task": "demo-sarcasm", "item": "demo-sarcasm-0003", "groupby": "gender"})
    assert any("Labels per annotator group" in m.value for m in item.markdown)
    assert any("group_name" in d.value.columns and "thin" in d.value.columns for d in item.dataframe)


def _slices(store: Store) -> list[Slice]:
    task, band = store.rows("SELECT h.task_id, h.band_fixed FROM group_dist g JOIN human_dist h USING (item_key) "
                            "ORDER BY h.task_id, item_key LIMIT 1")[0]
    return [Slice(), Slice(tasks=(task,)), Slice(bands=(band,), metric="jsd"), Slice(tasks=(task,), metric="wasserstein")]


@pytest.mark.parametrize("which", ["tiny", "demo_store"])
def test_stored_group_sums_equal_the_per_item_rows(which, request):
    """The large path reads group_score_sums / group_type_sums; they must give what group_rows and
    the per-item clustered aggregate give (n exactly, means and sds up to rounding)."""
    store = request.getfixturevalue(which)
    for sl in _slices(store):
        rows = perspectives.group_rows(store, sl, "gender")
        ref = rows.groupby(["run_id", "group_name"])["value"].agg(
            n_ref="count", mean_ref="mean", sd_ref="std").reset_index()
        fast = perspectives._alignment_large(store, sl, "gender").merge(ref, on=["run_id", "group_name"])
        assert len(fast) == len(ref) > 0 and (fast["n"] == fast["n_ref"]).all()
        assert np.allclose(fast["mean"], fast["mean_ref"], atol=1e-12, equal_nan=True)
        half = perspectives.large_n.Z * fast["sd_ref"] / np.sqrt(fast["n"].clip(lower=1))
        assert np.allclose(fast["hi"] - fast["mean"], half, atol=1e-9, equal_nan=True)
        key = ["model_type", "group_name"]
        stored = perspectives._types_from_sums(store, sl, "gender").sort_values(key, ignore_index=True)
        clustered = perspectives._types_clustered(store, sl, "gender").sort_values(key, ignore_index=True)
        assert stored[key + ["n", "n_items", "n_runs"]].equals(clustered[key + ["n", "n_items", "n_runs"]])
        for col in ("mean", "lo", "hi", "floor"):
            assert np.allclose(stored[col], clustered[col], atol=1e-9, equal_nan=True), (sl, col)


def _clustered_from_rows(rows):
    """The definition, per model type x group from the rows: mean = ΣS_i/ΣC_i over items with
    S_i, C_i the item's sum and count of values, se² = k/(k-1) Σ_i (S_i - mean C_i)² / (ΣC_i)²."""
    out = []
    for (t, g), part in rows.groupby(["model_type", "group_name"]):
        per = part.groupby("item_key")["value"].agg(S="sum", C="count")
        n, k = int(per["C"].sum()), len(per)
        mean = per["S"].sum() / n if n else np.nan
        se = np.sqrt(k / max(k - 1, 1) * ((per["S"] - mean * per["C"]) ** 2).sum()) / n if n else np.nan
        out.append({"model_type": t, "group_name": g, "n": n, "n_items": k, "mean": mean,
                    "lo": mean - perspectives.large_n.Z * se, "hi": mean + perspectives.large_n.Z * se,
                    "n_runs": part["run_id"].nunique()})
    return pd.DataFrame(out)


@pytest.mark.parametrize("which", ["tiny", "demo_store"])
def test_run_filtered_type_sums_equal_the_rows(which, request):
    """Under a run filter the per-type means, intervals, counts and runs come from the build's run
    pair sums and item bitstrings (group_cluster_sums, group_item_cover): they must equal the
    item-clustered aggregate of group_rows, whatever runs the filter keeps."""
    store = request.getfixturevalue(which)
    one_model = store.scalar("SELECT min(model_id) FROM runs WHERE model_id NOT LIKE 'baseline%'")
    checked = 0
    for sl in (Slice(methods=("verbalized",)), Slice(training=("rlvr",), metric="jsd"),
               Slice(methods=("sampling",)), Slice(training=("baseline",)), Slice(models=(one_model,)),
               Slice(methods=("logprob", "verbalized"), metric="kl"), Slice(size_min=8.0, metric="majority_match")):
        rows = perspectives.add_model_type(perspectives.group_rows(store, sl, "gender"))
        if not len(rows):
            continue
        checked += 1
        ref = _clustered_from_rows(rows)
        got = perspectives._types_clustered(store, sl, "gender").merge(ref, on=["model_type", "group_name"],
                                                                     suffixes=("", "_ref"))
        assert len(got) == len(ref) > 0
        for col in ("n", "n_items", "n_runs"):
            assert (got[col] == got[f"{col}_ref"]).all(), (sl, col)
        for col in ("mean", "lo", "hi"):
            assert np.allclose(got[col], got[f"{col}_ref"], atol=1e-9, equal_nan=True), (sl, col)
    assert checked >= (3 if which == "demo_store" else 1)


def test_run_filters_keep_the_per_item_path(demo_store):
    sl = Slice(tasks=("demo-offensiveness-scale",), training=("rlvr",))
    assert perspectives.run_filtered(sl) and not perspectives.run_filtered(Slice(tasks=sl.tasks))
    types = perspectives.alignment_by_model_type(demo_store, sl, "gender", n_resamples=50).frame
    assert set(types["model_type"]) <= {"RLVR · thinking", "RLVR · no CoT"}


@pytest.mark.parametrize("which", ["tiny", "demo_store"])
def test_stored_pair_differences_equal_the_per_item_join(which, request):
    """group_pair_items (build) must give group_item_diffs' per-item differences and pair counts."""
    store = request.getfixturevalue(which)
    checked = 0
    for sl in _slices(store):
        for kind in ("rlvr_vs_rlhf", "cot_vs_none"):
            ref, ref_pairs = group_pairs.group_item_diffs(store, sl, "gender", kind)
            got, got_pairs = group_pairs.stored_item_diffs(store, sl, "gender", kind)
            key = ["group_name", "item_key", "n_diffs"]
            assert got[key].values.tolist() == ref[key].values.tolist()
            assert np.allclose(got["diff"].astype(float), ref["diff"].astype(float), atol=1e-12, equal_nan=True)
            assert {g: n for g, n in got_pairs.items() if n} == {g: n for g, n in ref_pairs.items() if n}
            checked += len(ref)
    assert checked > 0 or which == "tiny"


def test_a_method_filter_reads_its_stored_pair_set(demo_store):
    """A method filter keeps exactly a stored pair set (pair_sets' method=...): group_pair_items'
    rows of that set must equal pairing the rows of the method's runs; other run filters pair the rows."""
    sets = []
    for kind in ("rlvr_vs_rlhf", "cot_vs_none"):
        for method in ("verbalized", "sampling"):
            sl = Slice(methods=(method,), metric="jsd")
            sets.append(pair_set := group_pairs.stored_set(demo_store, sl, kind))
            ref, ref_pairs = group_pairs.group_item_diffs(demo_store, sl, "gender", kind)
            if pair_set is None:  # the method has no pair of this kind
                assert not len(ref)
                continue
            assert pair_set in ("", f"method={method}")  # '' when the method's pairs are all of the kind's
            got, got_pairs = group_pairs.stored_item_diffs(demo_store, sl, "gender", kind, pair_set)
            assert len(ref) > 0 and got["n_diffs"].tolist() == ref["n_diffs"].tolist()
            assert got[["group_name", "item_key"]].values.tolist() == ref[["group_name", "item_key"]].values.tolist()
            assert np.allclose(got["diff"].astype(float), ref["diff"].astype(float), atol=1e-12, equal_nan=True)
            assert {g: n for g, n in got_pairs.items() if n} == {g: n for g, n in ref_pairs.items() if n}
    assert "method=verbalized" in sets and "method=sampling" in sets
    one_model = demo_store.scalar("SELECT min(model_id) FROM runs WHERE model_id NOT LIKE 'baseline%'")
    assert group_pairs.stored_set(demo_store, Slice(models=(one_model,)), "cot_vs_none") is None
    assert group_pairs.stored_set(demo_store, Slice(), "rlvr_vs_rlhf") == ""


@pytest.mark.parametrize("n_item_keys", [50, 100_000])  # cells numbered densely / only those present
@pytest.mark.parametrize("shuffled", [False, True])  # each run's rows together (as stored) or not
def test_pairing_in_numpy_equals_a_join_of_the_pairs_rows(n_item_keys, shuffled):
    """group_item_diffs pairs the rows in numpy: per (group, item), the mean of left - right over the
    pairs with both values, the count of those, and a row wherever both runs of a pair have a row
    (even with a NULL value: n_diffs 0, diff NaN), as a join of each pair's rows gives."""
    rng = np.random.default_rng(7)
    pool = rng.choice(n_item_keys, size=50, replace=False) + 1000  # items spread over the key range
    rows = pd.DataFrame([(run, g, int(i), None if rng.random() < 0.15 else float(rng.random()))
                         for run in range(5) for g in (0, 2, 3) for i in rng.choice(pool, size=40, replace=False)],
                        columns=["run_key", "group_key", "item_key", "value"])
    if shuffled:
        rows = rows.sample(frac=1, random_state=3).reset_index(drop=True)
    pairs = [(0, 1), (2, 1), (3, 4), (4, 9)]  # run 1 in two pairs; run 9 has no rows
    width = n_item_keys + 1000
    arrays = {"run_key": rows["run_key"].to_numpy(), "cell": (rows["group_key"] * width + rows["item_key"]).to_numpy(),
              "value": np.ma.masked_invalid(rows["value"].astype(float).to_numpy())}
    got = group_pairs._paired_cells(arrays, pairs, width).sort_values(["group_key", "item_key"]).reset_index(drop=True)
    joined = pd.concat([rows[rows.run_key == a].merge(rows[rows.run_key == b], on=["group_key", "item_key"])
                        for a, b in pairs])
    ref = (joined.assign(d=joined.value_x - joined.value_y).groupby(["group_key", "item_key"], as_index=False)
           .agg(diff=("d", "mean"), n_diffs=("d", "count")))
    assert len(ref) > 0 and (ref["n_diffs"] == 0).any()  # the NULL-only case is exercised
    assert got[["group_key", "item_key", "n_diffs"]].values.tolist() == ref[["group_key", "item_key", "n_diffs"]].values.tolist()
    assert np.allclose(got["diff"], ref["diff"], atol=1e-12, equal_nan=True)


def test_large_paired_slices_use_the_normal_interval(demo_store, monkeypatch):
    sl = Slice(tasks=("demo-offensiveness-scale",))
    small = group_pairs.group_paired_differences(demo_store, sl, "gender", n_resamples=200).frame
    monkeypatch.setattr(group_pairs.large_n, "LARGE_N_ROWS", 10)
    large = group_pairs.group_paired_differences(demo_store, sl, "gender").frame
    assert (small["interval_method"] == group_pairs.large_n.METHOD_BOOTSTRAP).all()
    assert large["interval_method"].str.startswith("normal approximation").all()
    assert np.allclose(large["diff"], small["diff"]) and (large["n"] == small["n"]).all()
    assert large["p"].tolist() == small["p"].tolist() and (large["lo"] < large["hi"]).all()


def test_item_counts_per_group_by_hand(tiny):
    df = group_views.item_group_counts(tiny, "t", "i1", "gender").frame
    # i1: a1 Woman 0, a2 Man 1, a3 Woman 1, a4 unknown 1; most ratings first, labels in task order
    assert df[["group_name", "label_name", "count", "n_ratings", "thin"]].values.tolist() == [
        ["Woman", "0", 1, 2, False], ["Woman", "1", 1, 2, False], ["Man", "0", 0, 1, True],
        ["Man", "1", 1, 1, True], ["unknown", "0", 0, 1, True], ["unknown", "1", 1, 1, True]]
    assert df["share"].tolist() == [0.5, 0.5, 0.0, 1.0, 0.0, 1.0]


def _agreement_from_ratings(store: Store, sl: Slice):
    """The per-rating reference: every rating joined with the human counts and every run's scores."""
    where, params = sl.item_filters_only().where(scope="item", alias="h")
    runs, rparams = sl.where(alias="i")
    cte = f"""WITH r AS (SELECT t.dataset, a.annotator_id, h.item_key, list_position(t.labels, a.label) AS li,
                                h.counts, h.n_annotators
                         FROM annotations a JOIN tasks t USING (task_id)
                         JOIN human_dist h ON h.task_id = a.task_id AND h.item_id = a.item_id
                         WHERE a.annotator_id IS NOT NULL AND h.n_annotators >= 2 AND {where})"""
    loo = store.df(f"""{cte} SELECT dataset, annotator_id, count(*) AS n_items,
                           avg((counts[li] - 1) / (n_annotators - 1)) AS loo_agreement FROM r GROUP BY ALL""", params)
    runs_df = store.df(f"""{cte} SELECT r.dataset, r.annotator_id, i.run_id, count(*) AS n_items,
                               avg((i.model_argmax + 1 = r.li)::INTEGER) AS model_agreement
                           FROM r JOIN item_scores i ON i.item_key = r.item_key WHERE {runs} GROUP BY ALL""",
                       [*params, *rparams])
    return loo, runs_df


@pytest.mark.parametrize("which", ["tiny", "demo_store"])
def test_stored_annotator_sums_equal_the_ratings(which, request):
    store = request.getfixturevalue(which)
    for sl in [*_slices(store), Slice(training=("rlvr",))]:
        loo, runs = _agreement_from_ratings(store, sl)
        got = annotator_agreement.annotator_agreement(store, sl)
        key = ["dataset", "annotator_id"]
        if not len(loo):
            assert got.frame is None
            continue
        both = got.frame.merge(loo, on=key, suffixes=("", "_ref"))
        assert len(both) == len(loo) == len(got.frame) and (both["n_items"] == both["n_items_ref"]).all()
        assert np.allclose(both["loo_agreement"], both["loo_agreement_ref"], atol=1e-12)
        mine = annotator_agreement.annotator_model_agreement(store, sl).frame
        if not len(runs):
            assert mine is None and which == "tiny"  # its runs are baselines only
            continue
        both = mine.merge(runs, on=[*key, "run_id"], suffixes=("", "_ref"))
        assert len(both) == len(runs) == len(mine) > 0 and (both["n_items"] == both["n_items_ref"]).all()
        assert np.allclose(both["model_agreement"], both["model_agreement_ref"], atol=1e-12, equal_nan=True)
