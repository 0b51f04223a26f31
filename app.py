"""Disagreement Atlas: the frame around every page (store check, shared slice, navigation).

Run with `streamlit run app.py`. Opens ATLAS_STORE, or builds and opens the demo store.
"""
from __future__ import annotations

import streamlit as st

from data_layer.store import StoreError
from ui import data
from ui.text import plain_md

st.set_page_config(page_title="Disagreement Atlas", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/insights:", url_path="home",
            default=True),
    st.Page("views/bands.py", title="Bands", icon=":material/equalizer:", url_path="bands"),
    st.Page("views/models.py", title="Models", icon=":material/leaderboard:", url_path="models"),
    st.Page("views/items.py", title="Items", icon=":material/table_rows:", url_path="items"),
    st.Page("views/item.py", title="Item", icon=":material/description:", url_path="item"),
    st.Page("views/published.py", title="Published results", icon=":material/menu_book:",
            url_path="published"),
    st.Page("views/data.py", title="Data", icon=":material/dataset:", url_path="data"),
    # The default page is served at "/" whatever its url_path (which it still reserves), so
    # "/overview" (in older links, and what a user types) matched no page and flashed "Page not
    # found" first: this hidden twin of the default page answers it.
    st.Page("views/overview.py", title="Overview", icon=":material/insights:", url_path="overview",
            visibility="hidden"),
]

try:
    data.store()
except StoreError as e:
    st.title("Disagreement Atlas")
    st.error(plain_md(e))
    st.stop()

st.navigation(PAGES).run()
