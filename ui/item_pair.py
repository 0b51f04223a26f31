"""The top of the Item page: the runs that brought the user here (the RLVR–RLHF pair the Items
list ranks by, or the runs picked), shown first: humans and those runs in one compact chart, their
gap on this item, their answers counted per label and their reasoning side by side, and every
other run one click away with a way to pick them instead."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from data_layer.metrics import METRICS
from data_layer.queries import item_focus as q_focus
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


def _chart(long: pd.DataFrame, labels: list, colours: dict, patterns: dict):
    fig = px.bar(long, x="label", y="share", color="who", barmode="group", color_discrete_map=colours,
                 pattern_shape="who", pattern_shape_map=patterns,
                 category_orders={"label": labels, "who": list(colours)},
                 labels={"share": "Share of labels", "label": "Label", "who": ""})
    fig.update_yaxes(range=[0, 1])
    return finish(fig, height=420, legend_title="")  # the shared layout: legend under the plot


def focus_chart(human: pd.DataFrame, n_annotators: int, rows: pd.DataFrame, focus: q_focus.Focus) -> None:
    """Humans and the focus runs, one bar each per label, coloured by model type (humans dark),
    and the same numbers in a sentence under it (the chart's text alternative)."""
    short = [f"{r['display_name']} ({r['model_type']})" for _, r in rows.iterrows()]
    series = [("Humans", f"Humans (n={n_annotators})", list(human["share"]))]
    for name, (_, r) in zip(short, rows.iterrows(), strict=True):
        side = _side(focus, r["run_id"])
        name = name if short.count(name) == 1 else q_focus.run_label(r)  # two runs of one model: tell them apart
        series.append((r["model_type"], f"{side + ': ' if side else ''}{name}", list(r["probs"])))
    labels = [plain_chart(n) for n in human["label_name"]]  # Plotly renders HTML in store text
    long = pd.concat([pd.DataFrame({"who": plain_chart(who), "label": labels, "share": shares})
                      for _, who, shares in series], ignore_index=True)
    colours, patterns, seen = {}, {}, {}
    for kind, who, _ in series:
        who = plain_chart(who)
        colours[who] = HUMAN_COLOUR if kind == "Humans" else colour_for(kind)
        patterns[who] = PATTERNS[min(seen.get(colours[who], 0), len(PATTERNS) - 1)]
        seen[colours[who]] = seen.get(colours[who], 0) + 1
    said = "; ".join(f"{who}: " + ", ".join(f"{label} {share:.2f}" for label, share
                                              in zip(human["label_name"], shares, strict=True))
                     for _, who, shares in series)
    show_chart(built_once(_chart, long, labels, colours, patterns), "item-distributions",
               summary=f"Shares of each label. {said}. Bar colours mark the model type (the same on every "
                       "page); humans are dark.")


def gap_headline(gaps, names: dict, focus: q_focus.Focus) -> None:
    """The pair's gap by the slice's metric, in a sentence (or why there is none)."""
    if gaps.ok:
        st.markdown(f"**{plain(q_focus.gap_sentence(gaps.frame, names, focus))}**")
    else:
        st.caption(plain(gaps.message))


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
    st.markdown("**Answers, counted**" if c["kind"].iloc[0] == "answer"
                else "**Most likely label of each stated distribution, counted**")
    st.markdown("\n".join(f"- {plain(r.label)} → {r.k:d} of {r.n:d}" for r in c.itertuples()))


def _samples(g: pd.DataFrame, key: str) -> None:
    if not len(g):
        return
    idx = list(g["sample_idx"])
    pick = st.selectbox(f"Sample (of {len(idx):d})", idx, key=key) if len(idx) > 1 else idx[0]
    s = g[g["sample_idx"] == pick].iloc[0]
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


def side_by_side(rows: pd.DataFrame, gens, focus: q_focus.Focus, names: list[str]) -> None:
    """One column per focus run (Streamlit stacks them on narrow screens): answers counted per
    label, then one sample's reasoning and answer."""
    frame = gens.frame if gens.ok else None
    for col, (_, r) in zip(st.columns(len(rows)), rows.iterrows(), strict=True):
        with col:
            side = _side(focus, r["run_id"])
            st.markdown(f"**{plain((side + ' · ' if side else '') + r['display_name'])}**")
            st.caption(plain(q_focus.run_label(r)))
            if frame is None:
                st.caption(plain(gens.message))
                continue
            _answers(q_focus.answer_counts(frame, r["run_id"], names))
            _samples(frame[frame["run_id"] == r["run_id"]], f"item_sample_{r['run_id']}")


def _pick_changed() -> None:
    set_page_param(q_focus.PICKED_KEY, ",".join(st.session_state[PICK_WIDGET]) or None)


def other_runs(models: pd.DataFrame, focus: q_focus.Focus, metric_name: str) -> None:
    """All runs that scored the item, closest to the humans first, and a picker that puts any of
    them first instead (the `runs` URL key; empty returns to the pair)."""
    metric = METRICS.get(metric_name)
    ranked = q_focus.runs_by_distance(models, metric_name)
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
