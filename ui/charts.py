"""Chart and table conventions shared by the analysis pages: one colour per model type (in one
order), fonts large enough to read from the back of a room, legends under the plot (a legend on
the right shrank plots to 60-120 px on a 390 px phone), a narrow twin with one facet per row for
phones, a sentence that says what each chart shows, PNG export from the chart toolbar, a CSV
download under every table."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import streamlit as st

from data_layer.column_names import VALUE_LABELS, column_label
from ui import style
from ui.colours import MODEL_TYPE_COLOURS, colour_for
from ui.data import digest, own_copy
from ui.export import download_csv
from ui.text import clip, plain_md

FONT_SIZE = 18
NARROW_FONT_SIZE = 14
NARROW_WRAP = 28  # characters per line of a title on a phone (centred on a ~250 px plot)
# st.plotly_chart serialises a figure with plotly.io.to_json on every render. With orjson
# installed, plotly's default, every value is first walked in Python (clean_to_json_compatible):
# 7.6 ms for the 3,000-point collapse scatter against 2.5 ms with the standard json encoder.
pio.json.config.default_engine = "json"


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


def wrap(text: str, width: int) -> str:
    """Plotly text broken into lines of at most about `width` characters at spaces (<br>: give
    it text that is code-written or already plain_chart-escaped)."""
    lines, line = [], ""
    for word in str(text).split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def finish(fig: go.Figure, height: int = 520, legend_title: str = "Model type", narrow: bool = False,
           legend_px: int | None = None) -> go.Figure:
    """The shared layout. The legend sits under the plot, horizontal, on every screen: on the
    right it took half of a phone's width. `narrow` (the phone twin): smaller fonts, and long
    axis and facet titles wrapped rather than clipped. `legend_px`: the width the legend is laid
    out in (a phone's by default for the narrow twin, a desktop's otherwise)."""
    font = NARROW_FONT_SIZE if narrow else FONT_SIZE
    fig.update_layout(template="plotly_white", font_size=font, height=height,
                      legend=dict(title_text=legend_title, orientation="h", x=0, xanchor="left", xref="container",
                                  y=0, yanchor="bottom", yref="container", font_size=font - 2,
                                  title_side="top left"),
                      hoverlabel_font_size=16, margin=dict(l=10, r=10, t=40, b=10))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))  # facet titles: value only
    if narrow:
        for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
            if axis.title.text:
                axis.title.text = wrap(axis.title.text, NARROW_WRAP)
        fig.for_each_annotation(lambda a: a.update(text=wrap(a.text, NARROW_WRAP)))
        if fig.layout.title.text:
            fig.layout.title.text = wrap(fig.layout.title.text, NARROW_WRAP + 8)
    if fig.layout.title.text:  # room above the plot for every line of the title
        fig.update_layout(margin_t=30 + (font + 8) * (1 + fig.layout.title.text.count("<br>")),
                          title=dict(yref="container", y=1, yanchor="top", pad_t=10))
    return _room_for_legend(fig, legend_px or (NARROW_PX if narrow else WIDE_PX), font - 2)


NARROW_PX, WIDE_PX = 340, 1000  # a phone's plot width, and a desktop's (at least)


def _room_for_legend(fig: go.Figure, width: int, font: int) -> go.Figure:
    """A bottom margin that holds the x axis (ticks and title) and, under it, the legend's rows:
    plotly does not make room for a legend placed in the margin itself."""
    names = list(dict.fromkeys(t.name for t in fig.data if t.showlegend is not False and t.name))
    title_lines = max([1 + (a.title.text or "").count("<br>") for a in fig.select_xaxes()] or [1])
    axis = 40 + 24 * title_lines if any(a.title.text for a in fig.select_xaxes()) else 40
    if not names:
        fig.update_layout(margin_b=axis, showlegend=False)
        return fig
    # an entry is its symbol (40 px) and its text (about 0.6 em a character)
    entries = [40 + 0.6 * font * len(n) for n in names]
    rows, used = 1, 0.0
    for w in entries:
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    fig.update_layout(margin_b=axis + 12 + (rows + (1 if fig.layout.legend.title.text else 0)) * (font + 10))
    return fig


class KeptFigure(go.Figure):
    """A laid-out figure kept in the app's cache and shared, read-only, by every session.
    st.plotly_chart re-validates a dict through `go.Figure(**dict)` on every call (0.05-0.15 s
    for a faceted chart) but takes a Figure's `to_dict()` as it is; this one returns the dict
    made once instead of a deep copy, so a render only serialises it. The kept dict holds what
    the JSON holds (lists, numbers, strings), not numpy arrays and numpy numbers: those went
    through plotly's encoder one by one in Python, by trying encoders until one fit, on every
    render; plain values are written by the json module's C encoder, to the same JSON."""

    def __init__(self, fig: go.Figure):
        super().__init__(fig)
        self._kept = json.loads(pio.to_json(fig, validate=False))

    def to_dict(self) -> dict:
        return self._kept


def _code_key(fn: Callable) -> str:
    code = fn.__code__
    return f"{code.co_filename}:{fn.__qualname__}:{hashlib.sha1(code.co_code).hexdigest()}"


# Each keyed by one string (the code's key and the arguments' digest) with the call unhashed: Streamlit's
# cache inspects and hashes each argument of every call.
@st.cache_resource(max_entries=64, show_spinner=False)
def _kept_figure(key: str, _call: tuple) -> KeptFigure:
    build, args = _call
    return KeptFigure(build(*args))


@st.cache_resource(max_entries=256, show_spinner=False)
def _kept_text(key: str, _call: tuple) -> str:
    make, args = _call
    return make(*args)


@st.cache_resource(max_entries=256, show_spinner=False)
def _kept_value(key: str, _call: tuple):
    make, args = _call
    return make(*args)


def _key(fn: Callable, args: tuple, also: tuple) -> str:
    return f"{_code_key(fn)}|{digest(args, tuple(also))}"


def built_once(build: Callable[..., go.Figure], *args, also: tuple = ()) -> KeptFigure:
    """`build(*args)` laid out once per chart and distinct arguments and kept in the app's cache
    (shared by sessions: the store is read-only, so a slice's figure is the same for everyone).
    Laying out a faceted chart takes 0.1-0.8 s of CPU; a kept figure renders in a few ms.
    `build` must depend on its arguments only; `also` names any page value it reads besides
    them (e.g. the slice's metric and banding scheme), so that they are part of the key."""
    return _kept_figure(_key(build, args, also), (build, args))


def said_once(make: Callable[..., str], *args, also: tuple = ()) -> str:
    """A sentence computed from data (a chart's summary, a headline), kept as built_once keeps
    figures: pandas on a small frame of Arrow strings costs milliseconds a call, every render."""
    return _kept_text(_key(make, args, also), (make, args))


def made_once(make: Callable, *args, also: tuple = ()):
    """What a page derives from its answers (a focus, small frames, labels) before drawing them,
    kept as said_once keeps sentences and handed to each caller as its own copy
    (ui.data.own_copy): the page's pandas work on an item or a slice is done once, not for every
    visitor. `make` must return frames, Results, dataclasses, tuples, lists, dicts and values,
    and depend on its arguments only (and on `also`)."""
    return own_copy(_kept_value(_key(make, args, also), (make, args)))


def show_chart(fig: go.Figure | dict, name: str, narrow: go.Figure | dict | None = None,
               summary: str | None = None, **kwargs):
    """Render a plotly figure with the shared PNG export config (and our own fonts rather than
    the Streamlit theme's); returns the selection state when `on_select` is passed.
    `narrow`: the same chart laid out for a phone (one facet per row). Plotly cannot know the
    screen's width, so both are sent and CSS (ui/style.py) shows the one that fits.
    `summary`: a sentence computed from the chart's data (text from the store in it is escaped
    here), shown under the chart as its text alternative and given to the chart as its
    accessible name (`alt`, an attribute: plain text, never markup)."""
    if summary:  # the summary is also the chart's accessible name, read by a screen reader on the chart
        kwargs = {**kwargs, "alt": clip(summary, ALT_CHARS)}
    if narrow is None:
        event = st.plotly_chart(fig, width="stretch", theme=None, config=chart_config(name), **kwargs)
    else:
        with st.container(key=style.WIDE_KEY + slug(name)):
            event = st.plotly_chart(fig, width="stretch", theme=None, config=chart_config(name), **kwargs)
        with st.container(key=style.NARROW_KEY + slug(name)):
            twin = {**kwargs, "key": kwargs["key"] + "_narrow"} if "key" in kwargs else kwargs
            narrow_event = st.plotly_chart(narrow, width="stretch", theme=None, config=chart_config(name), **twin)
        if "on_select" in kwargs and (narrow_event.get("selection") or {}).get("points"):
            event = narrow_event  # a click on the phone's twin
    if summary:
        chart_summary(summary)
    return event


def chart_summary(sentence: str) -> None:
    """A chart's text alternative: what it shows, in a sentence made from its data."""
    st.caption("**In words:** " + plain_md(sentence))


ALT_CHARS = 400  # an accessible name is read in one go: the summary's start; the caption has it all
MISSING = "—"  # what an empty cell shows (st.dataframe's own placeholder reads "None")


def human_table(frame, column_config: dict | None = None):
    """(frame, column_config) for the screen: facet values under their registry labels (a
    Styler keeps its own display values) and every column the page did not name under its
    human name from data_layer.column_names; None in the config hides a column, as in Streamlit."""
    config = dict(column_config or {})
    styled = isinstance(getattr(frame, "data", None), pd.DataFrame)
    data = frame.data if styled else frame
    if not styled:
        frame = frame.assign(**{c: [f(v) if isinstance(v, str) else v for v in frame[c]]
                                for c, f in VALUE_LABELS.items() if c in frame.columns})
    for c in data.columns:
        given = config.get(c, {})
        if given is None or isinstance(given, str):
            continue
        if not given.get("label"):
            config[c] = {**given, "label": column_label(c)}
    return frame, config


def data_table(frame, **kwargs):
    """st.dataframe with human column names and values, and a dash for missing values. An Arrow
    table is taken as it is, with its config (a page that keeps its table as the screen gets it
    made both with human_table once: Streamlit then only writes it out)."""
    if isinstance(frame, pa.Table):
        config = kwargs.pop("column_config", None)
    else:
        frame, config = human_table(frame, kwargs.pop("column_config", None))
    kwargs.setdefault("hide_index", True)
    return st.dataframe(frame, column_config=config, placeholder=MISSING, **kwargs)


def show_table(frame, name: str, **kwargs) -> None:
    """A human-named table (a frame or a pandas Styler) plus the CSV download of its raw values."""
    data_table(frame, width="stretch", **kwargs)
    raw = frame.data if isinstance(getattr(frame, "data", None), pd.DataFrame) else frame
    download_csv(raw, f"{slug(name)}.csv")


def row_spacing(n_facets: int, wrap: int, preferred: float) -> float:
    """Vertical gap between wrapped facet rows: `preferred`, shrunk when there are so many rows
    that plotly would refuse it (it needs spacing < 1 / (rows - 1))."""
    rows = max(1, -(-n_facets // max(wrap, 1)))
    return preferred if rows < 2 else min(preferred, 0.5 / (rows - 1))
