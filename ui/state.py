"""The URL is the state: the sidebar's slice and each page's own parameters live in
st.query_params, so every view has a link that reproduces it."""
from __future__ import annotations

import re

import streamlit as st

from data_layer.slice import SLICE_PARAM_KEYS, Slice

# Longest value a URL parameter keeps. The longest honest one is a list of every model or task
# id of a large store (~100 ids of ~30 characters); a 100 KB value took a browser 27-84 s to
# render once echoed, so anything longer is cut here, at the boundary, and the user told.
MAX_PARAM_CHARS = 4000
# Control characters (NUL and the like) have no place in an id or a search; a badly encoded
# byte (%ff) has already become U+FFFD when Streamlit decoded the query string.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_param(value: str) -> str:
    """A URL parameter value as the app uses it: control characters dropped, at most
    MAX_PARAM_CHARS characters."""
    return _CONTROL.sub("", str(value))[:MAX_PARAM_CHARS]


def clean_url() -> list[str]:
    """Cut over-long values (and drop control characters) in the URL itself, so the link the
    page shares is the one it honours; returns a notice per parameter that was cut."""
    cut = []
    for key in list(st.query_params.keys()):
        values = st.query_params.get_all(key)
        cleaned = [clean_param(v) for v in values]
        if cleaned != values:
            st.query_params[key] = cleaned if len(cleaned) > 1 else cleaned[0]
            longest = max(len(v) for v in values)
            if longest > MAX_PARAM_CHARS:
                cut.append(f"{key[:40]} was {longest:,} characters long; only its first "
                           f"{MAX_PARAM_CHARS:,} were read")
    return cut


def url_params() -> dict[str, list[str]]:
    return {k: [clean_param(v) for v in st.query_params.get_all(k)] for k in st.query_params.keys()}


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
    value = st.query_params.get(key, default)
    return value if value is None else clean_param(value)


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
