"""Chart conventions shared by every page: one colour per model type, fonts large enough
to read from the back of a room, PNG export from the toolbar."""
from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go
import streamlit as st

from data_layer.facets import colour_for
from ui.export import chart_config

FONT_SIZE = 18


def type_colours(types: Iterable[str]) -> dict[str, str]:
    return {t: colour_for(t) for t in dict.fromkeys(types)}


def finish(fig: go.Figure, height: int = 520, legend_title: str = "Model type") -> go.Figure:
    fig.update_layout(font_size=FONT_SIZE, height=height, legend_title_text=legend_title,
                      margin=dict(l=10, r=10, t=60, b=10), hoverlabel_font_size=16,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0))
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))  # facet titles: value only
    return fig


def show_chart(fig: go.Figure, name: str, **kwargs):
    """Render a plotly figure with the shared PNG export config; returns the selection state
    when `on_select` is passed."""
    return st.plotly_chart(fig, width="stretch", config=chart_config(name), **kwargs)
