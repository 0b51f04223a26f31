"""The app's store handle and a bounded cache in front of every data_layer query."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import pickle
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from data_layer.locate import KnownStore, StoreLocation, ensure_demo_store, known_stores, resolve_store
from data_layer.store import Store


@st.cache_resource(show_spinner="Opening the store…")
def _location() -> StoreLocation:
    return resolve_store()


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    return Store(path)  # one read-only connection per process; queries take their own cursor


@st.cache_resource(show_spinner=False)
def _known() -> tuple[KnownStore, ...]:
    return tuple(known_stores(_location()))


def stores() -> tuple[KnownStore, ...]:
    """The stores this app can show (ui.store_picker); the first is the one a link without
    `store=` opens."""
    return _known()


def location() -> StoreLocation:
    """The store this session shows: the one picked (URL `store=`, ui.store_picker), else the
    configured one."""
    picked = st.session_state.get("store_key")
    for known in _known():
        if known.key == picked:
            if known.location.origin == "demo" and not known.location.path.exists():
                ensure_demo_store()  # offered beside a configured store, built on first pick
            return known.location
    return _location()


def store() -> Store:
    return _open(str(location().path))


def digest(*values) -> str:
    """A fingerprint of a query's or a builder's arguments: their pickled bytes, hashed. Equal bytes
    mean equal contents, so a kept result is never wrong; Streamlit's own hashing of a data frame
    (per column, through Arrow) cost 2 ms a frame and a fifth of the Overview's CPU per render, this
    0.1 ms; of a query's slice and order 1.5 ms, this 0.01 ms."""
    try:
        data = pickle.dumps(values, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError) as e:  # e.g. a lambda among the values
        # no weaker fallback (a repr elides the middle of a long frame: two frames, one key)
        raise TypeError(f"a query's, a kept chart's or a sentence's arguments must be picklable values ({e})") from e
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@st.cache_resource(max_entries=512, show_spinner=False)
def _cached_call(key: str, _call: tuple) -> Any:
    # One key argument (store, query, digest of the arguments) and the call itself unhashed:
    # Streamlit's cache inspects and hashes each argument of every call (88 µs for five, 31 for these two).
    store_path, fn_path, args, kwargs = _call
    module, name = fn_path.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    return fn(_open(store_path), *args, **dict(kwargs))


def own_copy(value: Any) -> Any:
    """`value` with every data frame (and series) in it, inside Results, page dataclasses, lists,
    tuples and dicts, replaced by a shallow copy. Under pandas' copy-on-write a shallow copy is
    the caller's own: a column it sets, a row it changes or a sort in place makes a new frame and
    leaves the shared one as it was, at the cost of a few microseconds instead of a copy."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(own_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: own_copy(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: own_copy(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **fields)
    return value


def _call(store_path: str, fn: Callable, args: tuple, kwargs: dict) -> Any:
    # One answer per process, shared by every session (the store is read-only) and handed out as
    # the caller's own shallow copy: st.cache_data unpickled every answer on every read, 5-10 % of
    # a page's CPU (Arrow string columns most of it).
    kwargs = tuple(sorted(kwargs.items()))
    fn_path = f"{fn.__module__}.{fn.__name__}"
    return own_copy(_cached_call(f"{store_path}|{fn_path}|{digest(args, kwargs)}", (store_path, fn_path, args, kwargs)))


def q(fn: Callable, *args, **kwargs) -> Any:
    """Call a data_layer query function `fn(store, *args, **kwargs)` through the cache.
    Arguments must be picklable values (slices are frozen dataclasses)."""
    return _call(str(location().path), fn, args, kwargs)


def q_at(where: StoreLocation, fn: Callable, *args, **kwargs) -> Any:
    """`q` against another known store than the session's (the store picker's labels)."""
    return _call(str(where.path), fn, args, kwargs)
