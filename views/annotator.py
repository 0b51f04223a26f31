"""Annotator: one annotator of one task (`task=TASK&annotator=ID`, plus the sidebar slice): who they
are (their demographics and groups), how typical of the crowd they are (leave-one-out) and how often
each run's majority label is theirs, with n; and their items, each with their label, the other
annotators' distribution without them and the slice's runs' labels and distributions. Without an
annotator in the URL: a chooser. Opened from the Perspectives page's best/worst matched lists."""
from __future__ import annotations

import streamlit as st

from data_layer.groups import measure_help
from data_layer.queries import annotator_agreement as q_ann
from data_layer.queries import annotator_page as q_page
from data_layer.queries import annotator_predictions as q_pred
from data_layer.slice import Slice
from ui.charts import show_table
from ui.data import q
from ui.page import start_page
from ui.panel import need, panel
from ui.share import page_url, share_link
from ui.state import page_param
from ui.text import plain_md as plain

sl = start_page("Annotator")
task_id, who = page_param("task"), page_param("annotator")


def chooser(sl: Slice) -> None:
    """No annotator in the URL: pick a task of the slice with annotator ids, then one of its annotators."""
    st.info("No annotator is selected. Pick one here, or open one from the Perspectives page's lists of "
            "the annotators each run matches best and worst.")
    tasks = q(q_page.rated_tasks, sl)
    if not tasks.ok:
        st.info(plain(tasks.message))
        st.stop()
    names = dict(zip(tasks.frame["task_id"], tasks.frame["name"], strict=True))
    task = st.selectbox("Task", list(names), format_func=lambda t: f"{names[t]} ({t})", key="a_task")
    people = q(q_page.task_annotators, task)
    if not people.ok:
        st.info(plain(people.message))
        st.stop()
    counts = dict(zip(people.frame["annotator_id"], people.frame["n_ratings"], strict=True))
    person = st.selectbox("Annotator (most ratings first)", list(counts), key="a_person",
                          format_func=lambda a: f"{a} ({counts[a]:,} ratings)")
    st.page_link("views/annotator.py", label="Open this annotator", icon=":material/person:",
                 query_params={**sl.to_params(), "task": task, "annotator": person})
    st.page_link("views/perspectives.py", label="Perspectives: all annotators", icon=":material/groups:",
                 query_params=sl.to_params())


if not task_id or not who:
    chooser(sl)
    st.stop()

here = q(q_page.locate, task_id, who)
if not here.ok:
    st.info(plain(here.message))
    st.page_link("views/annotator.py", label="Choose an annotator", icon=":material/person_search:",
                 query_params=sl.to_params())
    st.stop()
row = here.frame.iloc[0]
own = sl.with_(tasks=(task_id,))  # this task, the sidebar's other filters
st.subheader(plain(f"Annotator {who} · {row['task_name']}"))
st.caption(plain(f"Dataset {row['dataset']}, task {task_id}: {row['n_ratings']:,} ratings by this annotator. "
                 "The numbers below use this task and the sidebar's other filters (bands, runs)."))
for other in row["other_tasks"]:
    st.page_link("views/annotator.py", label=plain(f"The same annotator on {other}"), icon=":material/person:",
                 query_params={**sl.to_params(), "task": other, "annotator": who})

with panel("Who they are", help="Demographics as the dataset records them, and the group each value maps "
                                "to for the grouping attributes (data_layer/groups.py)."):
    show_table(need(q(q_page.profile, row["dataset"], task_id, who)), f"annotator-{task_id}-{who}-profile")

with panel("Agreement with the rest of the crowd", help=measure_help("annotator_loo_agreement")):
    crowd = need(q(q_ann.annotator_agreement, own, who)).iloc[0]
    st.metric("Leave-one-out agreement", f"{crowd['loo_agreement']:.3f}",
              help="Mean over their items of the share of the item's other annotators who gave their label.")
    st.caption(f"Over n = {crowd['n_items']:,} of their items with at least two ratings"
               + (f"; fewer than {q_ann.MIN_ITEMS}, so noisy." if crowd["few_items"] else "."))

with panel("Agreement with each run's majority", help=measure_help("annotator_model_agreement")):
    runs = need(q(q_ann.annotator_model_agreement, own, who))
    show_table(runs[["run_id", "display_name", "model_type", "model_agreement", "n_known", "n_items", "few_items"]]
               .sort_values(["model_agreement", "run_id"], ascending=[False, True]),
               f"annotator-{task_id}-{who}-runs")
    st.caption("`model_agreement`: the share of the `n_known` items (of their `n_items`) where the run has a "
               "most likely label that is theirs.")

with panel("Runs that predict this annotator's own label (task B)", help=measure_help("annotator_prediction_error")):
    predicted = need(q(q_pred.one_annotator, own, task_id, who))
    show_table(predicted[["run_id", "display_name", "model_type", "error", "crowd_error", "n_items"]],
               f"annotator-{task_id}-{who}-task-b")
    st.caption("`error`: how far the run's predictions of this annotator's labels are from theirs, over "
               "`n_items` of their items; `crowd_error`: the same for the other annotators' most common label "
               "(ordinal tasks: their median).")

with panel("Their items"):
    items = need(q(q_page.annotator_items, sl, task_id, who))
    items.insert(0, "open", [page_url("item", {**sl.to_params(), "task": task_id, "item": i})
                             for i in items["item_id"]])
    dists = {c: st.column_config.BarChartColumn(c, y_min=0, y_max=1)
             for c in ["others", *(f"{r} dist" for r in items.attrs["runs"])]}
    show_table(items, f"annotator-{task_id}-{who}-items", column_config={
        "open": st.column_config.LinkColumn("open", display_text="open item"),
        "text": st.column_config.TextColumn("text", width="medium"), **dists})
    st.caption("`label`: theirs. `others`: the label distribution of the item's other annotators, without "
               "this annotator (`n_others` of them), and `others_agreeing` the share of them with their label. "
               "`runs_agreeing`: the share of the slice's `n_runs` runs whose most likely label is theirs; then "
               "each run's most likely label and distribution. Sort by clicking a column's header.")

st.page_link("views/perspectives.py", label="Perspectives: all annotators", icon=":material/groups:",
             query_params=sl.to_params())
share_link()
