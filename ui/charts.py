"""Chart and table conventions shared by the analysis pages: one colour per model type (in one
order), fonts large enough to read from the back of a room, PNG export from the chart toolbar,
a CSV download under every table."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_layer.facets import MODEL_TYPE_COLOURS, colour_for
from ui.export import download_csv

FONT_SIZE = 18


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "export"


def chart_config(name: str) -> dict:
    """plotly config: the toolbar's camera button saves a 2x PNG named after the chart."""
    return {"toImageButtonOptions": {"format": "png", "filename": slug(name), "scale": 2},
            "displaylogo": False}


def type_order(types: Iterable[str]) -> list[str]:
    """Model types present, in the palette's order (RLVR, RLHF, others, Baseline last)."""
    known = list(MODEL_TYPE_COLOURS)
    present = list(dict.fromkeys(types))
    return sorted(present, key=lambda t: (t == "Baseline", known.index(t) if t in known else len(known), t))


def type_colours(types: Iterable[str]) -> dict[str, str]:
    return {t: colour_for(t) for t in dict.fromkeys(types)}


def type_style(types: Iterable[str]) -> dict:
    """px keyword arguments that colour and order model types the same on every chart."""
    types = list(types)
    return {"color_discrete_map": type_colours(types), "category_orders": {"model_type": type_order(types)}}


def finish(fig: go.Figure, height: int = 520, legend_title: str = "Model type") -> go.Figure:
    fig.update_layout(template="plotly_white", font_size=FONT_SIZE, height=height,
                      legend_title_text=legend_title, legend_font_size=16, hoverlabel_font_size=16,
                      margin=dict(l=10, r=10, t=40, b=10))
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))  # facet titles: value only
    return fig


@st.cache_data(max_entries=32, show_spinner=False)
def _figure_dict(key: str, _build: Callable[..., go.Figure], args: tuple) -> dict:
    return _build(*args).to_dict()


def built_once(build: Callable[..., go.Figure], *args) -> dict:
    """`build(*args)` as a plain figure dict, kept per chart and distinct arguments (in the
    app's cache, shared by sessions). Laying out 20 task facets takes 0.3-0.8 s; a kept dict
    renders in ~0.1 s on every rerun of the page. `build` must depend on its arguments only
    (pass the metric's and scheme's names, not page globals)."""
    code = build.__code__
    key = f"{code.co_filename}:{build.__qualname__}:{hashlib.sha1(code.co_code).hexdigest()}"
    return _figure_dict(key, build, args)


def show_chart(fig: go.Figure | dict, name: str, **kwargs):
    """Render a plotly figure with the shared PNG export config (and our own fonts rather than
    the Streamlit theme's); returns the selection state when `on_select` is passed."""
    return st.plotly_chart(fig, width="stretch", theme=None, config=chart_config(name), **kwargs)


def show_table(frame, name: str, **kwargs) -> None:
    """st.dataframe (a frame or a pandas Styler) plus the CSV download of its raw values."""
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)
    raw = frame.data if isinstance(getattr(frame, "data", None), pd.DataFrame) else frame
    download_csv(raw, f"{slug(name)}.csv")


def row_spacing(n_facets: int, wrap: int, preferred: float) -> float:
    """Vertical gap between wrapped facet rows: `preferred`, shrunk when there are so many rows
    that plotly would refuse it (it needs spacing < 1 / (rows - 1))."""
    rows = max(1, -(-n_facets // max(wrap, 1)))
    return preferred if rows < 2 else min(preferred, 0.5 / (rows - 1))
