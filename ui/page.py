"""What every page starts with: the shared sidebar slice, the title and the slice sentence.

The sidebar is rendered by each page (not by app.py) so that its widgets belong to the page
script that runs; the slice itself persists across pages in session state and the URL.
"""
from __future__ import annotations

import streamlit as st

from data_layer.queries.options import is_simulated
from data_layer.slice import Slice
from ui import data, style
from ui.no_runs import note_if_no_model_runs
from ui.reviews import with_judged
from ui.sidebar import render_sidebar
from ui.state import clean_url
from ui.store_picker import render_store_picker, store_caption
from ui.text import clip, plain_md

SIMULATED_LINE = "Simulated demo data: every model and annotator here is simulated; nothing here is evidence."
SIMULATED_DETAILS = (
    "Every model and annotator here is simulated by our own code to show what the dashboard reveals "
    "(RLVR models are given sharper distributions than their RLHF siblings on purpose). To look at real "
    "data, build a store with `atlas build --config study.toml --out my.duckdb` and start the app on it "
    "with `atlas app --store my.duckdb`.")


def simulated_banner() -> None:
    """One line on the page; what it means and how to use real data one click away."""
    with st.expander(SIMULATED_LINE, icon=":material/science:"):
        st.markdown(SIMULATED_DETAILS)


LOOK = {"page_icon": "🗺️", "layout": "wide"}  # every page's icon and layout (st.set_page_config)


def name_tab(name: str) -> None:
    """The browser tab's title: `name` (plain text, never markup) and the app's name, with the
    app's icon and wide layout in the same message (one message less on every render). app.py
    names each page's tab after the page; a page that shows one thing (an item) names it."""
    st.set_page_config(page_title=f"{clip(name, 80)} · Disagreement Atlas", **LOOK)


def start_page(title: str, uses_store: bool = True) -> Slice:
    """The sidebar, notes about where the data comes from, the title and the slice sentence.
    `uses_store=False` for a page whose content depends on neither the store nor the slice
    (shipped reference figures): it shows neither the simulated-data line nor the slice sentence
    (the notice of a store without model runs stays: the page compares the store's runs too)."""
    cut = clean_url()  # before anything reads the URL
    style.skip_link()  # before the filters, for keyboard users
    render_store_picker()  # first in the sidebar: everything below depends on the store
    sl = with_judged(render_sidebar(page=title))  # the review store says which items are judged
    if cut:
        st.warning(plain_md("Part of the link was too long and was cut: " + "; ".join(cut) + "."), icon="✂️")
    where = data.location()
    if where.warning:  # e.g. the Hub could not be reached and the app fell back
        st.warning(plain_md(where.note), icon="⚠️")
    elif where.origin == "hub" and uses_store:  # which published dataset and commit the numbers come from
        st.caption(plain_md(where.note))
    if uses_store and data.q(is_simulated):
        simulated_banner()
    st.title(title, anchor=style.CONTENT_ANCHOR)  # where the skip link lands
    if uses_store:
        st.caption(plain_md(sl.sentence()))
    store_caption()  # every page: which store, simulated or real
    note_if_no_model_runs()  # every page: a store of ratings alone is not broken, it awaits runs
    return sl
