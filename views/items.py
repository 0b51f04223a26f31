"""Items: every item of the slice, paged, sortable, searchable; a click opens the item."""
from __future__ import annotations

import math

import pyarrow as pa
import streamlit as st

from data_layer.metrics import METRICS
from data_layer.queries import items
from ui.charts import data_table, made_once
from ui.data import location, q
from ui.export import download_csv
from ui.item_nav import mark_came_from
from ui.items_table import PAGE_SIZE, runs_of, table_page
from ui.page import start_page
from ui.review_panels import gap_check, make_set_panel, review_column
from ui.share import share_link
from ui.state import page_param, set_page_param
from ui.text import plain_md

ORDER_LABELS = {True: "largest first", False: "smallest first"}

sl = start_page("Items")
metric = METRICS.get(sl.metric)
url_order = items.ItemOrder.from_params({k: page_param(k) for k in items.ORDER_KEYS})


def _seed(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _pick(key: str, options: list, url_value, default):
    """Seed a selectbox from the URL (falling back to `default` for values not offered)."""
    _seed(key, url_value if url_value in options else default)
    if st.session_state[key] not in options:
        st.session_state[key] = default


where = location()
runs = made_once(runs_of, where, sl)
run_ids, run_labels, pair_keys = runs.ids, runs.labels, runs.pair_keys

top = st.columns([3, 2, 1])
_seed("it_q", url_order.search)
search = top[0].text_input("Search the item text or id", key="it_q", placeholder="e.g. referee",
                           help="Case-insensitive; % and _ are matched literally.")
per_item = metric.level == "item"  # slice-level metrics (var_corr, ...) have no per-item value
sorts = [s for s in items.SORTS if s == "entropy" or per_item and (run_ids if s == "divergence" else pair_keys)]
_pick("it_sort", sorts, url_order.sort, "entropy")
sort = top[1].selectbox("Sort by", sorts, key="it_sort", format_func=items.SORTS.get)
_seed("it_desc", url_order.descending)
descending = top[2].selectbox("Order", [True, False], key="it_desc", format_func=ORDER_LABELS.get)

pick = st.columns(2)
run = rlvr = rlhf = None
if run_ids:  # default: the first pair's RLVR run, so the divergence and gap columns agree
    _pick("it_run", run_ids, url_order.run, pair_keys[0].partition(items.PAIR_SEP)[0] if pair_keys else run_ids[0])
    run = pick[0].selectbox(f"Model run for the “{metric.label}” column", run_ids, key="it_run",
                            format_func=run_labels.get)
else:
    pick[0].info(plain_md(runs.message))
if pair_keys:
    _pick("it_pair", pair_keys, f"{url_order.rlvr}{items.PAIR_SEP}{url_order.rlhf}", pair_keys[0])
    rlvr, _, rlhf = pick[1].selectbox("RLVR vs RLHF pair for the gap column", pair_keys, key="it_pair",
                                      format_func=runs.pair_labels.get).partition(items.PAIR_SEP)
else:
    pick[1].info(plain_md(runs.pairs_message))

order = items.ItemOrder(sort=sort, descending=descending, run=run, rlvr=rlvr, rlhf=rlhf,
                        search=search.strip())
for key in items.ORDER_KEYS:
    set_page_param(key, order.to_params().get(key))

# Paging: a new ordering or search starts again at page 1.
total = q(items.count_items, sl, order)
n_pages = max(1, math.ceil(total / PAGE_SIZE))
if st.session_state.get("it_last_order", order) != order:
    st.session_state["it_page"] = 1
st.session_state["it_last_order"] = order
try:
    _seed("it_page", int(page_param("page") or 1))
except ValueError:
    _seed("it_page", 1)
st.session_state["it_page"] = min(max(1, st.session_state["it_page"]), n_pages)

res = made_once(table_page, where, sl, order, st.session_state["it_page"])
if not res.ok:
    st.info(plain_md(res.message))
    share_link()
    st.stop()
review = pa.array(review_column(res.keys), pa.string())  # the newest review verdict of each item (reviews/)
table = res.table.set_column(res.table.num_columns - 1, "review", review)
if not per_item:
    st.caption(f"{metric.label} is computed over a whole slice, not per item, so the table shows no "
               "per-item values; pick a per-item metric in the sidebar to sort by divergence or gap.")
st.markdown(f"**{total:,} item{'s' * (total != 1)}** in this slice · showing {res.first:d}–{res.last:d}, "
            f"sorted by {items.SORTS[sort]}, {ORDER_LABELS[descending]} · click a row to open the item")


def _open_item(task_id: str, item_id: str) -> None:
    st.switch_page("views/item.py", query_params={"task": task_id, "item": item_id,
                                                  **sl.to_params(), **order.to_params()})


def _picked() -> None:
    """The keyboard's way in (the table's rows take mouse clicks only): the picked row is kept
    for this run and the picker emptied, so that coming back to the list does not reopen it."""
    i = st.session_state.get("it_open")
    if i is not None and i < len(res.keys):
        st.session_state["it_open_item"] = res.keys[i]
    st.session_state["it_open"] = None


if picked := st.session_state.pop("it_open_item", None):
    _open_item(*picked)
st.selectbox("Open an item of this page (type part of its id or text, then Enter)", list(range(len(res.keys))),
             index=None, key="it_open", on_change=_picked, placeholder="Choose an item to open",
             format_func=res.openable.__getitem__)
# the row "Back to the list" returned to, tinted (then a pandas Styler of the table)
event = data_table(mark_came_from(res.keys, table), column_config=res.config,
                   width="stretch", on_select="rerun", selection_mode="single-row", key="items_table",
                   height=35 * (len(res.keys) + 1) + 3)
if event.selection.rows:
    _open_item(*res.keys[event.selection.rows[0]])

nav = st.columns([1, 2, 3], vertical_alignment="bottom")
nav[0].number_input("Page", min_value=1, max_value=n_pages, step=1, key="it_page")
nav[1].markdown(f"page {st.session_state['it_page']:,} of {n_pages:,}")
set_page_param("page", str(st.session_state["it_page"]) if st.session_state["it_page"] > 1 else None)
with nav[2]:
    download_csv(table, f"items-page-{st.session_state['it_page']}.csv", "Download this page as CSV")
gap_check(sl, rlvr, rlhf)
make_set_panel(sl, order, total, runs.pairs)
share_link()
