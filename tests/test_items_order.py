"""The Items table's order and its Item-page neighbours against a straightforward reference
computed in pandas: every sort, both directions, with and without a text search, on the demo
store (every run scored every item) and on a tiny store whose RLVR run skipped items and whose
items tie on every key (NULL keys, ties broken by task then item)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_layer.queries import item_order, items
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.study import HumanData, ModelSpec, RunData, RunSpec, Study, TaskSpec


def reference(store: Store, sl: Slice, order: items.ItemOrder) -> pd.DataFrame:
    """task_id, item_id, key of the slice's items matching the search, in the table's order."""
    df = store.df(f"SELECT h.task_id, h.item_id, h.entropy_norm, h.{sl.band_column} AS band, i.text "
                  "FROM human_dist h JOIN items i USING (task_id, item_id)")
    if sl.tasks:
        df = df[df["task_id"].isin(sl.tasks)]
    if sl.bands:
        df = df[df["band"].isin(sl.bands)]
    if order.search:
        word = order.search.lower()
        df = df[df["text"].str.lower().str.contains(word, regex=False)
                | df["item_id"].str.lower().str.contains(word, regex=False)]
    scores = store.df(f"SELECT run_id, task_id, item_id, {sl.metric} AS m FROM item_scores")

    def metric(run):
        return df.merge(scores[scores["run_id"] == run], on=["task_id", "item_id"], how="left")["m"].to_numpy()
    key = {"entropy": lambda: df["entropy_norm"].to_numpy(),
           "divergence": lambda: metric(order.run),
           "gap": lambda: metric(order.rlvr) - metric(order.rlhf)}[order.sort]()
    out = df[["task_id", "item_id"]].assign(key=key)
    return out.sort_values(["key", "task_id", "item_id"], ascending=[not order.descending, True, True],
                           na_position="last", kind="stable").reset_index(drop=True)


def check_order(store: Store, sl: Slice, order: items.ItemOrder, page_size: int) -> None:
    ref = reference(store, sl, order)
    ids = list(zip(ref["task_id"], ref["item_id"], strict=True))
    assert items.count_items(store, sl, order) == len(ref)
    for page in (1, 2):
        res = items.items_page(store, sl, order, page, page_size)
        want = ids[(page - 1) * page_size: page * page_size]
        if not want:
            assert not res.ok and "No items" in res.message
            continue
        got = res.frame
        assert list(zip(got["task_id"], got["item_id"], strict=True)) == want
        assert list(got["pos"]) == list(range((page - 1) * page_size + 1, (page - 1) * page_size + len(want) + 1))
        assert (got["total"] == len(ref)).all()
        expected = ref["key"].iloc[(page - 1) * page_size: page * page_size].to_numpy()
        shown = {"entropy": got["entropy_norm"], "divergence": got["run_metric"], "gap": got["gap"]}[order.sort]
        assert np.allclose(shown.to_numpy(dtype=float), expected.astype(float), equal_nan=True)
    # previous/next from the ranking the table kept, then as a link opened on a fresh server
    # (no kept ranking: the item is placed by one pass over the sort keys)
    places = sorted({0, 1, len(ids) // 2, len(ids) - 2, len(ids) - 1} & set(range(len(ids))))
    for kept in (True, False):
        for at in places:
            if not kept:
                item_order.forget_rankings()
            near = item_order.neighbours(store, sl, order, *ids[at]).frame
            steps = [s for s in (-1, 0, 1) if 0 <= at + s < len(ids)]
            assert list(near["step"]) == steps
            assert list(zip(near["task_id"], near["item_id"], strict=True)) == [ids[at + s] for s in steps]
            assert list(near["pos"]) == [at + 1 + s for s in steps] and (near["total"] == len(ref)).all()
        assert (item_order.kept_ranking(store, sl, order) is not None) == kept


def orders(pair, run, word):
    for descending in (True, False):
        for search in ("", word):
            yield items.ItemOrder(descending=descending, search=search)
            yield items.ItemOrder(sort="divergence", descending=descending, search=search)  # no run: NULL keys
            yield items.ItemOrder(sort="divergence", run=run, descending=descending, search=search)
            yield items.ItemOrder(sort="gap", run=run, rlvr=pair[0], rlhf=pair[1], descending=descending,
                                  search=search)


def test_demo_order_matches_pandas_reference(demo_store):
    pair = tuple(items.pair_choices(demo_store, Slice()).frame[["rlvr_run", "rlhf_run"]].iloc[0])
    for sl in (Slice(), Slice(tasks=("demo-nli", "demo-sarcasm"), bands=("high",), metric="jsd")):
        for order in orders(pair, pair[1], "the"):
            check_order(demo_store, sl, order, page_size=25)


# ---------------------------------------------------------------- a tiny store with gaps and ties
COUNTS = {"a": [[5, 5], [9, 1], [5, 5], [1, 9], [7, 3], [5, 5], [3, 7]],
          "b": [[5, 5], [9, 1], [2, 8], [5, 5]]}
CHAT = [0.5, 0.5], [0.5, 0.5], [0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.5, 0.5], [0.7, 0.3]


@pytest.fixture(scope="module")
def gappy(tmp_path_factory) -> Store:
    """RLHF chat scored every item (many equal scores); its RLVR sibling skipped three items."""
    humans = [HumanData(TaskSpec(t, "tiny", t, ["0", "1"]),
                        pd.DataFrame({"item_id": [f"{t}{i}" for i in range(len(c))],
                                      "text": [f"Item {i} of {t}" + " Odd" * (i % 2) for i in range(len(c))],
                                      "context": None, "metadata": None}), np.array(c))
              for t, c in COUNTS.items()]

    def run(model, reasoning, rows):
        frame = pd.DataFrame(rows, columns=["task_id", "item_id", "probs"]).assign(n_valid=1, n_failed=0)
        return RunData(model, RunSpec(f"{model.model_id}|verbalized", model.model_id, "verbalized", reasoning), frame)
    chat, r1 = ModelSpec("chat", "Chat", "rlhf", pair_id="p"), ModelSpec("r1", "R1", "rlvr", pair_id="p")
    every = [(t, f"{t}{i}", CHAT[i % len(CHAT)]) for t, c in COUNTS.items() for i in range(len(c))]
    some = [(t, i, [0.6, 0.4] if n % 3 else [1.0, 0.0]) for n, (t, i, _) in enumerate(every) if n not in (1, 5, 9)]
    path = tmp_path_factory.mktemp("gappy") / "gappy.duckdb"
    build_store(Study("gappy", humans, [run(chat, "none", every), run(r1, "native", some)], baselines=False),
                path, show_progress=False)
    store = Store(path)
    yield store
    store.close()


def test_gappy_store_order_matches_pandas_reference(gappy):
    pair = ("r1|verbalized", "chat|verbalized")
    assert items.count_items(gappy, Slice(), items.ItemOrder()) == 11
    assert gappy.scalar("SELECT count(*) FROM item_scores WHERE run_id = ?", [pair[0]]) == 8
    for sl in (Slice(), Slice(tasks=("b",)), Slice(metric="kl")):
        for run in pair:
            for order in orders(pair, run, "odd"):
                check_order(gappy, sl, order, page_size=4)


def test_unscored_items_sort_last_in_both_directions(gappy):
    for descending in (True, False):
        order = items.ItemOrder(sort="divergence", run="r1|verbalized", descending=descending)
        df = items.items_page(gappy, Slice(), order, 1, 20).frame
        assert df["run_metric"].iloc[-3:].isna().all() and df["run_metric"].iloc[:-3].notna().all()
        assert list(df["item_id"].iloc[-3:]) == ["a1", "a5", "b2"]  # NULL keys: by task, then item


def test_run_choices_count_each_runs_scored_items_of_the_slice(gappy, demo_store):
    for store, sl in ((gappy, Slice()), (gappy, Slice(tasks=("a",))), (demo_store, Slice(bands=("high",)))):
        where, params = sl.where()
        counts = dict(store.rows(f"SELECT run_id, count(*) FROM item_scores WHERE {where} GROUP BY 1", params))
        runs = items.run_choices(store, sl).frame
        assert dict(zip(runs["run_id"], runs["n_items"], strict=True)) == counts
    assert dict(zip(*items.run_choices(gappy, Slice()).frame[["run_id", "n_items"]].T.values, strict=True)) \
        == {"chat|verbalized": 11, "r1|verbalized": 8}


def test_items_table_and_item_page_share_one_ranking(demo_store, monkeypatch):
    """The Items table ranks the slice once; its later pages and the previous/next of an item
    opened from it (same items, same order; run filters and unused runs do not matter) reuse it."""
    ranked = []
    rank = item_order._rank
    monkeypatch.setattr(item_order, "_rank", lambda *a: ranked.append(a[1:]) or rank(*a))
    sl, order = Slice(bands=("high",), metric="jsd"), items.ItemOrder(sort="divergence", run="sim-chat-8b|verbalized|none|zero")
    item_order.forget_rankings()
    first = items.items_page(demo_store, sl, order, 1, 10).frame
    items.items_page(demo_store, sl, order, 2, 10)
    opened = items.ItemOrder(sort="divergence", run=order.run, rlvr="unused", rlhf="unused")
    assert item_order.kept_ranking(demo_store, sl.with_(methods=("verbalized",)), opened) is not None
    near = item_order.neighbours(demo_store, sl.with_(methods=("verbalized",)), opened, *first.iloc[3][["task_id", "item_id"]])
    assert list(near.frame["pos"]) == [3, 4, 5] and len(ranked) == 1
    items.items_page(demo_store, sl.with_(metric="kl"), order, 1, 10)  # another metric: another ranking
    items.items_page(demo_store, sl.with_(metric="kl"), items.ItemOrder(), 1, 10)  # entropy: metric-free
    items.items_page(demo_store, sl, items.ItemOrder(run=order.run), 1, 10)
    assert len(ranked) == 3


def test_kept_rankings_are_the_most_recently_used(demo_store):
    item_order.forget_rankings()
    orders = [items.ItemOrder(search=f"{c}") for c in "abcdefghijklmnopqrstu"][:item_order.RANKINGS_KEPT + 1]
    for order in orders:
        items.count_items(demo_store, Slice(), order)
    items.count_items(demo_store, Slice(), orders[1])  # used again: now the most recent
    items.count_items(demo_store, Slice(), items.ItemOrder(search="zz"))  # one more: the oldest goes
    kept = [item_order.kept_ranking(demo_store, Slice(), o) is not None for o in orders]
    assert kept == [False, True, False] + [True] * (len(orders) - 3)
