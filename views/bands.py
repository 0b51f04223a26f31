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
from ui.colours import BAND_OUTLINE, GUIDE, INK, band_colour
from ui.data import q
from ui.page import start_page
from ui.panel import EmptyPanel, need, panel
from ui.share import share_link
from ui.text import plain_chart, plain_chart_frame, plain_md

sl = start_page("Bands: where do people disagree, and what happens to the models there?")
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
ENTROPY_AXIS = "Human disagreement (entropy / ln K)"
def _band_colour(band: str, scheme: BandScheme) -> str:
    return band_colour(scheme.bands.index(band), len(scheme.bands))


def _histogram(hist: pd.DataFrame, edges: pd.DataFrame | None, width: float, scheme_name: str,
               narrow: bool = False) -> go.Figure:
    scheme = BAND_SCHEMES.get(scheme_name)  # an argument: built_once keys on it
    tasks = sorted(hist["task_id"].unique())
    cols = 2 if len(tasks) > 1 and not narrow else 1  # a phone: one task per row
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
                                 marker_line=dict(color=BAND_OUTLINE, width=0.5),
                                 hovertemplate=f"{band}<br>entropy %{{x:.2f}}<br>%{{y}} items<extra></extra>"))
            where[0].append(i // cols + 1)
            where[1].append(i % cols + 1)
        for x in sorted(set(edges[edges["task_id"] == task]["upper"].iloc[:-1])) if edges is not None else []:
            lines.append(dict(type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{axis}", yref=f"y{axis} domain",
                              line=dict(dash="dash", color=GUIDE)))
    fig.add_traces(traces, rows=where[0], cols=where[1])
    fig.update_layout(barmode="stack", bargap=0, shapes=lines)
    fig.update_xaxes(range=[0, 1], title_text=ENTROPY_AXIS if rows == 1 else None, title_font_size=14)
    fig.update_yaxes(title_text="Items", title_font_size=14)
    return finish(fig, height=(240 if narrow else 320) * rows + 80, legend_title="Band", narrow=narrow)


def _histogram_summary(hist: pd.DataFrame) -> str:
    per_band = hist.groupby("band", sort=False)["n_items"].sum()
    total = int(per_band.sum())
    parts = ", ".join(f"{b} {per_band[b] / total:.0%} ({int(per_band[b]):,})" for b in scheme.bands if b in per_band)
    return f"{total:,} items in {hist['task_id'].nunique()} tasks by how much their annotators disagree: {parts}."


with panel("How much do people disagree?",
           help="Histogram of normalised human entropy per task; colours are the bands of the chosen "
                "scheme and dashed lines its edges."):
    hist = need(q(bands.entropy_histogram, sl))
    edges_res = q(bands.band_edges, sl)
    args = (hist, edges_res.frame, 1 / 20, sl.band_scheme)
    show_chart(built_once(_histogram, *args), "bands-human-entropy-histogram",
               narrow=built_once(_histogram, *args, True), summary=_histogram_summary(hist))
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


def _binned(df: pd.DataFrame, edges: list[float], floor: pd.DataFrame | None, narrow: bool = False) -> go.Figure:
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
        fig.add_vline(x=x, line_dash="dot", line_color=GUIDE)
    if floor is not None and edges:  # one segment per band, across the band's entropy range
        bounds = [0.0, *edges, 1.0]
        for r in floor.itertuples(index=False):
            i = scheme.bands.index(r.band)
            fig.add_shape(type="line", x0=bounds[i], x1=bounds[i + 1], y0=r.noise_floor, y1=r.noise_floor,
                          line=dict(color=INK, width=4, dash="dash"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="Noise floor of the band",
                                 line=dict(color=INK, width=4, dash="dash")))
    return finish(fig, height=460 if narrow else 560, narrow=narrow)


def _binned_summary(binned: pd.DataFrame) -> str:
    """Each model type's mean in its least and its most disagreed-on bin."""
    parts = []
    for t, g in binned.sort_values("bin_mid").groupby("model_type", sort=False):
        parts.append(f"{t} {g['mean'].iloc[0]:.3f} to {g['mean'].iloc[-1]:.3f}")
    return (f"From the least to the most disagreed-on items, mean {metric.label} ({metric.direction_text}) "
            f"goes: " + "; ".join(parts) + ".")


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
    args = (binned, edges, floor_res.frame)
    show_chart(built_once(_binned, *args, also=(sl.metric, sl.band_scheme)), f"bands-{sl.metric}-by-entropy",
               narrow=built_once(_binned, *args, True, also=(sl.metric, sl.band_scheme)),
               summary=_binned_summary(binned))
    drawn = " Dashed black segments: each band's noise floor." if floor_res.ok and edges else ""
    st.caption(f"Mean per model type in {ENTROPY_BINS} bins of normalised human entropy, whiskers "
               f"{CONFIDENCE:.0%} bootstrap intervals over items. Open circles: fewer than {SMALL_N} items "
               f"in the bin; dotted lines: band edges shared by all tasks.{drawn}{_floor_text(floor_res)} "
               f"{metric.definition}.")


def _scatter(df: pd.DataFrame, narrow: bool = False) -> go.Figure:
    # ids travel raw in customdata (a click opens the item by them); the hover shows escaped copies
    df = plain_chart_frame(df.assign(task_shown=df["task_id"], item_shown=df["item_id"]),
                           ["model_type", "display_name", "task_shown", "item_shown"])
    fig = px.scatter(df, x="human_norm", y="model_norm", color="model_type", opacity=0.55,
                     **type_style(df["model_type"]),
                     custom_data=["task_id", "item_id", "display_name", "task_shown", "item_shown"],
                     labels={"human_norm": ENTROPY_AXIS, "model_norm": "Model spread (entropy / ln K)",
                             "model_type": "Model type"})
    fig.update_traces(marker_size=7 if narrow else 8, hovertemplate="%{customdata[4]} (%{customdata[3]})<br>%{customdata[2]}"
                      "<br>human %{x:.2f}, model %{y:.2f}<br>click to open<extra></extra>")
    fig.add_shape(type="line", x0=0, y0=0, x1=1, y1=1, line=dict(color=GUIDE, dash="dash", width=2))
    for x, y, anchor, text in ((0.97, 0.05, "right", "over-confident<br>(less spread than people)"),
                               (0.03, 0.95, "left", "under-confident<br>(more spread than people)")):
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=anchor, font_size=12 if narrow else 15,
                           font_color=INK, bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02], title_font_size=16)
    return finish(fig, height=480 if narrow else 620, narrow=narrow)


def _scatter_summary(df: pd.DataFrame) -> str:
    under = (df["model_norm"] < df["human_norm"] - 0.05).mean()
    over = (df["model_norm"] > df["human_norm"] + 0.05).mean()
    return (f"{len(df):,} predictions (model × item): {under:.0%} spread their labels less than the "
            f"annotators did (over-confident, under the diagonal), {over:.0%} more.")


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
                       narrow=built_once(_scatter, scatter, True),
                       on_select="rerun", selection_mode="points", summary=_scatter_summary(scatter))
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
