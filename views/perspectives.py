"""Perspectives: whose disagreement? Which annotator group each model sides with, whether reasoning
moves a model toward or away from a group, and individual annotators (each opens their own page,
views/annotator.py)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from data_layer.groups import GROUP_ATTRIBUTES, MIN_GROUP_ANNOTATORS, measure_help
from data_layer.metrics import METRICS
from data_layer.queries import annotator_agreement as q_ann
from data_layer.queries import annotator_predictions as q_pred
from data_layer.queries import group_pairs, group_views, items, perspectives
from data_layer.queries.paired import KINDS
from data_layer.slice import Slice
from ui.charts import finish, show_chart, show_table, type_order, wrap
from ui.colours import GROUP_SYMBOLS, GROUPS, GUIDE, colour_for
from ui.data import q
from ui.page import start_page
from ui.panel import need, panel
from ui.share import share_link
from ui.state import page_param, set_page_param
from ui.text import md_escape as plain
from ui.text import plain_chart

sl = start_page("Perspectives: which group does each model side with?")
metric = METRICS.get(sl.metric)
attrs = q(group_views.attribute_options, Slice(tasks=sl.tasks))
if not len(attrs):
    st.info("No task of this slice has annotators with demographics, so there are no groups to compare. "
            "POPQUORN, LeWiDi 2023 HS-Brexit and ArMIS, LeWiDi 2025 CSC, MP, Paraphrase and VariErrNLI have "
            "them, as does a `long` or `label-lists` dataset with `columns.demographics`.")
    st.stop()
attribute = sl.group_by if sl.group_by in set(attrs["attribute"]) else str(attrs["attribute"].iloc[0])
label = GROUP_ATTRIBUTES.get(attribute).label
if not sl.group_by:
    st.caption(f"Grouping by {plain(label.lower())} (the first attribute these tasks have); choose another under "
               "“Annotator groups” in the sidebar.")
if why := perspectives.item_metric_or_message(sl):
    st.info(plain(why))
    st.stop()


with panel(f"Groups by {plain(label.lower())}", help=GROUP_ATTRIBUTES.get(attribute).description):
    groups = need(q(group_views.group_options, sl, attribute))
    show_table(groups, f"groups-{attribute}")
    if note := group_views.few_annotators_note(groups):
        st.caption(plain(note))
    st.caption("Open a group's view: the Items table then shows its distribution beside the crowd's.")
    links = st.columns(min(len(groups), 4))
    for i, g in enumerate(groups["group_name"]):
        links[i % len(links)].page_link("views/items.py", label=plain(f"{g} on the Items page"),
                                        icon=":material/groups:",
                                        query_params={**sl.to_params(), "groupby": attribute, "group": str(g)})

def _distance_chart(a, narrow: bool) -> go.Figure:
    """One row per run, one marker per group: each group its colour and its symbol (the marks
    do not rest on colour alone). On a phone the run names wrap instead of taking the width."""
    fig = go.Figure()
    for i, (g, part) in enumerate(a.groupby("group_name", sort=False)):
        runs = [wrap(plain_chart(r), 30) if narrow else plain_chart(r) for r in part["run"]]
        fig.add_trace(go.Scatter(x=part["mean"], y=runs, mode="markers", name=plain_chart(g),
                                 marker=dict(color=GROUPS[i % len(GROUPS)], size=10,
                                             symbol=GROUP_SYMBOLS[i % len(GROUP_SYMBOLS)]),
                                 error_x=dict(type="data", symmetric=False, array=part["hi"] - part["mean"],
                                              arrayminus=part["mean"] - part["lo"])))
    fig.update_layout(xaxis_title=metric.axis_title, yaxis_title=None)
    fig.update_yaxes(tickfont_size=11 if narrow else 14)
    per_run = 56 if narrow else 28
    return finish(fig, height=max(420, per_run * a["run"].nunique() + 140), legend_title=plain_chart(label),
                  narrow=narrow)


def _closest_summary(a) -> str:
    """Which group each run is closest to, counted over runs."""
    best = a.groupby("run")["mean"].idxmax() if metric.direction == "higher" else a.groupby("run")["mean"].idxmin()
    counts = a.loc[best, "group_name"].value_counts()
    said = ", ".join(f"{g} for {n}" for g, n in counts.items())
    return (f"By {metric.label}, the {a['run'].nunique()} runs are closest to: {said} "
            f"(of {a['group_name'].nunique()} groups by {label.lower()}).")


alignment = q(perspectives.group_alignment, sl, attribute)
with panel("Distance to each group", help=measure_help("group_distance")):
    a = need(alignment)
    show_chart(_distance_chart(a, False), "group-distance", narrow=_distance_chart(a, True),
               summary=_closest_summary(a))
    st.caption(f"Each dot: a run's mean {metric.label.lower()} to one group's own label distribution on the "
               "items that group rated (at least 2 ratings), with its 95% interval over items (bootstrap; on "
               "large slices its normal approximation, as the “Interval method” column says). "
               f"“Beyond the noise floor”: the run is closer to the group than the group is to everyone else ({measure_help('group_floor')})")
    show_table(a[["run", "model_type", "group_name", "mean", "lo", "hi", "n", "floor", "floor_lo", "floor_hi",
                  "beyond_floor", "few_annotators", "unknown", "run_id"]], f"group-distance-{attribute}-{sl.metric}")

with panel("Closest and farthest group per run", help=measure_help("group_spread")):
    spread = perspectives.group_spread(need(alignment, show_note=False), metric.direction)
    if not len(spread):
        st.info(f"Fewer than two groups with at least {MIN_GROUP_ANNOTATORS} annotators and known values: "
                "no spread to show.")
    else:
        show_table(spread, f"group-spread-{attribute}-{sl.metric}")


def _types_chart(types, narrow: bool) -> go.Figure:
    fig = go.Figure()
    for t in type_order(types["model_type"]):
        part = types[types["model_type"] == t]
        fig.add_trace(go.Bar(x=[plain_chart(g) for g in part["group_name"]], y=part["mean"], name=plain_chart(t),
                             marker_color=colour_for(t),
                             error_y=dict(type="data", symmetric=False, array=part["hi"] - part["mean"],
                                          arrayminus=part["mean"] - part["lo"])))
    floors = types.drop_duplicates("group_name")
    fig.add_trace(go.Scatter(x=[plain_chart(g) for g in floors["group_name"]], y=floors["floor"], mode="markers",
                             marker=dict(symbol="line-ew-open", size=40, color=GUIDE), name="leave-group-out floor"))
    fig.update_layout(barmode="group", yaxis_title=metric.axis_title, xaxis_title=plain_chart(label))
    return finish(fig, height=440 if narrow else 520, narrow=narrow)


def _types_summary(types) -> str:
    """Per group, the model type closest to it."""
    pick = types.groupby("group_name")["mean"].idxmax() if metric.direction == "higher" else \
        types.groupby("group_name")["mean"].idxmin()
    parts = "; ".join(f"{r.group_name}: {r.model_type} ({r.mean:.3f})" for r in types.loc[pick].itertuples(index=False))
    return f"Closest model type to each group by {metric.label}: {parts}."


with panel("RLVR vs RLHF, reasoning on vs off, side by side",
           help="Model types pooled over their runs (items resampled); the grey tick is the group's "
                "leave-group-out floor."):
    types = need(q(perspectives.alignment_by_model_type, sl, attribute))
    show_chart(_types_chart(types, False), "group-model-types", narrow=_types_chart(types, True),
               summary=_types_summary(types))
    show_table(types, f"group-model-types-{attribute}-{sl.metric}")

with panel("Does reasoning move a model toward or away from a group?", help=measure_help("group_paired_difference")):
    kinds = [k for k in KINDS if k != "verbalized_vs_sampling"]
    kind_url = page_param("gpair")
    if st.session_state.get("p_kind") not in kinds:
        st.session_state["p_kind"] = kind_url if kind_url in kinds else kinds[0]
    kind = st.selectbox("Sibling pairs", kinds, key="p_kind",
                        format_func=lambda k: f"{KINDS[k].left_label} vs {KINDS[k].right_label}")
    set_page_param("gpair", None if kind == kinds[0] else kind)
    diffs = need(q(group_pairs.group_paired_differences, sl, attribute, kind))
    st.markdown(plain(diffs.attrs.get("sentence", "")))
    show_table(diffs, f"group-paired-{kind}-{attribute}-{sl.metric}")

def _best_and_worst(frames, titles, columns: list[str], run: str) -> None:
    """Two columns of annotators (best, worst), each with a link to the annotator's own page."""
    for col, title, frame in zip(st.columns(2), titles, frames, strict=True):
        with col:
            st.markdown(f"**{plain(title)}**")
            if not len(frame):
                st.caption(plain(f"No annotator has {q_ann.MIN_ITEMS} or more items for this run in this slice."))
                continue
            show_table(frame[["annotator_id", "dataset", "task_id", *columns]], f"{title}-{run}")
            for r in frame.itertuples():
                st.page_link("views/annotator.py", label=plain(f"Open annotator {r.annotator_id}"),
                             icon=":material/person:", query_params={
                                 **sl.to_params(), "task": str(r.task_id), "annotator": str(r.annotator_id)})


st.header("Individual annotators")
st.caption("Each annotator's own page (their items, labels and agreement) opens from the lists of the "
           "annotators each run matches best and worst below, or from the Annotator page's chooser.")

with panel("Agreement with the rest of the crowd", help=measure_help("annotator_loo_agreement")):
    crowd = need(q(q_ann.annotator_agreement, sl))
    show_table(crowd, "annotators-loo-agreement")
    st.caption(f"“Few items”: fewer than {q_ann.MIN_ITEMS} rated items in the slice.")

with panel("Annotators each run matches best and worst", help=measure_help("annotator_model_agreement")):
    agree = need(q(q_ann.annotator_model_agreement, sl))
    runs = agree.drop_duplicates("run_id")
    labels = q(items.run_choices, sl)  # "model · type · method · steering", as on the Items page
    labels = dict(zip(labels.frame["run_id"], labels.frame["label"], strict=True)) if labels.ok else {}
    run_names = {r: labels.get(r, f"{d} · {t} · {r}")
                 for r, d, t in zip(runs["run_id"], runs["display_name"], runs["model_type"], strict=True)}
    run_url = page_param("arun")
    if st.session_state.get("p_run") not in run_names:
        st.session_state["p_run"] = run_url if run_url in run_names else next(iter(run_names))
    run = st.selectbox("Run", list(run_names), key="p_run", format_func=run_names.get)
    set_page_param("arun", run)
    _best_and_worst(q_ann.matched_annotators(agree, run), ("Best matched", "Worst matched"),
                    ["model_agreement", "n_known", "n_items"], run)
    st.caption("Agreement here is with each run's most likely label, the same for every annotator of an item; "
               "runs that predict each annotator's own label are scored below.")

with panel("Runs that predict each annotator (LeWiDi 2025 task B)", help=measure_help("annotator_prediction_error")):
    scores = need(q(q_pred.perspectivist_scores, sl))
    st.markdown(plain(q_pred.scores_sentence(scores)))
    show_table(scores, "task-b-scores")
    st.caption(plain(f"score: {measure_help('annotator_prediction_error')} crowd: "
                     f"{measure_help('annotator_crowd_reference')}"))
    st.caption("`difference` = score − crowd on the same ratings, with its 95% bootstrap interval over items; "
               "`beats_crowd` when that interval is below 0.")
    predicting = list(dict.fromkeys(scores["run_id"]))
    b_url = page_param("brun")
    if st.session_state.get("p_brun") not in predicting:
        st.session_state["p_brun"] = b_url if b_url in predicting else predicting[0]
    names = dict(zip(scores["run_id"], scores["display_name"], strict=False))
    brun = st.selectbox("Run that predicts annotators", predicting, key="p_brun",
                        format_func=lambda r: f"{names[r]} · {r}")
    set_page_param("brun", None if brun == predicting[0] else brun)
    _best_and_worst(q_pred.best_and_worst_predicted(need(q(q_pred.annotators_predicted, sl, brun))),
                    ("Best predicted", "Worst predicted"), ["error", "crowd_error", "n_items"], brun)

share_link()
