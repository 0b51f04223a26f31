"""Presenter mode: one item of a review set at a time, readable from the back of a room — large
text, the human and chosen models' distributions side by side, a sample's reasoning one click
away, verdicts on number keys, ← / → to move. The URL (set, step, runs) is the state."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from data_layer.queries import item as q_item
from ui.charts import built_once, finish, show_chart
from ui.colours import HUMAN as HUMAN_COLOUR
from ui.colours import colour_for
from ui.data import q
from ui.page import start_page
from ui.reviews import (
    big_text,
    flash,
    history,
    jump_to,
    read,
    read_only_notice,
    review_store,
    reviewer_name,
    verdict_form,
    write_entry,
)
from ui.share import share_link
from ui.state import page_param, set_page_param
from ui.text import md_escape as plain
from ui.text import plain_chart

FONT = 20

sl = start_page("Presenter")
read_only_notice()
rs = review_store()
try:
    set_id = int(page_param("set") or 0)
except ValueError:
    set_id = 0
review_set = read(rs.get_set, set_id) if set_id else None
if review_set is None:
    st.info("Open a review set to present it: pick one on the Review sets page.")
    st.page_link("views/review_sets.py", label="Review sets", icon=":material/list:")
    st.stop()
members = read(rs.set_items, set_id, fallback=pd.DataFrame())
if members is None or not len(members):
    st.info("This review set has no items left.")
    st.stop()
total = len(members)
try:
    step = min(max(1, int(page_param("step") or 1)), total)
except ValueError:
    step = 1
set_page_param("set", str(set_id))
set_page_param("step", str(step))
here = members.iloc[step - 1]
task_id, item_id = here["task_id"], here["item_id"]


def _panel_chart(names: list, shares: list, colour: str):
    """One distribution, large: the shared layout (ui.charts.finish) with the room's font size."""
    fig = px.bar(pd.DataFrame({"label": names, "share": shares}), x="label", y="share",
                 color_discrete_sequence=[colour])
    fig.update_xaxes(title_text=None, tickfont_size=FONT - 4)
    fig.update_yaxes(title_text="share", range=[0, 1], tickfont_size=FONT - 4)
    fig = finish(fig, height=360, legend_title="")
    fig.update_layout(font_size=FONT, showlegend=False, margin=dict(t=10))
    return fig


def go(to: int) -> None:
    st.query_params["step"] = str(min(max(1, to), total))


# ------------------------------------------------------------------ position and keys
top = st.columns([2, 1, 1, 1, 3], vertical_alignment="center")
top[0].markdown(f"## {step:d} / {total:d}")
top[0].caption(plain(f"{review_set['name']} · {task_id} / {item_id}"))
top[1].button("Previous", icon=":material/arrow_back:", shortcut="Left", on_click=go, args=(step - 1,),
              disabled=step == 1, width="stretch")
top[2].button("Next", icon=":material/arrow_forward:", shortcut="Right", on_click=go, args=(step + 1,),
              disabled=step == total, width="stretch")
top[3].button("Verdict", icon=":material/gavel:", shortcut="V", width="stretch",
              on_click=lambda: st.session_state.update(pr_jump=True, pr_jumps=st.session_state.get("pr_jumps", 0) + 1),
              help="Scrolls to the verdict buttons and puts the focus on the first one.")
with top[4]:
    who = reviewer_name()

# ------------------------------------------------------------------ the item, large
detail = q(q_item.item_detail, task_id, item_id)
if detail.ok:
    big_text(detail.frame.iloc[0]["text"])
else:
    st.warning(f"{plain(item_id)} is not in the current store (it was rebuilt since the set was made); its "
               "reviews are kept below.")

# ------------------------------------------------------------------ distributions side by side
human = q(q_item.human_counts, task_id, item_id)
models = q(q_item.model_dists, sl, task_id, item_id)
if human.ok:
    runs = models.frame if models.ok else pd.DataFrame(columns=["run_id", "display_name", "model_type", "probs"])
    labels = dict(zip(runs["run_id"], runs["display_name"] + " · " + runs["model_type"], strict=True))
    pair = [r for r in (review_set["params"].get("pair") or "").split("~") if r in labels]
    url_runs = [r for r in (page_param("runs") or "").split(",") if r in labels]
    st.session_state.setdefault("pr_runs", url_runs or pair or list(labels)[:2])
    st.session_state["pr_runs"] = [r for r in st.session_state["pr_runs"] if r in labels]
    chosen = st.multiselect("Models shown beside the humans", list(labels), key="pr_runs",
                            format_func=labels.get, max_selections=3)
    set_page_param("runs", ",".join(chosen) or None)
    names = [plain_chart(n) for n in human.frame["label_name"]]  # store text, shown by Plotly
    panels = [("Humans", f"n = {int(human.frame['count'].sum())} ratings", list(human.frame["share"]), HUMAN_COLOUR)]
    for run in chosen:
        r = runs.set_index("run_id").loc[run]
        panels.append((r["display_name"], r["model_type"], list(r["probs"]), colour_for(r["model_type"])))
    for col, (title, sub, shares, colour) in zip(st.columns(len(panels)), panels, strict=True):
        col.markdown(f"#### {plain(title)}")  # names from the store: escaped here, never a plotly title
        col.caption(plain(sub))
        with col:
            show_chart(built_once(_panel_chart, names, shares, colour), f"presenter-{title}",
                       key=f"pr_chart_{title}_{sub}",
                       summary=f"{title}: " + ", ".join(f"{n} {s:.2f}" for n, s in zip(names, shares, strict=True)))
    gens = q(q_item.generations, sl, task_id, item_id)
    if gens.ok:
        for run in chosen:
            samples = gens.frame[gens.frame["run_id"] == run]
            if not len(samples):
                continue
            with st.expander(plain(f"Reasoning of {labels[run]} ({len(samples)} sample{'s' * (len(samples) > 1)})")):
                idx = st.selectbox("Sample", list(samples["sample_idx"]), key=f"pr_sample_{run}")
                s = samples[samples["sample_idx"] == idx].iloc[0]
                st.text(s["reasoning_text"] if isinstance(s["reasoning_text"], str) and s["reasoning_text"]
                        else "(this sample has no reasoning trace)")
                st.code(s["output_text"] if isinstance(s["output_text"], str) else "(no answer)", language=None,
                        wrap_lines=True)
else:
    st.info(plain(human.message))

# ------------------------------------------------------------------ verdicts
st.markdown("**Verdict** — press a number key to record it as you (keys work when no text box has the focus)")
flash()
with st.container(horizontal=True):
    for v in rs.vocab.verdicts:
        st.button(plain(v.label), key=f"pr_quick_{v.name}", shortcut=v.key, on_click=write_entry,
                  args=(task_id, item_id, v.name, "", set_id), disabled=not rs.writable or not who,
                  help=None if who else "Type your name first")
if st.session_state.pop("pr_jump", False):  # V pressed: the verdict row into view, focus on its first button
    jump_to("pr_quick_", "w_reviewer", st.session_state["pr_jumps"])
model_types = sorted(set(models.frame["model_type"])) if models.ok else []
verdict_form(task_id, item_id, set_id, model_types, key=f"pr_{set_id}_{step}")
history(task_id, item_id)
st.page_link("views/review_sets.py", label="Minutes of this set", icon=":material/summarize:",
             query_params={"set": str(set_id)})
share_link("Link to this step")
