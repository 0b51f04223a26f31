"""A page is a stack of panels; a panel that fails shows an inline error and the rest of the
page still renders. An empty answer (Result without a frame) shows its explanation instead."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from data_layer.queries.coverage import scored_rows
from data_layer.slice import Slice
from data_layer.store import Result
from ui.data import q
from ui.text import plain_md

log = logging.getLogger(__name__)


class EmptyPanel(Exception):
    """Raised inside a panel to replace its content with an explanation."""


def need(res: Result, show_note: bool = True) -> pd.DataFrame:
    """The frame of a query answer, or stop the panel with the answer's explanation.
    A note attached to a non-empty answer (e.g. groups left out) is shown as a caption."""
    if not res.ok:
        raise EmptyPanel(res.message)
    if res.message and show_note:
        st.caption(plain_md(res.message))
    return res.frame


def stop_if_empty(sl: Slice) -> None:
    """One explanation instead of a stack of empty panels when nothing in the slice is scored."""
    if not q(scored_rows, sl):
        st.info(f"Nothing is scored in this slice ({plain_md(sl.sentence())}). Widen the filters in the sidebar: "
                "some combinations (e.g. a model with a method it was never run with) are empty.", icon="ℹ️")
        st.stop()


@contextmanager
def panel(title: str | None = None, help: str | None = None) -> Iterator[None]:
    if title:
        st.subheader(title, help=help)
    try:
        yield
    except EmptyPanel as e:
        st.info(plain_md(e), icon="ℹ️")
    except Exception as e:  # st.stop / rerun / switch_page are BaseExceptions and pass through
        log.exception("panel %r failed", title)
        st.error(f"This panel could not be drawn ({type(e).__name__}: {plain_md(e, limit=500)}). "
                 "The rest of the page is unaffected.", icon="⚠️")
