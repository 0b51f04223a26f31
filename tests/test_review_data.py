"""The atlas side of reviews: the slice option that leaves judged items out (URL, SQL, item
lists, previous/next), the build id reviews record, the facts beside a set's items (vanished
items included), and a pair's gap with and without judged items, on a real demo store."""
from __future__ import annotations

import pandas as pd
import pytest

from data_layer.queries import item_order, items, review_items
from data_layer.slice import Slice, SliceError


def _pair(store, sl):
    p = items.pair_choices(store, sl).frame.iloc[0]
    return p["rlvr_run"], p["rlhf_run"]


def test_exclusion_round_trips_through_the_url_but_not_the_items():
    sl = Slice(bands=("high",), exclude_verdicts=("annotation_error",), excluded_items=(("t", "b"), ("t", "a")))
    assert sl.to_params() == {"bands": "high", "exclude": "annotation_error"}
    back = Slice.from_params(sl.to_params())
    assert back.exclude_verdicts == ("annotation_error",) and back.excluded_items == ()
    assert sl.excluded_items == (("t", "a"), ("t", "b"))
    assert "leaving out 2 items judged annotation error (item lists only)" in sl.sentence()
    assert sl.where(scope="item") == Slice(bands=("high",)).where(scope="item")  # aggregates untouched
    sql, params = sl.exclusion("h")
    assert sql.startswith("h.item_key NOT IN") and params == [["t\x1fa", "t\x1fb"]]
    assert Slice().exclusion() == ("TRUE", [])
    with pytest.raises(SliceError, match="not a verdict name"):
        Slice.from_params({"exclude": "x'; DROP"})


@pytest.mark.parametrize("sort", ["entropy", "gap", "divergence"])
def test_judged_items_leave_the_item_list_and_previous_next(demo_store, sort):
    base = Slice(tasks=("demo-offensive",))
    rlvr, rlhf = _pair(demo_store, base)
    order = items.ItemOrder(sort=sort, run=rlvr, rlvr=rlvr, rlhf=rlhf)
    first = review_items.first_items(demo_store, base, order, 6)
    judged = (first[1], first[4])
    sl = base.with_(exclude_verdicts=("annotation_error",), excluded_items=judged)
    assert items.count_items(demo_store, sl, order) == items.count_items(demo_store, base, order) - 2
    assert review_items.first_items(demo_store, sl, order, 4) == [first[0], first[2], first[3], first[5]]
    item_order.forget_rankings()  # previous/next placed from the sort keys (a fresh server) ...
    near = item_order.neighbours(demo_store, sl, order, *first[2]).frame
    assert list(zip(near["task_id"], near["item_id"], strict=True)) == [first[0], first[2], first[3]]
    assert not item_order.neighbours(demo_store, sl, order, *first[1]).ok
    items.count_items(demo_store, sl, order)  # ... and from the kept ranking
    kept = item_order.neighbours(demo_store, sl, order, *first[2]).frame
    assert kept.equals(near)


def test_build_id_and_facts_of_a_set_with_a_vanished_item(demo_store):
    bid = review_items.build_id(demo_store)
    built_at, config_hash = demo_store.rows("SELECT built_at, config_hash FROM build_info")[0]
    assert bid == f"{built_at}/{config_hash}"
    wanted = [("demo-offensive", "demo-offensive-0007"), ("gone-task", "gone-item"), ("demo-nli", "demo-nli-0001")]
    facts = review_items.item_facts(demo_store, Slice(), wanted)
    assert list(zip(facts["task_id"], facts["item_id"], strict=True)) == wanted
    assert list(facts["in_store"]) == [True, False, True]
    assert facts["band"].iloc[0] in ("low", "medium", "high") and pd.isna(facts["band"].iloc[1])
    assert "<script>" in facts["snippet"].iloc[0]


def test_gap_with_and_without_judged_items_matches_a_direct_computation(demo_store):
    base = Slice(tasks=("demo-offensive",), metric="jsd")
    rlvr, rlhf = _pair(demo_store, base)
    order = items.ItemOrder(sort="gap", rlvr=rlvr, rlhf=rlhf)
    judged = tuple(review_items.first_items(demo_store, base, order, 5))  # the five largest gaps
    got = review_items.gap_with_and_without(demo_store, base.with_(exclude_verdicts=("annotation_error",),
                                                                   excluded_items=judged), rlvr, rlhf).frame
    page = items.items_page(demo_store, base, order, 1, 10_000).frame
    direct = page.dropna(subset=["gap"])
    rest = direct[~direct.set_index(["task_id", "item_id"]).index.isin(judged)]
    assert list(got["n"]) == [len(direct), len(direct) - 5]
    assert got["mean_gap"].iloc[0] == pytest.approx(direct["gap"].mean())
    assert got["mean_gap"].iloc[1] == pytest.approx(rest["gap"].mean())
    assert got["mean_gap"].iloc[1] < got["mean_gap"].iloc[0]
    assert not review_items.gap_with_and_without(demo_store, base.with_(metric="var_corr"), rlvr, rlhf).ok
