"""The review parts of the Items and Item pages: the Items table's review column, making a
review set from the current view, the pair's gap with and without judged items, and the Item
page's review section (sets holding the item, the verdict form, the history)."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from data_layer.queries import review_items
from data_layer.slice import Slice
from ui.data import q
from ui.reviews import (
    REVIEW_PROBLEMS,
    flash,
    history,
    read,
    read_only_notice,
    review_store,
    reviewer_name,
    verdict_form,
    written,
)
from ui.text import md_escape as plain

SET_SIZES = (10, 20, 30, 50, 100, 200, 500)
SET_PANEL = "it_make_set"  # the Items page's set-maker expander (open: its widget state)


def review_column(keys: list[tuple[str, str]]) -> list[str]:
    """The Items table's review cell per row (`keys`: each row's task and item): newest verdict,
    and how many verdicts it has had."""
    rs = review_store()
    got = read(rs.latest_verdicts, list(keys), fallback=None)
    if got is None or not len(got):
        return [""] * len(keys)
    found = {(r.task_id, r.item_id): f"{rs.vocab.label(r.verdict)}" + (f" (+{r.n_verdicts - 1})" if r.n_verdicts > 1 else "")
             for r in got.itertuples()}
    return [found.get(k, "") for k in keys]


def _order_sentence(order, pairs: pd.DataFrame | None) -> str:
    label = {}
    if pairs is not None:
        label = {f"{a}~{b}": x for a, b, x in zip(pairs["rlvr_run"], pairs["rlhf_run"], pairs["label"], strict=True)}
    how = {"entropy": "human disagreement", "divergence": f"divergence of run {order.run}",
           "gap": f"the RLVR−RLHF gap of {label.get(f'{order.rlvr}~{order.rlhf}', f'{order.rlvr} vs {order.rlhf}')}"}
    text = f"ordered by {how[order.sort]}, {'largest' if order.descending else 'smallest'} first"
    return text + (f", text matching “{order.search}”" if order.search else "")


def make_set_panel(sl: Slice, order, total: int, pairs: pd.DataFrame | None) -> None:
    """Freezes the first N items of this Items view (slice and order) into a named review set."""
    # lazy: the form (a form, two text inputs, a slider and a button) is drawn only once the
    # expander is opened; drawn collapsed for every visitor of the Items page it was five of the
    # page's ~60 messages, and Streamlit's CPU goes per message
    with st.expander("Make a review set from this view", icon=":material/fact_check:", key=SET_PANEL,
                     on_change="rerun") as box:
        if not box.open:
            return
        rs = review_store()
        if not rs.writable:
            st.warning(plain(rs.notice))
        with st.form("make_set"):
            name = st.text_input("Set name", placeholder="e.g. high band, top 30 by the gap")
            st.session_state.setdefault("w_reviewer", st.session_state.get("reviewer_name", ""))
            who = st.text_input("Your name", key="w_reviewer")
            n = st.select_slider("Items (from the top of this view)", SET_SIZES, value=30)
            made = st.form_submit_button("Make the set", type="primary", disabled=not rs.writable)
        if made:
            st.session_state["reviewer_name"] = who
            items = q(review_items.first_items, sl, order, min(n, total))
            sentence = f"{sl.sentence()}; {_order_sentence(order, pairs)}; top {len(items)}"
            params = {**sl.to_params(), **order.to_params()}
            try:
                set_id = rs.create_set(name, who, items, params, sentence, q(review_items.build_id))
            except REVIEW_PROBLEMS as e:
                st.error(plain(str(e)))
                return
            written()
            st.success(plain(f"Made the review set “{name.strip()}” with {len(items)} items."))
            cols = st.columns(2)
            cols[0].page_link("views/present.py", label="Present it", icon=":material/slideshow:",
                              query_params={"set": str(set_id), "step": "1"})
            cols[1].page_link("views/review_sets.py", label="Its minutes", icon=":material/summarize:",
                              query_params={"set": str(set_id)})


def item_review_panel(task_id: str, item_id: str, model_types: list[str]) -> None:
    """The Item page's review section: the sets holding the item (remove it), add it to a set,
    the verdict and note form, and the item's verdict history."""
    rs = review_store()
    read_only_notice()
    who = reviewer_name()
    holding = read(rs.sets_with_item, task_id, item_id, fallback=pd.DataFrame(columns=["set_id", "name"]))
    flash()
    for s in holding.itertuples():
        cols = st.columns([4, 1], vertical_alignment="center")
        cols[0].page_link("views/review_sets.py", label=plain(f"In review set “{s.name}” (item {s.position})"),
                          query_params={"set": str(s.set_id)}, icon=":material/fact_check:")
        if cols[1].button("Remove from set", key=f"rm_{s.set_id}", disabled=not rs.writable or not who):
            _change_set(rs.remove_from_set, s.set_id, task_id, item_id, who, f"Removed from “{s.name}”.")
    sets = read(rs.sets, fallback=pd.DataFrame(columns=["set_id", "name"]))
    others = sets[~sets["set_id"].isin(holding["set_id"])]
    if len(others):
        cols = st.columns([4, 1], vertical_alignment="bottom")
        names = dict(zip(others["set_id"], others["name"], strict=True))
        target = cols[0].selectbox("Add this item to a review set", list(names), format_func=names.get,
                                   key="add_to_set")
        if cols[1].button("Add to set", disabled=not rs.writable or not who):
            _change_set(rs.add_to_set, target, task_id, item_id, who, f"Added to “{names[target]}”.")
    verdict_form(task_id, item_id, None, model_types, key="item_review")
    history(task_id, item_id)


def _change_set(fn: Callable, set_id: int, task_id: str, item_id: str, who: str, done: str) -> None:
    try:
        fn(set_id, task_id, item_id, who)
    except REVIEW_PROBLEMS as e:
        st.session_state["review_flash"] = ("error", str(e))
    else:
        written()
        st.session_state["review_flash"] = ("success", done)
    st.rerun()


def gap_check(sl: Slice, rlvr: str | None, rlhf: str | None) -> None:
    """With judged items left out: the pair's mean gap over the slice with and without them."""
    if not sl.exclude_verdicts or not (rlvr and rlhf):
        return
    res = q(review_items.gap_with_and_without, sl, rlvr, rlhf)
    if not res.ok:
        st.caption(plain(res.message))
        return
    (all_gap, all_n), (kept_gap, kept_n) = zip(res.frame["mean_gap"], res.frame["n"], strict=True)
    kept = f"{kept_gap:+.3f} over {kept_n:,} items" if kept_n else "no item left"
    st.info(f"Does the gap survive? Mean RLVR−RLHF gap of the chosen pair: {all_gap:+.3f} over {all_n:,} items "
            f"of this slice; without the {all_n - kept_n:,} judged item{'s' * (all_n - kept_n != 1)}: {plain(kept)}.",
            icon=":material/fact_check:")
