"""Review sets: every set with its progress; with ?set=ID one set's minutes (verdicts by model
type and band, notes, each item's permalink) as a page, as Markdown and as CSV."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_layer.queries import review_items
from reviews.minutes import NOT_REVIEWED, minutes_markdown, minutes_table, verdict_counts
from ui.charts import data_table
from ui.data import q
from ui.export import download_csv
from ui.page import start_page
from ui.reviews import mirror_status, read, read_only_notice, review_store
from ui.share import page_url, share_link
from ui.state import page_param, set_page_param
from ui.text import md_escape as plain

sl = start_page("Review sets")
read_only_notice()
rs = review_store()
mirror_status()
build = q(review_items.build_id)


def item_link(task_id: str, item_id: str) -> str:
    return page_url("item", {"task": task_id, "item": item_id})


def open_set(set_id: int | None) -> None:
    st.session_state.pop("rs_verdicts", None)
    set_page_param("verdict", None)
    set_page_param("set", str(set_id) if set_id else None)


def list_sets() -> None:
    sets = read(rs.sets, fallback=pd.DataFrame())
    if sets is None or not len(sets):
        st.info("No review set yet. Make one on the Items page: order and filter the items, then "
                "“Make a review set from this view”.")
        st.page_link("views/items.py", label="Go to the Items page", icon=":material/table_rows:")
        return
    for s in sets.itertuples():
        with st.container(border=True):
            cols = st.columns([4, 2, 1, 1], vertical_alignment="center")
            cols[0].markdown(f"**{plain(s.name)}**")
            cols[0].caption(plain(f"made by {s.created_by}, {s.created_at} · {s.slice_sentence}"))
            cols[1].progress(s.n_reviewed / s.n_items if s.n_items else 0.0,
                             text=f"{s.n_reviewed} of {s.n_items} reviewed")
            # a button, not a page_link: a link to the page already open does not update the URL
            cols[2].button("Minutes", icon=":material/summarize:", key=f"open_{s.set_id}", on_click=open_set,
                           args=(s.set_id,))
            cols[3].page_link("views/present.py", label="Present", icon=":material/slideshow:",
                              query_params={"set": str(s.set_id), "step": "1"})


def show_minutes(set_id: int) -> None:
    review_set = read(rs.get_set, set_id)
    if review_set is None:
        st.error(f"There is no review set {plain(set_id)}.")
        st.page_link("views/review_sets.py", label="All review sets", icon=":material/list:")
        return
    members = read(rs.set_items, set_id, fallback=pd.DataFrame(columns=["task_id", "item_id", "position"]))
    st.subheader(plain(review_set["name"]), anchor=False)
    st.caption(plain(f"Made by {review_set['created_by']} on {review_set['created_at']} from: "
                     f"{review_set['slice_sentence']} · store build {review_set['build_id']}"))
    if review_set["build_id"] != build:
        st.info(f"This set was made against store build {plain(review_set['build_id'])}; the app now reads build "
                f"{plain(build)}. Reviews of items still in the store carry over; items no longer in it are listed below.")
    links = st.columns(3)
    links[0].page_link("views/present.py", label="Present this set", icon=":material/slideshow:",
                       query_params={"set": str(set_id), "step": "1"})
    links[1].page_link("views/items.py", label="The Items view it was made from", icon=":material/table_rows:",
                       query_params=review_set["params"])
    links[2].button("All review sets", icon=":material/list:", on_click=open_set, args=(None,))
    facts = q(review_items.item_facts, sl, list(zip(members["task_id"], members["item_id"], strict=True)))
    gone = facts[~facts["in_store"].astype(bool)]
    if len(gone):
        st.warning(f"{len(gone)} item{'s' * (len(gone) > 1)} of this set {'are' if len(gone) > 1 else 'is'} not in "
                   "the current store (rebuilt since the set was made); their reviews are kept and listed in the "
                   "minutes:")
        st.text("\n".join(f"{t} / {i}" for t, i in zip(gone["task_id"], gone["item_id"], strict=True)))
    vocab = rs.vocab
    options = [*vocab.names(), ""]
    wanted = [v for v in (page_param("verdict") or "").split(",") if v in vocab.names() or v == "none"]
    st.session_state.setdefault("rs_verdicts", ["" if v == "none" else v for v in wanted])
    chosen = st.multiselect("Show items with the verdict", options, key="rs_verdicts", placeholder="All items",
                            format_func=lambda v: vocab.label(v) if v else NOT_REVIEWED)
    set_page_param("verdict", ",".join(v or "none" for v in chosen) or None)
    entries = read(rs.set_entries, set_id, fallback=pd.DataFrame(columns=["entry_id", "task_id", "item_id"]))
    table = minutes_table(members, facts, entries, vocab, item_link, tuple(chosen))
    reviewed = int((table["verdict"] != NOT_REVIEWED).sum())
    st.progress(reviewed / len(table) if len(table) else 0.0,
                text=f"{reviewed} of {len(table)} items{' shown' if chosen else ''} reviewed")
    st.markdown("**Verdicts by the model type they are about and the item's band**")
    counts = verdict_counts(table)
    if len(counts):
        data_table(counts)
    else:
        st.caption("No verdicts yet.")
    st.markdown("**Minutes**")
    data_table(table, width="stretch", column_config={
        "link": st.column_config.LinkColumn("permalink", display_text="open item"),
        "notes": st.column_config.TextColumn("notes", width="large")})
    markdown = minutes_markdown(review_set, table, page_url(None, {"set": str(set_id)}), len(members))
    cols = st.columns(2)
    with cols[0]:
        download_csv(table, f"review-set-{set_id}-minutes.csv", "Download the minutes as CSV")
    cols[1].download_button("Download the minutes as Markdown", markdown.encode("utf-8"),
                            file_name=f"review-set-{set_id}-minutes.md", mime="text/markdown",
                            icon=":material/download:")
    with st.expander("Minutes as Markdown (copy with the button at the right)"):
        st.code(markdown, language="markdown", wrap_lines=True)
    removed = read(rs.set_items, set_id, True, fallback=pd.DataFrame())
    if removed is not None and len(removed):
        with st.expander(f"{len(removed)} item{'s' * (len(removed) > 1)} removed from the set"):
            data_table(removed[["task_id", "item_id", "removed_by", "removed_at"]])
    share_link("Link to these minutes")


try:
    set_id = int(page_param("set") or 0)
except ValueError:
    set_id = 0
if set_id:
    show_minutes(set_id)
else:
    list_sets()
    share_link()
