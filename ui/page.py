"""What every page starts with: the shared sidebar slice, the title and the slice sentence.

The sidebar is rendered by each page (not by app.py) so that its widgets belong to the page
script that runs; the slice itself persists across pages in session state and the URL.
"""
from __future__ import annotations

import streamlit as st

from data_layer.queries.options import is_simulated
from data_layer.slice import Slice
from ui import data
from ui.no_runs import note_if_no_model_runs
from ui.reviews import with_judged
from ui.sidebar import render_sidebar
from ui.state import clean_url
from ui.text import clip, plain_md

SIMULATED_BANNER = (
    "**Simulated demo data.** Every model and annotator here is simulated by our own code to show "
    "what the dashboard reveals; nothing here is evidence. To look at real data, build a store with "
    "`atlas build --config study.toml --out my.duckdb` and start the app on it with "
    "`atlas app --store my.duckdb`.")


def name_tab(name: str) -> None:
    """The browser tab's title: `name` (plain text, never markup) and the app's name. app.py
    names each page's tab after the page; a page that shows one thing (an item) names it."""
    st.set_page_config(page_title=f"{clip(name, 80)} · Disagreement Atlas")


def start_page(title: str) -> Slice:
    cut = clean_url()  # before anything reads the URL
    sl = with_judged(render_sidebar(page=title))  # the review store says which items are judged
    if cut:
        st.warning(plain_md("Part of the link was too long and was cut: " + "; ".join(cut) + "."), icon="✂️")
    where = data.location()
    if where.warning:  # e.g. the Hub could not be reached and the app fell back
        st.warning(plain_md(where.note), icon="⚠️")
    elif where.origin == "hub":  # which published dataset and commit the numbers come from
        st.caption(plain_md(where.note))
    if data.q(is_simulated):
        st.info(SIMULATED_BANNER, icon="🧪")
    st.title(title)
    st.caption(plain_md(sl.sentence()))
    note_if_no_model_runs()  # every page: a store of ratings alone is not broken, it awaits runs
    return sl
