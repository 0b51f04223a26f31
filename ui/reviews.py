"""Streamlit side of review meetings: the review store handle, the reviewer's name, the verdict
and note form shared by the Item page and presenter mode, an item's verdict history, and the
slice option that leaves judged items out. Notes and names are data: shown with st.text or
escaped, never as markup."""
from __future__ import annotations

import html
import json
from collections.abc import Callable

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from data_layer.queries import review_items
from data_layer.slice import Slice
from reviews.checks import ReviewInputError
from reviews.locate import open_review_store, review_store_path
from reviews.store import ReviewStore, ReviewStoreError, ReviewStoreReadOnly
from reviews.vocabulary import UnknownVerdict
from ui.data import q
from ui.text import md_escape as plain

REVIEW_PROBLEMS = (ReviewStoreError, ReviewStoreReadOnly, ReviewInputError, UnknownVerdict)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> ReviewStore:
    return open_review_store(path)


def review_store() -> ReviewStore:
    return _open(str(review_store_path()))


def read(fn: Callable, *args, fallback=None):
    """A review store read; a damaged or unreadable store shows its message once per run and
    gives `fallback`."""
    try:
        return fn(*args)
    except (ReviewStoreError, ReviewStoreReadOnly) as e:
        if not st.session_state.get("_review_error_shown"):
            st.error(str(e), icon=":material/error:")
        st.session_state["_review_error_shown"] = True
        return fallback


def big_text(text: str) -> None:
    """Item text large enough for the back of a room, always literal: the data is HTML-escaped
    into markup written here (markdown would turn URLs in it into live links, st.text is small)."""
    st.html(f'<div style="font-size:1.9rem;line-height:1.35;white-space:pre-wrap;overflow-wrap:anywhere">'
            f'{html.escape(str(text))}</div>')


def jump_to(key_prefix: str, fallback_key: str, nonce: int) -> None:
    """Scrolls the first enabled button whose key starts with `key_prefix` into view and focuses
    it (else the input of widget `fallback_key`, e.g. the reviewer's name the buttons wait for):
    a script of ours, no data in it, in a zero-height component, run once per `nonce`."""
    components.html(
        f"<script>/* {nonce} */ setTimeout(() => {{ const d = window.parent.document; "
        f"const b = d.querySelector('[class*=\"st-key-{key_prefix}\"] button:not([disabled])') "
        f"|| d.querySelector('.st-key-{fallback_key} input'); "
        "if (b) { b.scrollIntoView({block: 'center'}); b.focus(); } }, 300);</script>", height=0)


def read_only_notice() -> None:
    st.session_state["_review_error_shown"] = False
    rs = review_store()
    if not rs.writable:
        st.warning(rs.notice, icon=":material/lock:")


def with_judged(sl: Slice) -> Slice:
    """The slice with the items its `exclude` option leaves out, read from the review store now."""
    if not sl.exclude_verdicts:
        return sl
    return sl.with_(excluded_items=read(review_store().judged, sl.exclude_verdicts, fallback=()))


def reviewer_name(where=st) -> str:
    """The reviewer's name, asked once per session (kept across pages, as widget state is not)."""
    st.session_state.setdefault("w_reviewer", st.session_state.get("reviewer_name", ""))

    def keep():
        st.session_state["reviewer_name"] = st.session_state["w_reviewer"]
    where.text_input("Your name (recorded with every verdict and note)", key="w_reviewer", on_change=keep,
                     placeholder="e.g. Ana")
    st.session_state["reviewer_name"] = st.session_state["w_reviewer"]
    return st.session_state["w_reviewer"].strip()


def _seen_key(task_id: str, item_id: str) -> str:
    return f"seen::{task_id}::{item_id}"


def write_entry(task_id: str, item_id: str, verdict: str | None, note: str = "", set_id: int | None = None,
                about: str | None = None) -> bool:
    """Appends a verdict and/or note for the item, stating the newest entry this session saw
    (drawn in its previous run); the outcome is kept for the next run to show."""
    try:
        out = review_store().write(task_id, item_id, st.session_state.get("reviewer_name", ""), verdict,
                                   note, seen_entry=st.session_state.get(_seen_key(task_id, item_id), 0),
                                   set_id=set_id, about=about, build_id=q(review_items.build_id))
    except REVIEW_PROBLEMS as e:
        st.session_state["review_flash"] = ("error", str(e))
        return False
    said = f"verdict “{review_store().vocab.label(verdict)}”" if verdict else "note"
    st.session_state["review_flash"] = ("success", f"Saved your {said} (entry {out.entry_id}).")
    if len(out.unseen):
        who = ", ".join(sorted(set(out.unseen["reviewer"])))
        st.session_state["review_flash"] = (
            "warning", f"Saved (entry {out.entry_id}), but {len(out.unseen)} entr{'y' if len(out.unseen) == 1 else 'ies'} "
            f"by {who} arrived while you were looking: both are kept, see the history below.")
    return True


def flash() -> None:
    kind, text = st.session_state.pop("review_flash", (None, ""))
    if kind:
        getattr(st, kind)(plain(text))


def verdict_form(task_id: str, item_id: str, set_id: int | None, model_types: list[str], key: str) -> None:
    """Verdict (from the vocabulary), the model type it is about, a note; appended on submit."""
    vocab = review_store().vocab

    def submit():
        if write_entry(task_id, item_id, st.session_state[f"{key}_verdict"], st.session_state[f"{key}_note"],
                       set_id, st.session_state[f"{key}_about"]):
            st.session_state[f"{key}_note"] = ""

    with st.form(f"{key}_form", border=True):
        st.radio("Verdict", vocab.names(), format_func=vocab.label, index=None, horizontal=True,
                 key=f"{key}_verdict")
        st.selectbox("About which models", [None, *model_types], key=f"{key}_about",
                     format_func=lambda t: "all models" if t is None else t)
        st.text_area("Note (plain text)", key=f"{key}_note", height=90)
        st.form_submit_button("Save verdict / note", on_click=submit, type="primary",
                              disabled=not review_store().writable)


def history(task_id: str, item_id: str) -> pd.DataFrame:
    """The item's newest verdict and its whole history (newest first, concurrent edits marked).
    Remembers the newest entry shown: what the next write states it saw."""
    rs = review_store()
    hist = read(rs.history, task_id, item_id, fallback=pd.DataFrame(columns=["entry_id"]))
    st.session_state[_seen_key(task_id, item_id)] = int(hist["entry_id"].max()) if len(hist) else 0
    if not len(hist):
        st.caption("No verdict or note yet.")
        return hist
    given = hist[hist["verdict"].notna()]
    if len(given):
        last = given.iloc[0]
        st.markdown(f"**Latest verdict: {plain(rs.vocab.label(last['verdict']))}** by {plain(last['reviewer'])}, "
                    f"{plain(last['written_at'])} · {len(given)} verdict{'s' * (len(given) > 1)} from "
                    f"{given['reviewer'].nunique()} reviewer{'s' * (given['reviewer'].nunique() > 1)}")
    with st.expander(f"History: {len(hist)} entr{'y' if len(hist) == 1 else 'ies'}", expanded=len(hist) <= 3):
        for e in hist.itertuples():
            clash = (f" · concurrent with entry {', '.join(map(str, json.loads(e.unseen)))}"
                     if isinstance(e.unseen, str) else "")
            st.caption(plain(f"#{e.entry_id} · {e.written_at} · {e.reviewer} · "
                             f"{rs.vocab.label(e.verdict) if isinstance(e.verdict, str) else 'note'}"
                             + (f" · about {e.about}" if isinstance(e.about, str) else "") + clash))
            if e.note:
                st.text(e.note)  # literal: never markdown or HTML
    return hist


# ------------------------------------------------------------------ the Items and Item pages
SET_SIZES = (10, 20, 30, 50, 100, 200, 500)


def review_column(page: pd.DataFrame) -> list[str]:
    """The Items table's review cell per row: newest verdict, and how many verdicts it has had."""
    rs = review_store()
    got = read(rs.latest_verdicts, list(zip(page["task_id"], page["item_id"], strict=True)), fallback=None)
    if got is None or not len(got):
        return [""] * len(page)
    found = {(r.task_id, r.item_id): f"{rs.vocab.label(r.verdict)}" + (f" (+{r.n_verdicts - 1})" if r.n_verdicts > 1 else "")
             for r in got.itertuples()}
    return [found.get(k, "") for k in zip(page["task_id"], page["item_id"], strict=True)]


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
    rs = review_store()
    with st.expander("Make a review set from this view", icon=":material/fact_check:"):
        if not rs.writable:
            st.warning(rs.notice)
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
        st.session_state["review_flash"] = ("success", done)
    st.rerun()


def gap_check(sl: Slice, rlvr: str | None, rlhf: str | None) -> None:
    """With judged items left out: the pair's mean gap over the slice with and without them."""
    if not sl.exclude_verdicts or not (rlvr and rlhf):
        return
    res = q(review_items.gap_with_and_without, sl, rlvr, rlhf)
    if not res.ok:
        st.caption(res.message)
        return
    (all_gap, all_n), (kept_gap, kept_n) = zip(res.frame["mean_gap"], res.frame["n"], strict=True)
    kept = f"{kept_gap:+.3f} over {kept_n:,} items" if kept_n else "no item left"
    st.info(f"Does the gap survive? Mean RLVR−RLHF gap of the chosen pair: {all_gap:+.3f} over {all_n:,} items "
            f"of this slice; without the {all_n - kept_n:,} judged item{'s' * (all_n - kept_n != 1)}: {kept}.",
            icon=":material/fact_check:")
