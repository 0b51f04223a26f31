"""Bands: how human disagreement is distributed, how the metric moves with it, and whether
models collapse (predict less spread than people show)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots
from streamlit.errors import StreamlitAPIException

from data_layer.bands import BAND_SCHEMES, ENTROPY_BINS, BandScheme
from data_layer.metrics import METRICS
from data_layer.queries import bands
from data_layer.queries.common import SMALL_N
from data_layer.queries.intervals import means_with_intervals
from data_layer.queries.noise_floor import noise_floor
from data_layer.stats import CONFIDENCE
from ui.charts import built_once, finish, show_chart, show_table, type_style
from ui.data import q
from ui.page import start_page
from ui.panel import EmptyPanel, need, panel
from ui.share import share_link
from ui.text import plain_chart, plain_chart_frame, plain_md

sl = start_page("Bands: where do people disagree, and what happens to the models there?")
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
ENTROPY_AXIS = "Human disagreement (entropy / ln K)"
BAND_COLOURS = ["#c6dbef", "#6baed6", "#08519c"]  # least to most disagreement (not model types)


def _band_colour(band: str, scheme: BandScheme) -> str:
    i = scheme.bands.index(band)
    return BAND_COLOURS[-1] if i == len(scheme.bands) - 1 else BAND_COLOURS[min(i, len(BAND_COLOURS) - 2)]


def _histogram(hist: pd.DataFrame, edges: pd.DataFrame | None, width: float, scheme_name: str) -> go.Figure:
    scheme = BAND_SCHEMES.get(scheme_name)  # an argument: built_once keys on it
    tasks = sorted(hist["task_id"].unique())
    cols = 2 if len(tasks) > 1 else 1
    rows = (len(tasks) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plain_chart(t) for t in tasks],
                        vertical_spacing=0.14 / rows * 2)
    # Traces and edge lines go in with one call each: plotly re-validates the whole layout on
    # every add_bar / add_vline, which at 20 tasks took most of a second.
    traces, where, lines = [], ([], []), []
    for i, task in enumerate(tasks):
        part, axis = hist[hist["task_id"] == task], "" if i == 0 else str(i + 1)  # subplots number row-major
        for band in scheme.bands:
            b = part[part["band"] == band]
            traces.append(go.Bar(x=b["bin_mid"], y=b["n_items"], width=width, name=band, legendgroup=band,
                                 marker_color=_band_colour(band, scheme), showlegend=i == 0,
                                 hovertemplate=f"{band}<br>entropy %{{x:.2f}}<br>%{{y}} items<extra></extra>"))
            where[0].append(i // cols + 1)
            where[1].append(i % cols + 1)
        for x in sorted(set(edges[edges["task_id"] == task]["upper"].iloc[:-1])) if edges is not None else []:
            lines.append(dict(type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{axis}", yref=f"y{axis} domain",
                              line=dict(dash="dash", color="#333")))
    fig.add_traces(traces, rows=where[0], cols=where[1])
    fig.update_layout(barmode="stack", bargap=0, shapes=lines)
    fig.update_xaxes(range=[0, 1], title_text=ENTROPY_AXIS if rows == 1 else None, title_font_size=14)
    fig.update_yaxes(title_text="Items", title_font_size=14)
    return finish(fig, height=320 * rows + 80, legend_title="Band")


with panel("How much do people disagree?",
           help="Histogram of normalised human entropy per task; colours are the bands of the chosen "
                "scheme and dashed lines its edges."):
    hist = need(q(bands.entropy_histogram, sl))
    edges_res = q(bands.band_edges, sl)
    show_chart(built_once(_histogram, hist, edges_res.frame, 1 / 20, sl.band_scheme), "bands-human-entropy-histogram")
    st.caption(f"{scheme.label}: {scheme.definition}." + ("" if edges_res.ok else f" {plain_md(edges_res.message)}"))
    if edges_res.ok:
        with st.expander("Band edges per task"):
            show_table(edges_res.frame, f"band-edges-{sl.band_scheme}")


def _shared_edges(edges: pd.DataFrame | None) -> list[float]:
    """Inner band edges when every task has the same ones (fixed cuts), else none."""
    if edges is None:
        return []
    inner = edges.groupby("task_id")["upper"].apply(lambda u: tuple(sorted(u)[:-1]))
    return list(inner.iloc[0]) if inner.nunique() == 1 else []


def _binned(df: pd.DataFrame, edges: list[float], floor: pd.DataFrame | None) -> go.Figure:
    df = plain_chart_frame(df, ["model_type"])
    fig = px.line(df, x="bin_mid", y="mean", color="model_type", markers=True,
                  error_y="err_hi", error_y_minus="err_lo",
                  **type_style(df["model_type"]), custom_data=["n", "small_n", "lo", "hi"],
                  labels={"bin_mid": ENTROPY_AXIS, "mean": metric.axis_title, "model_type": "Model type"})
    for tr in fig.data:
        tr.marker.symbol = ["circle-open" if s else "circle" for s in tr.customdata[:, 1]]
    fig.update_traces(marker_size=11, line_width=3, error_y=dict(thickness=2, width=4),
                      hovertemplate="entropy ≈ %{x:.2f}: %{y:.3f} (" + f"{CONFIDENCE:.0%}" + " CI "
                                    "%{customdata[2]:.3f} to %{customdata[3]:.3f})<br>n=%{customdata[0]:,}"
                                    "<extra>%{fullData.name}</extra>")
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(title_font_size=16)
    for x in edges:
        fig.add_vline(x=x, line_dash="dot", line_color="#777")
    if floor is not None and edges:  # one segment per band, across the band's entropy range
        bounds = [0.0, *edges, 1.0]
        for r in floor.itertuples(index=False):
            i = scheme.bands.index(r.band)
            fig.add_shape(type="line", x0=bounds[i], x1=bounds[i + 1], y0=r.noise_floor, y1=r.noise_floor,
                          line=dict(color="#111", width=4, dash="dash"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="Noise floor of the band",
                                 line=dict(color="#111", width=4, dash="dash")))
    return finish(fig, height=560)


def _floor_text(floor_res) -> str:
    if not floor_res.ok:
        return " " + plain_md(floor_res.message)
    parts = "; ".join(f"{plain_md(r.band)} {r.noise_floor:.3f} (n = {r.n:,} items)"
                      for r in floor_res.frame.itertuples(index=False))
    return (f" Noise floor per band (what a model that knew each item's true label distribution would "
            f"still score against a panel of the same size): {parts}. Below the floor means closer to this "
            f"very panel than a fresh panel of the same size would be.")


with panel(f"{metric.label} against human disagreement"):
    if metric.level != "item":  # explains why this chart needs a per-item metric
        need(q(bands.metric_by_entropy_bin, sl))
    binned = need(q(means_with_intervals, sl, ("model_type", "entropy_bin")))
    binned = binned.assign(bin_mid=(binned["entropy_bin"] + 0.5) / ENTROPY_BINS, err_hi=binned["hi"] - binned["mean"],
                           err_lo=binned["mean"] - binned["lo"])
    edges = _shared_edges(q(bands.band_edges, sl).frame)
    floor_res = q(noise_floor, sl, True)
    show_chart(built_once(_binned, binned, edges, floor_res.frame, also=(sl.metric, sl.band_scheme)),
               f"bands-{sl.metric}-by-entropy")
    drawn = " Dashed black segments: each band's noise floor." if floor_res.ok and edges else ""
    st.caption(f"Mean per model type in {ENTROPY_BINS} bins of normalised human entropy, whiskers "
               f"{CONFIDENCE:.0%} bootstrap intervals over items. Open circles: fewer than {SMALL_N} items "
               f"in the bin; dotted lines: band edges shared by all tasks.{drawn}{_floor_text(floor_res)} "
               f"{metric.definition}.")


def _scatter(df: pd.DataFrame) -> go.Figure:
    # ids travel raw in customdata (a click opens the item by them); the hover shows escaped copies
    df = plain_chart_frame(df.assign(task_shown=df["task_id"], item_shown=df["item_id"]),
                           ["model_type", "display_name", "task_shown", "item_shown"])
    fig = px.scatter(df, x="human_norm", y="model_norm", color="model_type", opacity=0.55,
                     **type_style(df["model_type"]),
                     custom_data=["task_id", "item_id", "display_name", "task_shown", "item_shown"],
                     labels={"human_norm": ENTROPY_AXIS, "model_norm": "Model spread (entropy / ln K)",
                             "model_type": "Model type"})
    fig.update_traces(marker_size=8, hovertemplate="%{customdata[4]} (%{customdata[3]})<br>%{customdata[2]}"
                      "<br>human %{x:.2f}, model %{y:.2f}<br>click to open<extra></extra>")
    fig.add_shape(type="line", x0=0, y0=0, x1=1, y1=1, line=dict(color="#333", dash="dash", width=2))
    for x, y, anchor, text in ((0.97, 0.05, "right", "over-confident<br>(less spread than people)"),
                               (0.03, 0.95, "left", "under-confident<br>(more spread than people)")):
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=anchor, font_size=15,
                           font_color="#333", bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02], title_font_size=16)
    return finish(fig, height=620)


def _open_clicked(event) -> None:
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if not points or not points[0].get("customdata"):
        return
    task_id, item_id = points[0]["customdata"][:2]
    try:
        st.switch_page("views/item.py", query_params={**sl.to_params(), "task": task_id, "item": item_id})
    except StreamlitAPIException as e:  # the item page is not registered in this app
        raise EmptyPanel(f"Cannot open item {item_id}: {e}") from None


with panel("Collapse diagnostic: predicted vs human spread",
           help="Each point is one model's prediction for one item. Points under the diagonal predict "
                "less disagreement than the annotators showed. Click a point to open the item."):
    scatter = need(q(bands.entropy_scatter, sl))
    event = show_chart(built_once(_scatter, scatter), "bands-collapse-scatter", key="collapse_scatter",
                       on_select="rerun", selection_mode="points")
    _open_clicked(event)

with panel("How often is each model type over-confident?"):
    rates = need(q(bands.collapse_rates, sl))
    show_table(rates, "bands-collapse-rates", column_config={
        "over": st.column_config.NumberColumn("over-confident", format="percent",
                                              help="Share of run × item points more than 0.05 under the diagonal"),
        "under": st.column_config.NumberColumn("under-confident", format="percent",
                                               help="Share more than 0.05 above the diagonal"),
        "small_n": st.column_config.CheckboxColumn("small n ⚠")})

share_link()
