"""Item: one item in full — its text (always literal); first, the runs that brought the user here
(the Items list's RLVR–RLHF pair, a default pair, or the runs picked in the URL) with their gap,
answers and reasoning side by side (ui/item_pair.py); the humans' labels, every model run's
metrics, the raw samples, and previous/next within the current slice."""
from __future__ import annotations

import json

import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import ITEM_METRICS, METRICS
from data_layer.queries import item_focus as q_focus
from data_layer.queries import item_order as q_order
from data_layer.queries import item_page as q_page
from data_layer.queries import items as q_items
from ui import item_nav, item_pair
from ui.charts import data_table, made_once
from ui.data import q
from ui.export import download_csv
from ui.item_groups import show_item_groups
from ui.page import name_tab, start_page
from ui.review_panels import item_review_panel
from ui.share import share_link
from ui.state import page_param, push_url
from ui.text import plain_md as plain

MAX_SAMPLES = 20  # per run, so an item with thousands of samples still renders quickly


def _metrics_table(models):
    """One row per model run: its label, facets, samples and every per-item metric."""
    table = models.assign(run=[q_focus.run_label(r) for _, r in models.iterrows()])
    return table[["run", "model_type", "method", "steering", "n_valid", "n_failed", *ITEM_METRICS]]


def _sample_heads(gens) -> tuple[tuple[str, str], ...]:
    """(run id, the title of its samples' section), runs in the order of their first sample."""
    first, counts = {}, {}
    for i, run_id in enumerate(gens["run_id"]):
        first.setdefault(run_id, i)
        counts[run_id] = counts.get(run_id, 0) + 1
    return tuple((run_id, f"{q_focus.run_label(gens.iloc[i])} — {counts[run_id]} sample{'s' * (counts[run_id] > 1)}")
                 for run_id, i in first.items())


sl = start_page("Item")
task_id, item_id = page_param("task"), page_param("item")
name_tab(f"{item_id} · Item" if item_id else "Item")  # the browser tab names the item (plain text)
push_url()  # the address bar names the item shown, and each step is a history entry


if not task_id or not item_id:
    st.info("No item is selected. Open one by clicking a row on the Items page, or add "
            "`?task=TASK_ID&item=ITEM_ID` to this page's address.")
    st.page_link("views/items.py", label="Browse the items", icon=":material/table_rows:", query_params=sl.to_params())
    st.stop()

order = q_order.ItemOrder.from_params({k: page_param(k) for k in q_order.ORDER_KEYS})
page = q(q_page.item_page, sl, order, task_id, item_id)
detail = page.detail
if not detail.ok:
    st.error(plain(detail.message))
    st.page_link("views/items.py", label="Browse the items", icon=":material/table_rows:", query_params=sl.to_params())
    st.stop()
item = detail.frame.iloc[0]

# ------------------------------------------------------------------ previous / next
human, models = page.human, page.models
metric_name = sl.metric if METRICS.get(sl.metric).level == "item" else "tvd"  # the runs need a per-item measure
focus = None  # the runs shown first (data_layer/queries/item_focus.py)
if human.ok and models.ok:
    pairs = q(q_items.pair_choices, sl)
    picked = page_param("runs")  # q_focus.PICKED_KEY, spelled out so that tests/test_hostile_links.py attacks it
    focus = made_once(q_focus.choose_focus, models.frame, order, q_focus.picked_runs(picked),
                      pairs.frame if pairs.ok else None, metric_name)

near = page.neighbours
links = {**sl.to_params(), **order.to_params(), **(focus.to_params() if focus else {})}  # steps keep the focus
back = item_nav.list_params(sl, order, item_nav.position(near), task_id, item_id)
item_nav.step_links(near, links, back, "top")

# ------------------------------------------------------------------ the item itself
st.subheader(plain(f"{item['item_id']} · {item['task_name']}"))
bands = " · ".join(f"{s.label}: {item[s.column]}" for s in BAND_SCHEMES)
st.caption(plain(f"{item['n_annotators']} annotators · normalised human entropy "
                 f"{item['entropy_norm']:.2f} · {bands}"))
with st.container(border=True):
    st.text(item["text"])  # literal: never markdown or HTML from the data
if isinstance(item["context"], str) and item["context"]:
    st.markdown("**Context**")
    ctx = json.loads(item["context"])
    st.code(json.dumps(ctx, indent=2, ensure_ascii=False) if not isinstance(ctx, str) else ctx,
            language=None, wrap_lines=True)

# ------------------------------------------------------------------ the runs that brought you here
if focus is not None:
    view = made_once(item_pair.focus_view, models.frame, human.frame, int(item["n_annotators"]),
                     page.generations.frame, focus, metric_name)
    st.subheader("RLVR vs RLHF on this item" if focus.is_pair else "Humans and the runs shown first")
    st.caption(plain(focus.sentence))
    if metric_name != sl.metric:
        st.caption(f"{METRICS.get(sl.metric).label} is computed over a whole slice, not per item; on this "
                   f"item the runs are compared by {METRICS.get(metric_name).label}.")
    item_pair.gap_headline(view)
    item_pair.focus_chart(view)
    item_pair.gap_table(view.gaps)
    item_pair.side_by_side(view, page.generations.message)
    item_pair.other_runs(view.ranked, metric_name)

# ------------------------------------------------------------------ humans
st.subheader("The annotation: humans' labels, annotators, guideline")
if isinstance(item["metadata"], str) and item["metadata"]:
    with st.expander("Item metadata"):
        st.code(json.dumps(json.loads(item["metadata"]), indent=2, ensure_ascii=False), language=None)
if isinstance(item["guideline"], str) and item["guideline"]:
    st.caption("Annotation guideline")
    st.text(item["guideline"])
if human.ok:
    cols = st.columns([1, 2])
    with cols[0]:
        st.markdown("**Human labels**")
        data_table(human.frame, column_config={
            "share": st.column_config.ProgressColumn("share", format="%.2f", min_value=0, max_value=1)})
        download_csv(human.frame, f"{item_id}-human.csv")
    with cols[1]:
        st.markdown("**Annotators**")
        ann = page.annotations
        if ann.ok:
            data_table(ann.frame, height=min(400, 35 * (len(ann.frame) + 1) + 3))
            download_csv(ann.frame, f"{item_id}-annotators.csv")
        else:
            st.info(plain(ann.message))
    if page.annotations.ok:
        show_item_groups(sl, task_id, item_id)
else:
    st.warning(plain(human.message))

# ------------------------------------------------------------------ per-model metrics
st.subheader("Per-model metrics")
if models.ok:
    metric = METRICS.get(sl.metric)
    table = made_once(_metrics_table, models.frame)
    st.caption(f"One row per model run of the slice. Slice metric: {metric.label} "
               f"({metric.direction_text}); definitions are on the Data page.")
    data_table(table, width="stretch", height=35 * (len(table) + 1) + 3, column_config={
        m: st.column_config.NumberColumn(METRICS.get(m).label, format="%.3f", help=METRICS.get(m).axis_title)
        for m in ITEM_METRICS})
    download_csv(table, f"{item_id}-model-metrics.csv")
else:
    st.info(plain(models.message))

# ------------------------------------------------------------------ raw samples
st.subheader("Model outputs")
gens = page.generations
if gens.ok:
    st.caption("Each run's raw answers and reasoning traces, shown as plain text. Click a run to open it.")
    for run_id, head in made_once(_sample_heads, gens.frame):
        # lazy: a run's samples are drawn only once its expander is opened (they were most of the
        # page's elements, and of its CPU, for every visitor whether or not they looked)
        with st.expander(plain(head), expanded=item_nav.was_open(run_id), key=f"samples_{run_id}",
                         on_change="rerun") as box:
            item_nav.remember_open(run_id, box.open)  # the next item opens the same runs
            if not box.open:
                continue
            g = gens.frame[gens.frame["run_id"] == run_id]
            if len(g) > MAX_SAMPLES:
                st.caption(f"Showing the first {MAX_SAMPLES} of {len(g)} samples; the CSV below has all.")
            for s in g.head(MAX_SAMPLES).itertuples():
                with st.container(border=True):
                    st.caption(plain(f"Sample {s.sample_idx}"
                                     + (f" · annotator {s.annotator_id}" if isinstance(s.annotator_id, str) else "")
                                     + f" · parsed: {s.parsed} · finish: {s.finish_reason}"
                                     + (f" · error: {s.error}" if isinstance(s.error, str) else "")))
                    if isinstance(s.reasoning_text, str) and s.reasoning_text:
                        st.markdown("**Reasoning trace**")
                        st.text(s.reasoning_text)
                    st.markdown("**Answer**")
                    st.code(s.output_text if isinstance(s.output_text, str) else "(no answer)", language=None,
                            wrap_lines=True)
    download_csv(gens.frame, f"{item_id}-samples.csv", "Download all samples as CSV")
else:
    st.info(plain(gens.message))

st.subheader("Review")  # verdicts and notes (reviews/), and the review sets holding the item
item_review_panel(task_id, item_id, sorted(set(models.frame["model_type"])) if models.ok else [])

share_link("Permalink to this item")
item_nav.step_links(near, links, back, "bottom")  # the page is long: the steps are at its end too
item_nav.to_top_on_a_new_item(task_id, item_id)
