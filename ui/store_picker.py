"""Which store a session shows, chosen in the sidebar and carried in the URL (`store=KEY`).

The app knows the configured store, the simulated demo, the real study where it has been built
(README, "A real study") and the user's own stores (`ATLAS_STORES`); data_layer.locate lists
them. Every page says which store it shows and whether it is simulated or real, and when the app
knows more than one store every link carries `store=`, so a shared view opens on the same data.
"""
from __future__ import annotations

import streamlit as st

from data_layer.queries.options import store_identity
from data_layer.store import StoreError
from ui import data
from ui.state import page_param
from ui.text import plain_md

PARAM = "store"


def apply_store_from_url() -> None:
    """Before anything reads the store: take the store a link names (or keep the session's)."""
    known = {s.key: s for s in data.stores()}
    wanted = page_param(PARAM)
    if wanted is not None and wanted not in known:
        st.session_state["store_problem"] = (
            f"This link names the store “{wanted[:80]}”, which this app does not have; showing "
            f"“{data.stores()[0].label}” instead. Stores here: {', '.join(known)}.")
        wanted = None
    if wanted is not None and wanted != st.session_state.get("store_key"):
        if st.session_state.get("store_key") is not None:
            _forget_slice()  # another store's tasks and models are not this one's
        st.session_state["store_key"] = wanted
    st.session_state.setdefault("store_key", data.stores()[0].key)
    if len(known) > 1:
        st.query_params[PARAM] = st.session_state["store_key"]
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def _forget_slice() -> None:
    for key in [k for k in st.session_state if str(k).startswith("w_") or k == "slice"]:
        del st.session_state[key]


def _identity(location) -> dict | None:
    try:
        return data.q_at(location, store_identity)
    except StoreError:
        return None


def _label(key: str) -> str:
    entry = next(s for s in data.stores() if s.key == key)
    if not entry.location.path.exists() and entry.location.origin != "demo":
        return f"{entry.label} (file missing)"
    ident = _identity(entry.location) if entry.location.path.exists() else None
    if ident is None:
        return entry.label if entry.location.origin == "demo" else f"{entry.label} (cannot be opened)"
    return f"{ident['name']} · {'simulated' if ident['simulated'] else 'real data'}"


def _switch() -> None:
    key = st.session_state["w_store"]
    _forget_slice()
    st.session_state["store_key"] = key
    st.query_params.from_dict({PARAM: key})


def render_store_picker() -> None:
    """The sidebar's store choice, only when there is a choice."""
    if st.session_state.get("store_problem"):
        st.warning(plain_md(st.session_state.pop("store_problem")), icon="🗄️")
    stores = data.stores()
    if len(stores) > 1:
        keys = [s.key for s in stores]
        st.session_state["w_store"] = st.session_state["store_key"]
        st.sidebar.selectbox("Store", keys, key="w_store", format_func=_label, on_change=_switch,
                             help="The stores this app knows: the configured one, the simulated demo, "
                                  "the real study when it has been built, and those named in ATLAS_STORES. "
                                  "Links carry the choice (store=…).")


def store_caption() -> None:
    """One line on every page: which store, simulated or real."""
    ident = data.q(store_identity)
    kind = "simulated data" if ident["simulated"] else "real data"
    built = f", built {ident['built_at']}" if ident["built_at"] else ""
    st.caption(plain_md(f"Store: {ident['name']} · {kind}{built}"))
