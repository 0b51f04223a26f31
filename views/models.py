"""Models: the leaderboard, RLVR vs RLHF siblings side by side, and elicitation methods compared."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, training_label
from data_layer.metrics import METRICS
from data_layer.queries import leaderboard, methods, pairs
from data_layer.queries.common import SMALL_N
from ui.charts import finish, show_chart, show_table, type_colours, type_order, type_style
from ui.data import q
from ui.page import start_page
from ui.panel import need, panel, stop_if_empty
from ui.share import share_link

sl = start_page("Models: who predicts human disagreement best?")
stop_if_empty(sl)
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
ARROW = {"lower": "↓", "higher": "↑", "zero": "→0"}
GOOD, BAD = np.array([0x1a, 0x98, 0x50]), np.array([0xe0, 0x82, 0x14])  # green = better, orange = worse


def _shade(col: pd.Series, direction: str) -> list[str]:
    """CSS backgrounds: the column's best value deep green, its worst orange, white in between."""
    x = col.abs() if direction == "zero" else col
    lo, hi = x.min(), x.max()
    out = []
    for v in x:
        if pd.isna(v) or hi == lo:
            out.append("")
            continue
        good = (hi - v) / (hi - lo) if direction != "higher" else (v - lo) / (hi - lo)
        rgb, w = (GOOD, 2 * good - 1) if good >= 0.5 else (BAD, 1 - 2 * good)
        mix = (255 - (255 - rgb) * 0.55 * w).astype(int)
        out.append(f"background-color: rgb({mix[0]},{mix[1]},{mix[2]})")
    return out


def _styled_leaderboard(df: pd.DataFrame):
    metric_cols = [m for m in [sl.metric, *(m.name for m in METRICS if m.name != sl.metric)] if m in df]
    n_cols = [c for c in df.columns if c.startswith("n_")]
    show = df[["display_name", "model_type", "training", "reasoning", "method", "steering", "n",
               *metric_cols, *n_cols, "run_id"]].copy()
    show["training"] = show["training"].map(training_label)
    show["reasoning"] = show["reasoning"].map(lambda r: REASONING_LABELS.get(r, r))
    show["steering"] = show["steering"].map(lambda s: STEERING_LABELS.get(s, s))
    names = {m: f"{m} {ARROW[METRICS.get(m).direction]}" for m in metric_cols}
    show = show.rename(columns=names)
    styler = show.style.format({names[m]: "{:.3f}" for m in metric_cols}, na_rep="—")
    for m in metric_cols:
        styler = styler.apply(_shade, subset=[names[m]], direction=METRICS.get(m).direction)
    config = {names[m]: st.column_config.NumberColumn(names[m], help=METRICS.get(m).axis_title)
              for m in metric_cols}
    return styler, config


with panel("Leaderboard", help="One row per run (a model elicited one way). Click a column header "
                               "to sort. Green is better, orange worse, by each metric's direction."):
    board = need(q(leaderboard.leaderboard, sl))
    styler, config = _styled_leaderboard(board)
    show_table(styler, f"leaderboard-{sl.metric}", height=min(38 + 35 * len(board), 760), column_config={
        **config, "display_name": st.column_config.TextColumn("model", pinned=True),
        "model_type": "model type", "n": st.column_config.NumberColumn("n", help="scored run × item rows")})
    st.caption("↓ lower is better, ↑ higher is better, →0 closer to 0 is better. Aggregate metrics "
               "(var_corr, entropy_spearman, f1) are computed per run within each task and averaged "
               "over tasks weighted by item count; n_<metric> columns appear where a metric's n differs "
               "from n (e.g. wasserstein is defined on ordinal tasks only). — means undefined.")


def _pairs_chart(long: pd.DataFrame) -> go.Figure:
    bands = [b for b in scheme.bands if b in set(long["band"])]
    fig = px.scatter(long, x="mean", y="comparison", color="model_type", facet_col="band",
                     category_orders={"band": bands, "model_type": type_order(long["model_type"])},
                     color_discrete_map=type_colours(long["model_type"]), custom_data=["n", "display_name"],
                     labels={"mean": metric.label, "comparison": "", "model_type": "Model type"})
    fig.for_each_trace(lambda t: t.update(marker_symbol="diamond" if t.name.startswith("RLVR") else "circle"))
    fig.update_traces(marker_size=16, hovertemplate="%{customdata[1]}: %{x:.3f}<br>n=%{customdata[0]:,}<extra></extra>")
    markers = fig.data
    for j, band in enumerate(bands):  # facet columns follow category_orders
        for comp, g in long[long["band"] == band].groupby("comparison"):
            fig.add_trace(go.Scatter(x=g["mean"], y=[comp] * len(g), mode="lines", showlegend=False,
                                     line=dict(color="#aaa", width=3), hoverinfo="skip"), row=1, col=j + 1)
    fig.data = fig.data[len(markers):] + fig.data[:len(markers)]  # gap lines under the markers
    fig.update_xaxes(title_text="")
    mid = (len(bands) + 1) // 2  # one axis title, under the middle facet
    fig.layout[f"xaxis{mid if mid > 1 else ''}"].title.text = metric.axis_title
    fig.update_yaxes(tickfont_size=14)
    return finish(fig, height=160 + 56 * long["comparison"].nunique(), legend_title="")


with panel("RLVR vs RLHF siblings, band by band",
           help="Models that share a base (same pair_id), matched on elicitation method and steering. "
                "Circles RLHF, diamonds RLVR; the grey line is the gap."):
    pair_frame = need(q(pairs.sibling_pairs, sl))
    st.caption("Circles: RLHF model; diamonds: its RLVR sibling; grey line: the gap between them.")
    show_chart(_pairs_chart(pairs.pair_long(pair_frame)), f"pairs-{sl.metric}")
    wins = pair_frame["better"].value_counts()
    st.markdown(f"**{metric.label}, {metric.direction_text}:** RLVR is better in {wins.get('RLVR', 0)} and "
                f"RLHF in {wins.get('RLHF', 0)} of {len(pair_frame)} sibling comparisons × bands.")
    cols = ["comparison", "band", "display_name_rlhf", "mean_rlhf", "n_rlhf", "display_name_rlvr",
            "mean_rlvr", "n_rlvr", "diff", "better"]
    show_table(pair_frame[cols], f"pairs-{sl.metric}", column_config={
        c: st.column_config.NumberColumn(format="%.3f") for c in ("mean_rlhf", "mean_rlvr", "diff")})


def _methods_chart(df: pd.DataFrame) -> go.Figure:
    df = df.assign(x=[f"{METHOD_LABELS.get(m, m)}<br>{REASONING_LABELS.get(r, r)}<br>{STEERING_LABELS.get(s, s)}"
                      for m, r, s in zip(df["method"], df["reasoning"], df["steering"], strict=True)],
                   label=[f"{v:.2f}" + (" ⚠" if s else "") for v, s in zip(df["mean"], df["small_n"], strict=True)])
    n_models = df["display_name"].nunique()
    fig = px.bar(df, x="x", y="mean", color="model_type", text="label", barmode="relative",
                 facet_col="display_name", facet_col_wrap=min(3, n_models), facet_row_spacing=0.18,
                 **type_style(df["model_type"]), custom_data=["n", "variant"],
                 labels={"x": "", "mean": metric.label, "model_type": "Model type"})
    fig.update_xaxes(matches=None, showticklabels=True, tickfont_size=13, tickangle=0)
    fig.update_traces(textposition="outside", cliponaxis=False, textfont_size=13,
                      hovertemplate="%{customdata[1]}: %{y:.3f}<br>n=%{customdata[0]:,}<extra></extra>")
    fig.for_each_annotation(lambda a: a.update(font_size=15))
    return finish(fig, height=380 * ((n_models + 2) // 3) + 60)


with panel("Elicitation methods compared",
           help="Models elicited in more than one way: stated shares (verbalized), counted samples "
                "(sampling), next-token probabilities (logprob)."):
    by_method = need(q(methods.method_comparison, sl))
    show_chart(_methods_chart(by_method), f"methods-{sl.metric}")
    st.caption(f"{metric.axis_title}. ⚠ marks values over fewer than {SMALL_N} scored items.")
    show_table(by_method[["display_name", "model_type", "method", "reasoning", "steering", "mean", "n"]],
               f"methods-{sl.metric}", column_config={"mean": st.column_config.NumberColumn(format="%.4f")})

share_link()
