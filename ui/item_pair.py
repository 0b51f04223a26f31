"""The top of the Item page: the runs that brought the user here (the RLVR–RLHF pair the Items
list ranks by, or the runs picked), shown first: humans and those runs in one compact chart, their
gap on this item, their answers counted per label and their reasoning side by side, and every
other run one click away with a way to pick them instead."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.express as px
import streamlit as st

from data_layer.metrics import METRICS
from data_layer.queries import item_focus as q_focus
from data_layer.store import Result
from ui.charts import built_once, data_table, finish, show_chart
from ui.colours import HUMAN as HUMAN_COLOUR
from ui.colours import colour_for
from ui.state import page_param, set_page_param
from ui.text import plain_chart
from ui.text import plain_md as plain

PATTERNS = ["", "/", "x", "."]  # second run of the same model type: hatched, so it is not told by colour alone
PICK_WIDGET = "item_pick_runs"
LONG_TRACE_CHARS, LONG_TRACE_PX = 900, 360  # traces longer than this scroll in a box this high


def _side(focus: q_focus.Focus, run_id: str) -> str:
    return {focus.rlvr: "RLVR", focus.rlhf: "RLHF"}.get(run_id, "")


@dataclass(frozen=True)
class FocusRun:
    """One column of the side-by-side: a focus run's title and label, its answers counted, and its
    samples (each a dict of sample_idx, reasoning_text, output_text) when raw samples are stored."""
    run_id: str
    title: str
    label: str
    counts: Result | None
    samples: tuple[dict, ...] | None


@dataclass(frozen=True)
class FocusView:
    """All the top of the Item page draws, derived from the item's answers and the focus once for
    every visitor (ui.charts.made_once): pandas on these small frames of Arrow strings cost a
    fifth of the page's CPU when it ran on every render."""
    names: dict[str, str]  # run id -> display name, for the gap sentence
    gaps: Result  # q_focus.pair_gaps
    headline: str | None  # q_focus.gap_sentence
    chart: tuple  # the arguments of _chart
    summary: str  # the chart in words
    columns: tuple[FocusRun, ...]
    ranked: pd.DataFrame  # q_focus.runs_by_distance


def focus_view(models: pd.DataFrame, human: pd.DataFrame, n_annotators: int, gens: pd.DataFrame | None,
               focus: q_focus.Focus, metric_name: str) -> FocusView:
    """The FocusView of an item: `models`, `human` and `gens` are its item.model_dists,
    item.human_counts and item.generations (None when it has no raw samples)."""
    rows = models.set_index("run_id").loc[list(focus.runs)].reset_index()
    names = dict(zip(models["run_id"], models["display_name"], strict=True))
    gaps = q_focus.pair_gaps(models, focus, metric_name)
    label_names = list(human["label_name"])
    columns = []
    for _, r in rows.iterrows():
        side = _side(focus, r["run_id"])
        counts = samples = None
        if gens is not None:
            mine = gens[gens["run_id"] == r["run_id"]]
            counts = q_focus.answer_counts(mine, r["run_id"], label_names)
            samples = tuple({"sample_idx": i, "reasoning_text": t, "output_text": o} for i, t, o in
                            zip(mine["sample_idx"], mine["reasoning_text"], mine["output_text"], strict=True))
        columns.append(FocusRun(r["run_id"], (side + " · " if side else "") + r["display_name"],
                                q_focus.run_label(r), counts, samples))
    return FocusView(names=names, gaps=gaps, headline=q_focus.gap_sentence(gaps.frame, names, focus) if gaps.ok
                     else None, **_chart_data(human, n_annotators, rows, focus), columns=tuple(columns),
                     ranked=q_focus.runs_by_distance(models, metric_name))


def _chart(who: list, label: list, share: list, labels: list, colours: dict, patterns: dict):
    long = pd.DataFrame({"who": who, "label": label, "share": share})
    fig = px.bar(long, x="label", y="share", color="who", barmode="group", color_discrete_map=colours,
                 pattern_shape="who", pattern_shape_map=patterns,
                 category_orders={"label": labels, "who": list(colours)},
                 labels={"share": "Share of labels", "label": "Label", "who": ""})
    fig.update_yaxes(range=[0, 1])
    return finish(fig, height=420, legend_title="")  # the shared layout: legend under the plot


def _chart_data(human: pd.DataFrame, n_annotators: int, rows: pd.DataFrame, focus: q_focus.Focus) -> dict:
    """Humans and the focus runs, one bar each per label, coloured by model type (humans dark),
    and the same numbers in a sentence (the chart's text alternative)."""
    short = [f"{r['display_name']} ({r['model_type']})" for _, r in rows.iterrows()]
    series = [("Humans", f"Humans (n={n_annotators})", list(human["share"]))]
    for name, (_, r) in zip(short, rows.iterrows(), strict=True):
        side = _side(focus, r["run_id"])
        name = name if short.count(name) == 1 else q_focus.run_label(r)  # two runs of one model: tell them apart
        series.append((r["model_type"], f"{side + ': ' if side else ''}{name}", list(r["probs"])))
    labels = [plain_chart(n) for n in human["label_name"]]  # Plotly renders HTML in store text
    who = [plain_chart(name) for _, name, shares in series for _ in shares]
    colours, patterns, seen = {}, {}, {}
    for kind, name, _ in series:
        name = plain_chart(name)
        colours[name] = HUMAN_COLOUR if kind == "Humans" else colour_for(kind)
        patterns[name] = PATTERNS[min(seen.get(colours[name], 0), len(PATTERNS) - 1)]
        seen[colours[name]] = seen.get(colours[name], 0) + 1
    said = "; ".join(f"{name}: " + ", ".join(f"{label} {share:.2f}" for label, share
                                               in zip(human["label_name"], shares, strict=True))
                     for _, name, shares in series)
    return {"chart": (who, labels * len(series), [float(x) for _, _, shares in series for x in shares], labels,
                      colours, patterns),
            "summary": f"Shares of each label. {said}. Bar colours mark the model type (the same on every page); "
                       "humans are dark."}


def focus_chart(view: FocusView) -> None:
    show_chart(built_once(_chart, *view.chart), "item-distributions", summary=view.summary)


def gap_headline(view: FocusView) -> None:
    """The pair's gap by the slice's metric, in a sentence (or why there is none)."""
    if view.headline is not None:
        st.markdown(f"**{plain(view.headline)}**")
    else:
        st.caption(plain(view.gaps.message))


def gap_table(gaps) -> None:
    """The pair's gap by every per-item metric, one click away."""
    if not gaps.ok:
        return
    with st.expander("The gap by every per-item metric"):
        st.caption("Gap = RLVR value − RLHF value on this item, the number the Items list sorts by "
                   "under the chosen metric. Definitions are on the Data page.")
        data_table(gaps.frame.drop(columns="metric"), width="stretch", column_config={
            "label": "Metric", "direction": "Direction",
            "rlvr": st.column_config.NumberColumn("RLVR", format="%.3f"),
            "rlhf": st.column_config.NumberColumn("RLHF", format="%.3f"),
            "gap": st.column_config.NumberColumn("Gap (RLVR − RLHF)", format="%+.3f"),
            "better": "Better on this item", "means": "What a positive gap means"})


def _answers(counts) -> None:
    if not counts.ok:
        st.caption(plain(counts.message))
        return
    c = counts.frame
    st.markdown(("**Answers, counted**" if c["kind"].iloc[0] == "answer"
                 else "**Most likely label of each stated distribution, counted**") + "\n\n"
                + "\n".join(f"- {plain(label)} → {k:d} of {n:d}"
                            for label, k, n in zip(c["label"], c["k"], c["n"], strict=True)))


def _samples(samples: tuple[dict, ...], key: str) -> None:
    if not samples:
        return
    idx = [s["sample_idx"] for s in samples]
    pick = st.selectbox(f"Sample (of {len(idx):d})", idx, key=key) if len(idx) > 1 else idx[0]
    s = samples[idx.index(pick)]
    if isinstance(s["reasoning_text"], str) and s["reasoning_text"]:
        st.markdown("**Reasoning trace**")
        # a long trace scrolls in its box, so the two columns' answers stay near each other
        with st.container(height=LONG_TRACE_PX if len(s["reasoning_text"]) > LONG_TRACE_CHARS else "content"):
            st.text(s["reasoning_text"])  # literal: never markdown from a model
    else:
        st.caption("No reasoning trace: this run answered directly.")
    st.markdown("**Answer**")
    st.code(s["output_text"] if isinstance(s["output_text"], str) else "(no answer)", language=None,
            wrap_lines=True)


def side_by_side(view: FocusView, no_samples: str) -> None:
    """One column per focus run (Streamlit stacks them on narrow screens): answers counted per
    label, then one sample's reasoning and answer. `no_samples`: why there are none, if so."""
    for col, run in zip(st.columns(len(view.columns)), view.columns, strict=True):
        with col:
            st.markdown(f"**{plain(run.title)}**")
            st.caption(plain(run.label))
            if run.counts is None:
                st.caption(plain(no_samples))
                continue
            _answers(run.counts)
            _samples(run.samples, f"item_sample_{run.run_id}")


def _pick_changed() -> None:
    set_page_param(q_focus.PICKED_KEY, ",".join(st.session_state[PICK_WIDGET]) or None)


def other_runs(ranked: pd.DataFrame, metric_name: str) -> None:
    """All runs that scored the item, closest to the humans first, and a picker that puts any of
    them first instead (the `runs` URL key; empty returns to the pair)."""
    metric = METRICS.get(metric_name)
    with st.expander(f"All {len(ranked)} runs on this item, closest to the humans first"):
        st.caption(f"Distance to the human distribution by {metric.label} ({metric.direction_text}); "
                   "the distribution column draws each run's label shares.")
        data_table(ranked.drop(columns="run_id"), width="stretch", column_config={
            "run": "Run", "model_type": "Model type", "n_valid": "Valid samples",
            "value": st.column_config.NumberColumn(metric.label, format="%.3f", help=metric.axis_title),
            "probs": st.column_config.BarChartColumn("Distribution", y_min=0, y_max=1)})
        options = list(ranked["run_id"])
        labels = dict(zip(ranked["run_id"], ranked["run"], strict=True))
        url = [r for r in q_focus.picked_runs(page_param(q_focus.PICKED_KEY)) if r in labels]
        st.session_state[PICK_WIDGET] = url  # the URL is the state; the callback writes it
        st.multiselect(f"Show these runs first instead (up to {q_focus.MAX_PICKED}; empty: the pair)", options,
                       key=PICK_WIDGET, format_func=labels.get, max_selections=q_focus.MAX_PICKED,
                       on_change=_pick_changed)
