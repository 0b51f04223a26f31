"""Query modules of the Items, Item and Data pages, on real stores built by the pipeline."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data_layer.metrics import ITEM_METRICS, METRICS
from data_layer.queries import datacards, item, item_order, item_page, items
from data_layer.slice import Slice
from data_layer.store import Store

ODD = "demo-offensive-0007"  # its text holds <script>, HTML and markdown


def test_items_page_counts_pages_and_sorts_by_human_entropy(demo_store):
    sl = Slice(tasks=("demo-nli",))
    assert items.count_items(demo_store, sl, items.ItemOrder()) == 320
    page1 = items.items_page(demo_store, sl, items.ItemOrder(), 1, 25).frame
    page2 = items.items_page(demo_store, sl, items.ItemOrder(), 2, 25).frame
    assert len(page1) == 25 and list(page2["pos"]) == list(range(26, 51))
    ent = list(page1["entropy_norm"]) + list(page2["entropy_norm"])
    assert ent == sorted(ent, reverse=True)
    assert set(page1["task_id"]) == {"demo-nli"} and (page1["total"] == 320).all()
    asc = items.items_page(demo_store, sl, items.ItemOrder(descending=False), 1, 5).frame
    assert asc["entropy_norm"].iloc[0] <= page1["entropy_norm"].iloc[-1]


def test_divergence_sort_uses_the_slice_metric_of_the_chosen_run(demo_store):
    sl = Slice(tasks=("demo-offensive",), metric="jsd")
    run = items.run_choices(demo_store, sl).frame["run_id"].iloc[0]
    df = items.items_page(demo_store, sl, items.ItemOrder(sort="divergence", run=run), 1, 10).frame
    expected = demo_store.df("SELECT item_id, jsd FROM item_metrics WHERE run_id = ? AND task_id = ? "
                             "ORDER BY jsd DESC, item_id LIMIT 10", [run, "demo-offensive"])
    assert np.allclose(df["run_metric"], expected["jsd"])
    assert all(len(p) == 2 for p in df["run_probs"])


def test_pairs_match_method_and_steering_and_gap_is_rlvr_minus_rlhf(demo_store):
    pairs = items.pair_choices(demo_store, Slice()).frame
    runs = demo_store.df("SELECT r.run_id, r.method, r.steering, m.training, m.pair_id FROM runs r "
                         "JOIN models m USING (model_id)").set_index("run_id")
    for p in pairs.itertuples():
        a, b = runs.loc[p.rlvr_run], runs.loc[p.rlhf_run]
        assert (a.training, b.training) == ("rlvr", "rlhf")
        assert a.pair_id == b.pair_id and a.method == b.method and a.steering == b.steering
    p = pairs.iloc[0]
    order = items.ItemOrder(sort="gap", rlvr=p["rlvr_run"], rlhf=p["rlhf_run"])
    df = items.items_page(demo_store, Slice(), order, 1, 20).frame
    assert np.allclose(df["gap"], df["rlvr_metric"] - df["rlhf_metric"])
    assert list(df["gap"]) == sorted(df["gap"], reverse=True)
    assert not items.pair_choices(demo_store, Slice(training=("rlvr",))).ok


def test_search_is_a_parameter_and_wildcards_are_literal(demo_store):
    found = items.items_page(demo_store, Slice(), items.ItemOrder(search="<script>"), 1, 25)
    assert list(found.frame["item_id"]) == [ODD]
    assert not items.items_page(demo_store, Slice(), items.ItemOrder(search="%"), 1, 25).ok
    injected = items.ItemOrder(search="' OR 1=1 --")
    assert items.count_items(demo_store, Slice(), injected) == 0
    assert "matching" in items.items_page(demo_store, Slice(), injected).message


def test_search_ignores_case_and_matches_text_or_item_id(demo_store):
    """The search matches the stored lower-cased text and id (human_dist.search_text) as ILIKE
    over both columns would, for any case of the needle."""
    texts = demo_store.df("SELECT i.task_id, i.item_id, i.text, h.search_text FROM items i "
                          "JOIN human_dist h USING (task_id, item_id)")
    assert (texts["search_text"] == texts["text"].str.lower() + "\n" + texts["item_id"].str.lower()).all()
    for needle in ("THE", "The", "Sarcasm-00", "<SCRIPT>alert"):
        want = demo_store.scalar("SELECT count(*) FROM items WHERE text ILIKE ? OR item_id ILIKE ?",
                                 [f"%{needle}%"] * 2)
        assert 0 < want == items.count_items(demo_store, Slice(), items.ItemOrder(search=needle)), needle


def test_item_order_round_trips_through_url_params():
    order = items.ItemOrder(sort="gap", descending=False, run="a|b", rlvr="x|y", rlhf="z|w", search="hi")
    assert items.ItemOrder.from_params(order.to_params()) == order
    assert items.ItemOrder().to_params() == {}
    assert items.ItemOrder.from_params({"sort": "nonsense"}).sort == "entropy"


def test_neighbours_follow_the_same_order_as_the_table(demo_store):
    sl = Slice(tasks=("demo-sarcasm",))
    page = items.items_page(demo_store, sl, items.ItemOrder(), 1, 3).frame
    near = item_order.neighbours(demo_store, sl, items.ItemOrder(), "demo-sarcasm", page["item_id"].iloc[1]).frame
    assert list(near["step"]) == [-1, 0, 1]
    assert list(near["item_id"]) == list(page["item_id"])
    first = item_order.neighbours(demo_store, sl, items.ItemOrder(), "demo-sarcasm", page["item_id"].iloc[0]).frame
    assert list(first["step"]) == [0, 1]
    outside = item_order.neighbours(demo_store, sl, items.ItemOrder(), "demo-offensive", ODD)
    assert not outside.ok and "not among the items" in outside.message


def test_aggregate_metric_cannot_sort_items(demo_store):
    res = items.items_page(demo_store, Slice(metric="var_corr"), items.ItemOrder(sort="divergence", run="x"))
    assert not res.ok and "per-item metric" in res.message


def test_item_detail_and_unknown_ids(demo_store):
    d = item.item_detail(demo_store, "demo-offensive", ODD).frame.iloc[0]
    assert d["text"].startswith("<script>alert('x')</script>") and d["n_annotators"] > 0
    assert "no item 'nope'" in item.item_detail(demo_store, "demo-offensive", "nope").message
    assert "no task 'nope'" in item.item_detail(demo_store, "nope", "x").message
    counts = item.human_counts(demo_store, "demo-offensive", ODD).frame
    assert list(counts["label_name"]) == ["not offensive", "offensive"]
    assert counts["count"].sum() == d["n_annotators"] and np.isclose(counts["share"].sum(), 1)


def test_model_dists_and_generations_follow_the_run_filters_only(demo_store):
    sl = Slice(tasks=("demo-nli",), training=("rlvr",))  # the item's task is outside the slice
    dists = item.model_dists(demo_store, sl, "demo-offensive", ODD).frame
    assert set(dists["training"]) == {"rlvr"} and all(len(p) == 2 for p in dists["probs"])
    assert set(ITEM_METRICS) <= set(dists.columns)
    gens = item.generations(demo_store, sl, "demo-offensive", ODD).frame
    assert set(gens["run_id"]) <= set(dists["run_id"]) and gens["reasoning_text"].notna().any()
    none = item.model_dists(demo_store, Slice(models=("sim-chat-8b",), training=("rlvr",)), "demo-offensive", ODD)
    assert not none.ok and "widen" in none.message


def test_item_page_gives_each_of_its_queries_answers(demo_store):
    """The Item page's one call (its queries two at a time) answers exactly what each query does
    alone, for an item in the slice, one outside it and one that does not exist."""
    sl = Slice(tasks=("demo-offensive",), training=("rlvr", "rlhf"))
    order = items.ItemOrder(sort="divergence", run="sim-r1-distill-8b|verbalized|native|zero", descending=False)
    for task_id, item_id in (("demo-offensive", ODD), ("demo-nli", "demo-nli-0003"), ("demo-offensive", "nope")):
        page = item_page.item_page(demo_store, sl, order, task_id, item_id)
        alone = {"detail": item.item_detail(demo_store, task_id, item_id),
                 "neighbours": item_order.neighbours(demo_store, sl, order, task_id, item_id),
                 "human": item.human_counts(demo_store, task_id, item_id),
                 "models": item.model_dists(demo_store, sl, task_id, item_id),
                 "annotations": item.annotations(demo_store, task_id, item_id),
                 "generations": item.generations(demo_store, sl, task_id, item_id)}
        for name, want in alone.items():
            got = getattr(page, name)
            assert (got.ok, got.message) == (want.ok, want.message), name
            if want.ok:
                pd.testing.assert_frame_equal(got.frame, want.frame)
    assert page.neighbours.ok is False and "not among the items" in page.neighbours.message


def test_demo_has_no_individual_annotators(demo_store):
    res = item.annotations(demo_store, "demo-offensive", ODD)
    assert not res.ok and "only the label counts" in res.message


@pytest.fixture(scope="module")
def store_with_annotators(tmp_path_factory):
    """A one-task study with individual ratings and demographics, built by the real pipeline."""
    from precompute.build import build_store
    from precompute.demo import TASKS
    from precompute.study import HumanData, Study
    ann = pd.DataFrame({"item_id": ["a", "a", "a", "b", "b"], "annotator_id": ["u1", "u2", "u3", "u1", "u2"],
                        "label": ["0", "1", "1", "0", "0"]})
    people = pd.DataFrame({"annotator_id": ["u1", "u2", "u3"], "dataset": "demo",
                           "demographics": [json.dumps({"age": "25-34", "gender": "woman"}),
                                            json.dumps({"age": "55+", "gender": "man"}), None]})
    hd = HumanData(TASKS[0], pd.DataFrame({"item_id": ["a", "b"], "text": ["x", "y"], "context": None,
                                           "metadata": None}),
                   np.array([[1, 2], [2, 0]]), annotations=ann, annotators=people)
    path = tmp_path_factory.mktemp("ann") / "ann.duckdb"
    build_store(Study(name="annotators", human=[hd], baselines=False), path, show_progress=False)
    store = Store(path)
    yield store
    store.close()


def test_annotations_with_demographics(store_with_annotators):
    df = item.annotations(store_with_annotators, "demo-offensive", "a").frame
    assert list(df["annotator_id"]) == ["u1", "u2", "u3"] and list(df["label"]) == ["0", "1", "1"]
    assert list(df["age"].iloc[:2]) == ["25-34", "55+"] and pd.isna(df["gender"].iloc[2])


def test_data_cards(demo_store):
    cards = datacards.task_cards(demo_store).frame
    assert len(cards) == 4 and (cards["n_items"] == 320).all()
    assert (cards["annotators_per_item_min"] <= cards["annotators_per_item_max"]).all()
    edges = datacards.band_edges(demo_store, "fixed").frame
    assert list(edges[edges["task_id"] == "demo-nli"]["band"]) == ["low", "medium", "high"]
    assert edges.groupby("task_id")["n_items"].sum().eq(320).all()
    info = datacards.build_info(demo_store).frame.iloc[0]
    assert info["simulated"] and "duckdb" in info["packages"] and "runs" in info["report"]
    glossary = datacards.metric_glossary()
    assert list(glossary["name"]) == METRICS.names() and glossary["definition"].str.len().gt(0).all()


def test_run_concurrently_keeps_names_nests_and_raises():
    from data_layer.queries.common import CORES, run_concurrently

    def inner(x):  # more nested calls than workers: each call has its own pool, so none waits forever
        return run_concurrently({str(i): (pow, x, i) for i in range(CORES + 1)})
    got = run_concurrently({"b": (inner, 2), "a": (inner, 3), "c": (inner, 5)})
    assert list(got) == ["b", "a", "c"] and got["a"] == {str(i): 3 ** i for i in range(CORES + 1)}
    with pytest.raises(ZeroDivisionError):
        run_concurrently({"ok": (abs, -1), "bad": (divmod, 1, 0)})
