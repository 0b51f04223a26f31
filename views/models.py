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
from data_layer.queries.coverage import partial_runs
from data_layer.queries.paired import NO_INTERVAL_VERDICT, paired_comparisons
from data_layer.queries.same_items import baselines_on_run_items
from data_layer.queries.winrates import DEFAULT_COLUMNS, SETTING, win_rates
from data_layer.stats import CONFIDENCE, N_RESAMPLES
from data_layer.winrate import RULES as WIN_RULES
from ui.charts import (
    built_once,
    chart_summary,
    data_table,
    finish,
    row_spacing,
    show_chart,
    show_table,
    type_colours,
    type_order,
    type_style,
)
from ui.charts import wrap as wrap_text
from ui.colours import BETTER, GAP_LINE, INK, NOT_SIGNIFICANT, WORSE
from ui.data import q
from ui.export import download_csv
from ui.page import start_page
from ui.panel import EmptyPanel, need, panel, stop_if_empty
from ui.share import share_link
from ui.state import page_param, set_page_param
from ui.text import plain_chart, plain_chart_frame, plain_md

sl = start_page("Models: who predicts human disagreement best?")
stop_if_empty(sl)
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
ARROW = {"lower": "↓", "higher": "↑", "zero": "→0"}
COVERAGE_HELP = ("How many of the slice's items the run has predictions for (in the tasks it was run on): "
                 "'all 60', or '50 of 60' when its numbers rest on a subset")
MARKS = "marks"  # the leaderboard's column of each run's best and worst marks


def _best_and_worst(df: pd.DataFrame, metric_cols: list[str]) -> list[list[str]]:
    """Per run, the metrics it is best by and those it is worst by (ties: every run on the best or
    worst value; none where the column has no spread), as the pills of the marks column."""
    marks: list[list[str]] = [[] for _ in range(len(df))]
    for kind in ("best", "worst"):
        for m in metric_cols:
            direction = METRICS.get(m).direction
            x = df[m].to_numpy(dtype=float, na_value=np.nan)
            x = np.abs(x) if direction == "zero" else -x if direction == "higher" else x  # lower is better now
            if np.isnan(x).all() or np.nanmin(x) == np.nanmax(x):
                continue
            edge = np.nanmin(x) if kind == "best" else np.nanmax(x)
            for i in np.flatnonzero(x == edge):
                marks[i].append(_mark(kind, m))
    return marks


def _mark(kind: str, m: str) -> str:
    return f"{kind}: {METRICS.get(m).label} {ARROW[METRICS.get(m).direction]}"


def _leaderboard_table(df: pd.DataFrame):
    """The leaderboard as shown, its column config, and the marks as a sentence. The marks stand
    where a Styler's violet-to-grey shading of every cell used to (a third of the page's CPU, on
    every render): each metric's best run carries a violet pill naming it, its worst a grey one;
    the order in between is a click on the column's header away."""
    metric_cols = [m for m in [sl.metric, *(m.name for m in METRICS if m.name != sl.metric)] if m in df]
    n_cols = [c for c in df.columns if c.startswith("n_")]
    show = df[["display_name", "model_type", "training", "reasoning", "method", "steering", "n", "coverage",
               *metric_cols, *n_cols, "run_id"]]  # facet values: their labels on screen, stored in the CSV
    show.insert(1, MARKS, _best_and_worst(df, metric_cols))
    names = {m: f"{m} {ARROW[METRICS.get(m).direction]}" for m in metric_cols}
    show = show.rename(columns=names)
    pills = [_mark(kind, m) for kind in ("best", "worst") for m in metric_cols]
    config = {names[m]: st.column_config.NumberColumn(f"{METRICS.get(m).label} {ARROW[METRICS.get(m).direction]}",
                                                      format="%.3f", help=METRICS.get(m).axis_title)
              for m in metric_cols}
    config[MARKS] = st.column_config.MultiselectColumn(
        "best / worst by", options=pills, color=[BETTER if p.startswith("best") else WORSE for p in pills],
        width="large", help="The metrics by which this run is the best of the table (violet) or the worst (grey)")
    return show, config


def _marks_sentence(df: pd.DataFrame) -> str:
    """The marks in words: per kind, each marked run (named as in the table's first columns) and
    the metrics it is marked by."""
    parts = []
    for kind in ("best", "worst"):
        said = []
        for r in df.itertuples(index=False):
            by = [m.split(": ", 1)[1] for m in getattr(r, MARKS) if m.startswith(kind)]
            if by:
                name = r.display_name if r.model_type == "Baseline" else \
                    f"{r.display_name} ({r.model_type}, {METHOD_LABELS.get(r.method, r.method)})"
                said.append(f"{name} by {len(by)} metric{'s' * (len(by) > 1)} ({', '.join(by)})")
        parts.append(f"{kind.capitalize()}: {'; '.join(said) or 'no run stands out'}.")
    return " ".join(parts)


with panel("Leaderboard", help="One row per run (a model elicited one way). Click a column header "
                               "to sort. Each metric's best run is marked in violet, its worst in grey."):
    board = need(q(leaderboard.leaderboard, sl))
    table, config = _leaderboard_table(board)
    data_table(table, width="stretch", height=min(38 + 35 * len(board), 760), column_config={
        **config, "display_name": st.column_config.TextColumn("model", pinned=True),
        "model_type": "model type", "n": st.column_config.NumberColumn("n", help="scored run × item rows"),
        "coverage": st.column_config.TextColumn("items predicted", help=COVERAGE_HELP)})
    download_csv(table.drop(columns=MARKS), f"leaderboard-{sl.metric}.csv")
    chart_summary(_marks_sentence(table))
    st.caption("↓ lower is better, ↑ higher is better, →0 closer to 0 is better. Aggregate metrics "
               f"({', '.join(m.label for m in METRICS if m.level == 'aggregate')}) are computed per run "
               "within each task and averaged over tasks weighted by item count; “n (metric)” columns appear "
               "where a metric's n differs from n (e.g. Wasserstein distance is defined on ordinal tasks "
               "only). — means undefined. "
               "items predicted: of the slice's items in the tasks the run was run on; a run that predicts "
               "only some is compared with the baselines on its own items below.")


def _same_items_table(run_id: str) -> None:
    """The chosen run and the baselines on the items it predicts, each value with its n."""
    res = q(baselines_on_run_items, sl, run_id)
    df = need(res)
    df = df.assign(training=df["training"].map(training_label))
    show_table(df[["display_name", "training", "mean", "n"]], f"same-items-{sl.metric}", column_config={
        "display_name": "model", "training": st.column_config.TextColumn("training"),
        "mean": st.column_config.NumberColumn(f"{metric.label} {ARROW[metric.direction]}", format="%.4f",
                                              help=metric.axis_title),
        "n": st.column_config.NumberColumn("n", help="items the value rests on")})
    st.caption("The run's own row equals its leaderboard row; the baselines' rows are over its items only, "
               "where the leaderboard's are over all of the slice's. n: the items each value rests on (an "
               "aggregate metric drops items its rule leaves out; empty where it is undefined).")


partial = q(partial_runs, sl)
if partial.ok:
    with panel("Baselines on the same items",
               help="The leaderboard's baselines are scored on every item of the slice; a run that predicts "
                    "only some items is scored on those. Here the run and the baselines are scored on the "
                    "same items: the ones the run predicts."):
        st.caption(plain_md(partial.message))
        runs = partial.frame
        names = dict(zip(runs["run_id"], runs["display_name"], strict=True))
        chosen = page_param("same_items", runs["run_id"].iloc[0])
        if st.session_state.get("w_same_items") not in names:  # first visit, or the slice changed the runs
            st.session_state["w_same_items"] = chosen if chosen in names else runs["run_id"].iloc[0]
        run_id = st.selectbox("Run", list(names), format_func=lambda r: f"{names[r]} ({r})", key="w_same_items")
        set_page_param("same_items", None if run_id == runs["run_id"].iloc[0] else run_id)
        row = runs[runs["run_id"] == run_id].iloc[0]
        st.markdown(plain_md(f"{metric.label} on the {row['items']:,} items {names[run_id]} predicts "
                          f"(of the slice's {row['items_in_slice']:,}), the baselines on the same items:"))
        _same_items_table(run_id)


CI = f"{CONFIDENCE:.0%} CI"
GROUPINGS = {"band": "per band", "task_id": "per task"}
SIG, NOT_SIG = INK, NOT_SIGNIFICANT  # interval excludes zero / includes it (not model-type colours)


def _side_named(r) -> str:
    """The verdict with the sides' names: 'RLHF sibling better', 'no clear difference'."""
    return {"left better": f"{r.left_label} better", "right better": f"{r.right_label} better",
            NO_INTERVAL_VERDICT: "no interval (large slice)"}.get(r.verdict, "no clear difference")


def _paired_frame(by: str) -> tuple[pd.DataFrame, str]:
    res = q(paired_comparisons, sl, (by,))
    df = need(res, show_note=False)
    # aggregate metrics on large slices come without an interval: the dot without whiskers
    df = df[df["diff"].notna()].astype({"diff": float, "lo": float, "hi": float})
    df = df[df["lo"].notna() | (df["verdict"] == NO_INTERVAL_VERDICT)]
    if not len(df):
        raise EmptyPanel(f"{metric.label} is undefined on the items both sides scored in every comparison here.")
    df = df.assign(comparison=df["left_label"] + " − " + df["right_label"],
                   reading=[_side_named(r) for r in df.itertuples(index=False)])
    return df, plain_md(res.message)


def _diff_axis_title() -> str:
    if metric.direction == "zero":
        return f"Difference in {metric.label} (left − right); closer to 0 is better, so no side is read"
    left_better_when = "negative" if metric.direction == "lower" else "positive"
    return (f"◀ {'left' if left_better_when == 'negative' else 'right'} side better     "
            f"difference in {metric.label} (left − right)     "
            f"{'right' if left_better_when == 'negative' else 'left'} side better ▶")


def _forest(df: pd.DataFrame, by: str, narrow: bool = False) -> go.Figure:
    df = plain_chart_frame(df, ["comparison", "reading", by])  # names from the store, shown by Plotly
    groups = [g for g in scheme.bands if g in set(df[by])] if by == "band" else sorted(df[by].unique())
    comps = list(dict.fromkeys(df["comparison"]))
    wrap = 1 if narrow else len(groups) if len(groups) <= 3 else 2 if len(groups) == 4 else 3
    df = df.assign(sig=[r.endswith(" better") for r in df["reading"]],
                   err_hi=(df["hi"] - df["diff"]).fillna(0), err_lo=(df["diff"] - df["lo"]).fillna(0))
    fig = px.scatter(df, x="diff", y="comparison", facet_col=by, facet_col_wrap=wrap, text="reading",
                     error_x="err_hi", error_x_minus="err_lo", color="sig",
                     color_discrete_map={True: SIG, False: NOT_SIG},
                     category_orders={by: groups, "comparison": comps[::-1], "sig": [True, False]},
                     custom_data=["n", "lo", "hi", "reading"], facet_row_spacing=row_spacing(len(groups), wrap, 0.08), facet_col_spacing=0.07,
                     labels={"diff": "", "comparison": "", "sig": ""})
    fig.update_traces(marker_size=13 if narrow else 15, textposition="top center", textfont_size=12 if narrow else 13,
                      error_x=dict(thickness=3, width=7),
                      hovertemplate="%{y}: %{x:+.3f} (" + CI + " %{customdata[1]:+.3f} to "
                                    "%{customdata[2]:+.3f})<br>n=%{customdata[0]:,} items<br>"
                                    "%{customdata[3]}<extra></extra>")
    fig.for_each_trace(lambda t: t.update(name="interval excludes 0" if t.name == "True"
                                          else "interval includes 0"))
    fig.add_vline(x=0, line_color=INK, line_width=2)
    reach = 1.35 * float(np.nanmax([*df["hi"].abs(), *df["lo"].abs(), *df["diff"].abs(), 1e-9]))
    fig.update_xaxes(title_text="", zeroline=False, showticklabels=True, range=[-reach, reach], nticks=5,
                     tickformat="+.2~f", tickfont_size=14)
    fig.update_traces(cliponaxis=False)
    fig.update_yaxes(tickfont_size=13 if narrow else 15)
    rows = (len(groups) + wrap - 1) // wrap
    fig = finish(fig, height=140 + rows * ((60 + 56 * len(comps)) if narrow else (90 + 80 * len(comps))),
                 legend_title="", narrow=narrow)
    if not narrow:  # on a phone the legend stays under the chart (above, it covered the first facet's title)
        fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, yref="paper", x=0, xref="paper"),
                          margin_t=70)
    title = _diff_axis_title()
    fig.add_annotation(text=wrap_text(title, 40) if narrow else title, xref="paper", yref="paper", x=0.5, y=0,
                       yshift=-30, yanchor="top", showarrow=False, font_size=13 if narrow else 16)
    fig.update_layout(margin=dict(b=150 if narrow else 80))
    return fig


def _forest_summary(df: pd.DataFrame, by: str) -> str:
    """How many comparisons have an interval clear of zero, and which side they favour."""
    clear = df[[r.endswith(" better") for r in df["reading"]]]
    sides = clear["reading"].value_counts()
    where = "bands" if by == "band" else "tasks"
    said = "; ".join(f"{k} in {v}" for k, v in sides.items()) or "none"
    return (f"{len(df)} comparisons over {df['comparison'].nunique()} kinds of pair and {df[by].nunique()} {where}; "
            f"{len(clear)} have a {CI} clear of zero ({said}), the others show no clear difference.")


with panel("Paired comparisons: what changes when one thing changes?",
           help="Each row pairs runs that differ in one respect only and compares them on the items "
                "both scored: RLVR vs its RLHF sibling (same base, method, steering), thinking on vs "
                "off and CoT vs no CoT (same model, method, steering), verbalized vs sampling (same "
                "model, reasoning, steering)."):
    default_by = page_param("paired_by", "band")
    st.session_state.setdefault("w_paired_by", default_by if default_by in GROUPINGS else "band")
    by = st.radio("Compare", list(GROUPINGS), format_func=GROUPINGS.get, horizontal=True, key="w_paired_by")
    set_page_param("paired_by", None if by == "band" else by)
    paired, missing = _paired_frame(by)
    show_chart(built_once(_forest, paired, by, also=(sl.metric, sl.band_scheme)), f"paired-{sl.metric}-{by}",
               narrow=built_once(_forest, paired, by, True, also=(sl.metric, sl.band_scheme)),
               summary=_forest_summary(paired, by))
    how = ("per item averaged over matched run pairs" if metric.level == "item" else
           f"the difference of the two sides' {metric.label} over those items; no Wilcoxon p, since the "
           "metric has no per-item values")
    st.caption(f"Dot: difference left − right in {metric.label} on the items both sides scored ({how}); "
               f"whiskers: {CI} ({paired['method'].iloc[0]}{f', {N_RESAMPLES:,} resamples' * paired['method'].iloc[0].startswith('percentile')}); "
               f"{metric.direction_text}. Black: the interval excludes 0; grey: no clear difference. " + missing)
    cols = ["comparison", by, "left", "right", "diff", "lo", "hi", "n", "n_run_pairs", "p", "reading"]
    if paired["p"].isna().all():
        cols.remove("p")
    num = st.column_config.NumberColumn
    show_table(paired[cols], f"paired-{sl.metric}-{by}", column_config={
        **{c: num(format="%.4f") for c in ("left", "right")}, "diff": num("left − right", format="%+.4f"),
        "lo": num(f"{CI} lo", format="%+.4f"), "hi": num(f"{CI} hi", format="%+.4f"),
        "n": num("n items"), "n_run_pairs": num("run pairs"),
        "p": num("Wilcoxon p", format="%.2g", help="two-sided signed-rank test over the per-item "
                                                   "differences; empty for metrics computed over a set "
                                                   "of items"),
        by: "task" if by == "task_id" else "band"})


def _win_columns() -> tuple:
    extra = (("all", sl.metric), ("high", sl.metric))
    return DEFAULT_COLUMNS + tuple(c for c in extra if c not in DEFAULT_COLUMNS)


with panel("Win rates over matched settings (as in Ni et al., Table 1)",
           help="How often one side beats the other across matched settings, rather than on average."):
    wins_table = need(q(win_rates, sl, _win_columns()))
    high = scheme.high_band
    wins_table = wins_table.assign(subset=wins_table["subset"].map(
        lambda s: "all items" if s == "all" else f"{s} band"))
    show_table(wins_table[["comparison", "subset", "metric", "direction", "win_rate", "wins", "ties", "n", "p",
                           "mean_diff"]], f"win-rates-{sl.metric}", column_config={
        "win_rate": st.column_config.ProgressColumn("win rate", format="%.0f%%", min_value=0, max_value=100),
        "n": st.column_config.NumberColumn("settings"),
        "direction": st.column_config.TextColumn("better is", help="the metric's direction"),
        "p": st.column_config.NumberColumn("Wilcoxon p", format="%.2g"),
        "mean_diff": st.column_config.NumberColumn("mean left − right", format="%+.4f")})
    st.caption(f"A setting is one {' × '.join(s.replace('_id', '') for s in SETTING)} combination. "
               f"“RLVR > RLHF”: the RLVR run against the better of its RLHF sibling's no-CoT and CoT "
               f"runs in that setting; “RLHF+CoT > RLHF no-CoT”: the sibling's two runs. Columns: all "
               f"the slice's items, or its {high} band. " + WIN_RULES)



def _pairs_chart(long: pd.DataFrame, narrow: bool = False) -> go.Figure:
    long = plain_chart_frame(long, ["comparison", "model_type", "display_name", "band"])
    if narrow:  # a phone: the long comparison names wrap rather than take the plot's width
        long = long.assign(comparison=[wrap_text(c, 22) for c in long["comparison"]])
    bands = [b for b in scheme.bands if b in set(long["band"])]
    fig = px.scatter(long, x="mean", y="comparison", color="model_type", facet_col="band",
                     facet_col_wrap=1 if narrow else 0, facet_row_spacing=0.12 if narrow else None,
                     category_orders={"band": bands, "model_type": type_order(long["model_type"])},
                     color_discrete_map=type_colours(long["model_type"]), custom_data=["n", "display_name"],
                     labels={"mean": metric.label, "comparison": "", "model_type": "Model type"})
    fig.for_each_trace(lambda t: t.update(marker_symbol="diamond" if t.name.startswith("RLVR") else "circle"))
    fig.update_traces(marker_size=16, hovertemplate="%{customdata[1]}: %{x:.3f}<br>n=%{customdata[0]:,}<extra></extra>")
    markers = fig.data
    for j, band in enumerate(bands):  # facet columns follow category_orders
        for comp, g in long[long["band"] == band].groupby("comparison"):
            fig.add_trace(go.Scatter(x=g["mean"], y=[comp] * len(g), mode="lines", showlegend=False,
                                     line=dict(color=GAP_LINE, width=3), hoverinfo="skip"),
                          row=len(bands) - j if narrow else 1, col=1 if narrow else j + 1)
    fig.data = fig.data[len(markers):] + fig.data[:len(markers)]  # gap lines under the markers
    fig.update_xaxes(title_text="")
    mid = 1 if narrow else (len(bands) + 1) // 2  # one axis title, under the middle facet (the last row)
    fig.layout[f"xaxis{mid if mid > 1 else ''}"].title.text = metric.axis_title
    fig.update_yaxes(tickfont_size=12 if narrow else 14)
    if narrow:  # every facet shows its x ticks (rows do not share a bottom axis)
        fig.update_xaxes(showticklabels=True)
    per_facet = 54 * long["comparison"].nunique() + 60  # three lines of wrapped names per row
    return finish(fig, height=160 + (per_facet * len(bands) if narrow else 56 * long["comparison"].nunique()),
                  legend_title="", narrow=narrow)


with panel("RLVR vs RLHF siblings, band by band",
           help="Models that share a base (same pair_id), matched on elicitation method and steering. "
                "Circles RLHF, diamonds RLVR; the grey line is the gap."):
    pair_frame = need(q(pairs.sibling_pairs, sl))
    st.caption("Circles: RLHF model; diamonds: its RLVR sibling; grey line: the gap between them.")
    long = pairs.pair_long(pair_frame)
    wins = pair_frame["better"].value_counts()
    show_chart(built_once(_pairs_chart, long, also=(sl.metric, sl.band_scheme)), f"pairs-{sl.metric}",
               narrow=built_once(_pairs_chart, long, True, also=(sl.metric, sl.band_scheme)),
               summary=f"{metric.label}, {metric.direction_text}: RLVR is better in {wins.get('RLVR', 0):,} and "
                       f"RLHF in {wins.get('RLHF', 0):,} of {len(pair_frame)} sibling comparisons × bands.")
    cols = ["comparison", "band", "display_name_rlhf", "mean_rlhf", "n_rlhf", "display_name_rlvr",
            "mean_rlvr", "n_rlvr", "diff", "better"]
    show_table(pair_frame[cols], f"pairs-{sl.metric}", column_config={
        c: st.column_config.NumberColumn(format="%.3f") for c in ("mean_rlhf", "mean_rlvr", "diff")})


def _methods_chart(df: pd.DataFrame, narrow: bool = False) -> go.Figure:
    df = plain_chart_frame(df, ["display_name", "model_type", "variant"])
    df = df.assign(x=["<br>".join(plain_chart(name) for name in (
                          METHOD_LABELS.get(m, m), REASONING_LABELS.get(r, r), STEERING_LABELS.get(s, s)))
                      for m, r, s in zip(df["method"], df["reasoning"], df["steering"], strict=True)],
                   label=[f"{v:.2f}" + (" ⚠" if s else "") for v, s in zip(df["mean"], df["small_n"], strict=True)])
    n_models = df["display_name"].nunique()
    per_row = 1 if narrow else min(3, n_models)
    fig = px.bar(df, x="x", y="mean", color="model_type", text="label", barmode="relative",
                 facet_col="display_name", facet_col_wrap=per_row,
                 facet_row_spacing=row_spacing(n_models, per_row, 0.18 if not narrow else 0.3 / n_models),
                 **type_style(df["model_type"]), custom_data=["n", "variant"],
                 labels={"x": "", "mean": metric.label, "model_type": "Model type"})
    fig.update_xaxes(matches=None, showticklabels=True, tickfont_size=13, tickangle=0)
    fig.update_traces(textposition="outside", cliponaxis=False, textfont_size=13,
                      hovertemplate="%{customdata[1]}: %{y:.3f}<br>n=%{customdata[0]:,}<extra></extra>")
    fig.for_each_annotation(lambda a: a.update(font_size=15))
    rows = -(-n_models // per_row)
    return finish(fig, height=(320 if narrow else 380) * rows + 60, narrow=narrow)


def _methods_summary(df: pd.DataFrame) -> str:
    """Per model, its best way of asking by the chosen metric."""
    key = df["mean"].abs() if metric.direction == "zero" else -df["mean"] if metric.direction == "higher" else df["mean"]
    best = df.loc[key.sort_values().index].groupby("display_name", sort=False).head(1)
    parts = "; ".join(f"{r.display_name}: {METHOD_LABELS.get(r.method, r.method)} ({r.mean:.3f})"
                      for r in best.itertuples(index=False))
    return f"Best elicitation per model by {metric.label} ({metric.direction_text}): {parts}."


with panel("Elicitation methods compared",
           help="Models elicited in more than one way: stated shares (verbalized), counted samples "
                "(sampling), next-token probabilities (logprob)."):
    by_method = need(q(methods.method_comparison, sl))
    show_chart(built_once(_methods_chart, by_method, also=(sl.metric,)), f"methods-{sl.metric}",
               narrow=built_once(_methods_chart, by_method, True, also=(sl.metric,)),
               summary=_methods_summary(by_method))
    st.caption(f"{metric.axis_title}. ⚠ marks values over fewer than {SMALL_N} scored items.")
    show_table(by_method[["display_name", "model_type", "method", "reasoning", "steering", "mean", "n"]],
               f"methods-{sl.metric}", column_config={"mean": st.column_config.NumberColumn(format="%.4f")})

share_link()
