"""The URL is the state: the sidebar's slice and each page's own parameters live in
st.query_params, so every view has a link that reproduces it."""
from __future__ import annotations

import streamlit as st

from data_layer.slice import SLICE_PARAM_KEYS, Slice


def url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params.keys()}


def slice_from_url() -> Slice:
    return Slice.from_params({k: v for k, v in url_params().items() if k in SLICE_PARAM_KEYS})


def write_slice(sl: Slice) -> None:
    """Replace the slice keys in the URL, keeping page-specific keys (e.g. the open item)."""
    wanted = sl.to_params()
    for key in SLICE_PARAM_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def page_param(key: str, default: str | None = None) -> str | None:
    return st.query_params.get(key, default)


def set_page_param(key: str, value: str | None) -> None:
    if value is None or value == "":
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def current_slice() -> Slice:
    return st.session_state["slice"]


def push_url() -> None:
    """Re-send this run's query params to the browser, so the address bar and history follow a
    link to the same page with other params (st.page_link to the next item: Streamlit 1.67 pushes
    a history entry only when the page changes or a param is set). The browser pushes an entry
    only if the address differs; on Back/Forward (a history navigation) it replaces instead.
    (No widget of the app binds to a query param; from_dict would refuse to set a bound one.)"""
    st.query_params.from_dict(url_params())
