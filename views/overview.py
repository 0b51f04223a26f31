"""Overview: the question, answered for the current slice."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries import overview
from data_layer.queries.common import SMALL_N
from data_layer.queries.coverage import partial_runs
from data_layer.queries.intervals import UNDEFINED_NOTE, means_with_intervals
from data_layer.queries.noise_floor import noise_floor
from data_layer.stats import CONFIDENCE, N_RESAMPLES
from data_layer.terms import define
from data_layer.verdict import RULES, Verdict, verdict, verdicts_by_band
from ui.charts import (
    built_once,
    finish,
    made_once,
    row_spacing,
    said_once,
    show_chart,
    show_table,
    type_colours,
    type_order,
    wrap,
)
from ui.colours import INK, NOT_SIGNIFICANT
from ui.data import q
from ui.page import start_page
from ui.panel import EmptyPanel, need, panel, stop_if_empty
from ui.share import share_link
from ui.text import plain_chart, plain_chart_frame, plain_md

sl = start_page("Are reasoning models worse at predicting human disagreement?")
stop_if_empty(sl)
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
CI = f"{CONFIDENCE:.0%} CI"
# Defined where they first appear (data_layer.terms, also in the glossary)
PAIRS_HELP = define("rlvr", "rlhf", "sibling_pair", "paired_gap")
TRAINING_TERMS, COT_TERM = define("rlvr", "rlhf"), define("cot")
TYPES_HELP = define("model_type", "noise_floor")
NOISE_NAME = "Noise floor (a perfect model would still score about this)"
AGG_NOTE = ("computed within each run × task and averaged over them, weighted by item counts, per model "
            "type and band (not per item), so there is no per-item noise floor")


def _gap_chart(per_band: list[tuple[str, Verdict]], metric_name: str, narrow: bool = False) -> go.Figure:
    """The paired gap (RLVR − RLHF sibling) per band: a dot with its interval, black where the
    interval excludes 0, grey where it does not; bands top to bottom in scheme order."""
    metric = METRICS.get(metric_name)  # an argument: built_once keys on it
    rows = [(b, v) for b, v in per_band if v.diff is not None and v.lo is not None]
    fig = go.Figure()
    for clear, colour, name in ((True, INK, "interval excludes 0"), (False, NOT_SIGNIFICANT, "interval includes 0")):
        part = [(b, v) for b, v in rows if (v.word not in (None, "no clear difference")) == clear]
        fig.add_trace(go.Scatter(
            x=[v.diff for _, v in part], y=[plain_chart(b) for b, _ in part], mode="markers", name=name,
            marker=dict(size=16, color=colour, symbol="circle" if clear else "circle-open", line_width=3),
            error_x=dict(type="data", array=[v.hi - v.diff for _, v in part],
                         arrayminus=[v.diff - v.lo for _, v in part], thickness=3, width=7, color=colour),
            customdata=[[v.n, v.lo, v.hi] for _, v in part],
            hovertemplate="%{y}: %{x:+.3f} (" + CI + " %{customdata[1]:+.3f} to %{customdata[2]:+.3f})"
                          "<br>n=%{customdata[0]:,} items<extra></extra>"))
    fig.add_vline(x=0, line_color=INK, line_width=2)
    worse = {"lower": "right", "higher": "left"}.get(metric.direction)
    title = f"RLVR − RLHF sibling, {metric.label}" + (f" (RLVR worse to the {worse})" if worse else "")
    ends = [0.0, *(v.lo for _, v in rows), *(v.hi for _, v in rows)]
    pad = 0.1 * (max(ends) - min(ends) or 1e-3)  # 0 always in view, off the frame's edge
    fig.update_xaxes(title_text=title, tickformat="+.2~f", zeroline=False, range=[min(ends) - pad, max(ends) + pad])
    fig.update_yaxes(categoryorder="array", categoryarray=[plain_chart(b) for b, _ in rows][::-1])
    fig = finish(fig, height=(210 if narrow else 170) + 60 * len(rows), legend_title="", narrow=narrow)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def _top_gap_links(per_band: list[tuple[str, Verdict]]) -> None:
    """One link per band to the Items page: this slice narrowed to the band, sorted by the gap."""
    st.markdown("**The items behind each band's gap** (Items page, largest gap first, for one sibling pair "
                "that you can change there):")
    cols = st.columns(len(per_band))
    for col, (band, v) in zip(cols, per_band, strict=True):
        col.page_link("views/items.py", label=f"{plain_md(band)} band: {v.n:,} items by gap",
                      icon=":material/table_rows:",
                      query_params={**sl.with_(bands=(band,)).to_params(), "sort": "gap"})


def _gap_summary(per_band: list[tuple[str, Verdict]]) -> str:
    """The gap chart in words: how many bands are clear of zero, and the largest gap."""
    rows = [(b, v) for b, v in per_band if v.diff is not None and v.lo is not None]
    clear = [b for b, v in rows if v.word not in (None, "no clear difference")]
    band, top = max(rows, key=lambda r: abs(r[1].diff))
    return (f"RLVR minus its RLHF sibling in {len(rows)} band{'s' * (len(rows) > 1)}; the interval excludes "
            f"zero in {len(clear)} ({', '.join(clear) or 'none'}). The largest gap is in the {band} band: "
            f"{top.diff:+.3f} ({CI} {top.lo:+.3f} to {top.hi:+.3f}, n = {top.n:,} items).")


def _ranks_summary(df: pd.DataFrame, by_task: bool) -> str:
    """A bar chart of model types in words: the best and worst type per band (or how often each
    type is best over the tasks' bands), by the metric's own direction."""
    df = df[df["mean"].notna()]
    badness = {"lower": df["mean"], "higher": -df["mean"], "zero": df["mean"].abs()}[metric.direction]
    cells = df.assign(badness=badness).groupby(["task_id", "band"] if by_task else ["band"], sort=False)["badness"]
    best, worst = df.loc[cells.idxmin()], df.loc[cells.idxmax()].set_index("band")
    if by_task:
        said = "; ".join(f"{t} in {k}" for t, k in best["model_type"].value_counts().items())
        return (f"{metric.label} ({metric.direction_text}) in {df['task_id'].nunique()} tasks: the best model "
                f"type per task and band is {said} of {len(best)} task-band cells.")
    said = "; ".join(f"{r.band}: best {r.model_type} {r.mean:.3f} (n = {r.n:,}), worst "
                     f"{worst.loc[r.band, 'model_type']} {worst.loc[r.band, 'mean']:.3f}"
                     for r in best.itertuples(index=False))
    return f"{metric.label} ({metric.direction_text}) per band. {said}."


def _band_line(band: str, v: Verdict) -> str:
    """One short line per band from the verdict's numbers."""
    if v.word is None or v.lo is None:
        return f"- **{plain_md(band)}**: {plain_md(v.sentence)}"
    word = "no clear difference" if v.word == "no clear difference" else f"RLVR {v.word}"
    p = "" if v.p is None else ("; p < 0.001" if v.p < 0.001 else f"; p = {v.p:.3f}")
    return (f"- **{plain_md(band)}**: {word}: {v.diff:+.3f} ({CI} {v.lo:+.3f} to {v.hi:+.3f}; "
            f"n = {v.n:,} items{p})")


with panel():
    answer = q(verdict, sl)
    st.caption("**Comparison 1 · sibling pairs**: each RLVR model against the RLHF model built on the same "
               "base, elicited the same way.", help=PAIRS_HELP)
    st.markdown(f"#### {plain_md(answer.sentence)}")
    st.caption(f"{TRAINING_TERMS} **{metric.label}** ({metric.direction_text}): {metric.description}")
    relaxed = [name for name, on in (("training", sl.training), ("reasoning", sl.reasoning),
                                     ("model", sl.models)) if on]
    if relaxed:
        st.caption(f"The verdict pairs every RLVR run with its RLHF sibling, so it ignores the slice's "
                   f"{' and '.join(relaxed)} filter{'s' * (len(relaxed) > 1)}; the charts below follow them.")
    per_band = q(verdicts_by_band, sl)
    if len(per_band) > 1:  # one band: the sentence above is that band
        st.markdown(f"**By band** (RLVR − RLHF sibling, {metric.label}, {metric.direction_text}):\n"
                    + "\n".join(_band_line(b, v) for b, v in per_band))
    if any(v.lo is not None for _, v in per_band):
        show_chart(built_once(_gap_chart, per_band, sl.metric), f"overview-paired-gap-{sl.metric}",
                   narrow=built_once(_gap_chart, per_band, sl.metric, True),
                   summary=said_once(_gap_summary, per_band))
    if per_band:
        _top_gap_links(per_band)
    with st.expander("How the sentence is decided"):
        st.caption(RULES)


def _noise_floor_shapes(fig: go.Figure, floor: pd.DataFrame, bands: list[str], narrow: bool = False) -> None:
    """A dashed black segment across each band's group of bars at the band's noise floor."""
    for r in floor.itertuples(index=False):
        if r.band in bands:
            i = bands.index(r.band)
            fig.add_shape(type="line", x0=i - 0.46, x1=i + 0.46, y0=r.noise_floor, y1=r.noise_floor,
                          xref="x", yref="y", line=dict(color=INK, width=4, dash="dash"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=wrap(NOISE_NAME, 36) if narrow else NOISE_NAME,
                             line=dict(color=INK, width=4, dash="dash")))


def _bars(df: pd.DataFrame, by_task: bool, metric_name: str, scheme_name: str, floor: pd.DataFrame | None = None,
          narrow: bool = False):
    metric, scheme = METRICS.get(metric_name), BAND_SCHEMES.get(scheme_name)  # arguments: built_once keys on them
    df = plain_chart_frame(df[df["mean"].notna()], ["task_id", "model_type"] if by_task else ["model_type"])
    if not len(df):
        raise EmptyPanel(f"{metric.label} is {UNDEFINED_NOTE}, for every model type and band here.")
    df = df.assign(err_hi=lambda d: d["hi"] - d["mean"],
                                       err_lo=lambda d: d["mean"] - d["lo"])
    # small multiples carry only the small-n mark; exact values are in the hover and the table
    # (a phone's bars are too narrow for numbers: there too only the mark)
    df = df.assign(label=[("" if by_task or narrow else f"{m:.2f}") + (" ⚠" if s else "")
                          for m, s in zip(df["mean"], df["small_n"], strict=True)])
    bands = [b for b in scheme.bands if b in set(df["band"])]
    tasks = list(dict.fromkeys(df["task_id"])) if by_task else [None]
    cols = 2 if by_task and not narrow else 1  # a phone: one task per row
    rows = -(-len(tasks) // cols)
    # Traces built directly and added in one call: Plotly Express took 0.8 s for the 100 traces of
    # 20 task facets, this 0.3 s (same encoding: colours, order, labels, whiskers, hover).
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=tasks if by_task else None,
                        vertical_spacing=row_spacing(len(tasks), cols, 0.12 if cols > 1 else 0.3 / rows) if by_task
                        else 0.2,
                        horizontal_spacing=0.06)
    colours, traces, where = type_colours(df["model_type"]), [], ([], [])
    hover = ("%{x}: %{y:.3f} (" + CI + " %{customdata[1]:.3f} to %{customdata[2]:.3f})"
             "<br>n=%{customdata[0]:,}<extra>%{fullData.name}</extra>")
    for i, task in enumerate(tasks):
        part = df if task is None else df[df["task_id"] == task]
        for t in type_order(df["model_type"]):
            g = part[part["model_type"] == t]
            traces.append(go.Bar(x=g["band"], y=g["mean"], name=t, legendgroup=t, showlegend=i == 0,
                                 marker_color=colours[t], text=g["label"], textposition="inside",
                                 insidetextanchor="start", textangle=0, textfont_size=15,
                                 error_y=dict(type="data", array=g["err_hi"], arrayminus=g["err_lo"],
                                              thickness=2.5, width=5, color=INK),
                                 customdata=g[["n", "lo", "hi"]].to_numpy(), hovertemplate=hover))
            where[0].append(i // cols + 1)
            where[1].append(i % cols + 1)
    fig.add_traces(traces, rows=where[0], cols=where[1])
    fig.update_layout(barmode="group")
    fig.update_xaxes(categoryorder="array", categoryarray=bands,
                     title_text="" if by_task else "Human disagreement band")
    fig.update_yaxes(rangemode="tozero", title_font_size=18 if not by_task else 14)
    fig.update_yaxes(title_text=metric.axis_title, col=1)
    if floor is not None:
        _noise_floor_shapes(fig, floor, bands, narrow)
    fig = finish(fig, height=600 if not by_task else (300 if narrow else 380) * rows + 80, legend_title="", narrow=narrow)
    return fig


def _undefined(df: pd.DataFrame) -> str:
    """The model types and bands whose value is undefined ("" when there are none)."""
    return ", ".join(f"{t} in {b}" for t, b, m in zip(df["model_type"], df["band"], df["mean"], strict=True)
                     if pd.isna(m))


def _undefined_caption(df: pd.DataFrame) -> None:
    if where := said_once(_undefined, df):
        st.caption(f"Left out because the value is {UNDEFINED_NOTE}: {plain_md(where)}.")


def _numbers(means: pd.DataFrame, floor: pd.DataFrame | None) -> pd.DataFrame:
    """The table of the numbers: defined means (the undefined are listed under the chart, not as
    blanks), with the band's noise floor when there is one."""
    cols = ["model_type", "band", "mean", "lo", "hi", "n", "n_items", "n_runs", "small_n", "noise_floor"]
    table = means[means["mean"].notna()]
    if floor is not None:
        table = table.merge(floor[["band", "noise_floor"]], on="band", how="left")
    return table[[c for c in cols if c in table]]


res = q(means_with_intervals, sl)
floor_res = q(noise_floor, sl, True)
with panel(f"{metric.label} by model type and band"):
    df = need(res, show_note=False)
    fig = built_once(_bars, df, False, sl.metric, sl.band_scheme, floor_res.frame)
    st.caption("**Comparison 2 · model types**: every run of a kind pooled, whatever its base model (not "
               f"paired), so its ranking can differ from the sibling verdict above. {COT_TERM}",
               help=TYPES_HELP)
    st.markdown(plain_md(said_once(overview.headline, df, sl.metric, sl.band_scheme, False)))
    show_chart(fig, f"overview-{sl.metric}-by-band", summary=said_once(_ranks_summary, df, False, also=(sl.metric,)),
               narrow=built_once(_bars, df, False, sl.metric, sl.band_scheme, floor_res.frame, True))
    agg = f" {metric.label} is {AGG_NOTE}." if metric.level == "aggregate" else ""
    floor_text = (" Dashed black line: the annotator-sampling noise floor of the band — what a model that "
                  "knew each item's true label distribution would still score against a panel of the "
                  "same size (mean over the band's items)."
                  " Below the floor means closer to this very panel than a fresh panel of the same size "
                  "would be (simulated models built from the observed labels can do that)."
                  if floor_res.ok else "")
    st.caption(f"Bars: {plain_md(df['statistic'].iloc[0])} per model type and band; whiskers: {CI} ({plain_md(df['method'].iloc[0])}"
               f"{f', {N_RESAMPLES:,} resamples' * df['method'].iloc[0].startswith('percentile')}); hover for n. ⚠ marks values over fewer "
               f"than {SMALL_N} items.{floor_text}{agg} Bands: {scheme.definition}.")
    _undefined_caption(df)
    partial = q(partial_runs, sl)
    if partial.ok:  # a run's mean over an easy or hard subset of items is not the slice's
        st.info(plain_md(partial.message) + " The Models page compares each such run with the baselines "
                "on its own items (Baselines on the same items).", icon="ℹ️")

with panel("Per task", help="Small multiples: the same chart for each task in the slice, with intervals."):
    by_task = need(q(means_with_intervals, sl, ("model_type", "band", "task_id")), show_note=False)
    if by_task["task_id"].nunique() < 2:
        st.info("Only one task in this slice; the chart above is that task.")
    else:
        show_chart(built_once(_bars, by_task, True, sl.metric, sl.band_scheme), f"overview-{sl.metric}-by-task",
                   narrow=built_once(_bars, by_task, True, sl.metric, sl.band_scheme, None, True),
                   summary=said_once(_ranks_summary, by_task, True, also=(sl.metric,)))

with panel("The numbers"):
    table = made_once(_numbers, need(res, show_note=False), floor_res.frame)
    num = st.column_config.NumberColumn
    show_table(table, f"overview-{sl.metric}", column_config={
        "mean": num(metric.label, format="%.4f", help=metric.axis_title),
        "lo": num(f"{CI} lo", format="%.4f"), "hi": num(f"{CI} hi", format="%.4f"),
        "n": num("n", help="scored run × item rows"), "n_items": num("items"),
        "noise_floor": num("noise floor", format="%.4f",
                           help="What a perfect model would still score in this band (annotator sampling)"),
        "small_n": st.column_config.CheckboxColumn("small n ⚠")})
    if not floor_res.ok:
        st.caption(plain_md(floor_res.message))

share_link()
