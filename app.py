"""Disagreement Atlas: the frame around every page (store check, shared slice, navigation).

Run with `streamlit run app.py`. Opens ATLAS_STORE, or builds and opens the demo store.
"""
from __future__ import annotations

import streamlit as st

from data_layer.store import StoreError
from ui import data

st.set_page_config(page_title="Disagreement Atlas", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon="📊", url_path="overview", default=True),
    st.Page("pages/published.py", title="Published results", icon="📄", url_path="published"),
]

try:
    data.store()
except StoreError as e:
    st.title("Disagreement Atlas")
    st.error(str(e))
    st.stop()

st.navigation(PAGES).run()
