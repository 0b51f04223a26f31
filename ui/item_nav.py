"""Moving between the Items list and the Item page without losing one's place: previous/next
links (shown above and below the long Item page), "Back to the list" with the list's slice,
order, pair and the page holding the item, and reasoning sections that stay open across steps."""
from __future__ import annotations

import hashlib

import pyarrow as pa
import streamlit as st

from data_layer.queries import item_order as q_order
from data_layer.slice import Slice
from data_layer.store import Result
from ui.colours import CAME_FROM_ROW
from ui.text import plain_md

ITEMS_PAGE_SIZE = 25  # rows per page of the Items table; also places an item on its page
CAME_FROM = "from"  # Items-page URL key: the item ("task/item") whose row the list marks
OPEN_SECTIONS = "item_open_sections"  # run ids whose samples the user opened (kept across items)
CAME_FROM_TINT = f"background-color: {CAME_FROM_ROW}"  # a pale marker that is no model type's colour


def list_params(sl: Slice, order: q_order.ItemOrder, pos: int | None, task_id: str, item_id: str) -> dict:
    """The Items page's URL for the list this item belongs to: same slice and order, the page
    holding the item (`pos` is its 1-based place in that order), and the item to mark."""
    page = (pos - 1) // ITEMS_PAGE_SIZE + 1 if pos else 1
    return {**sl.to_params(), **order.to_params(), **({"page": str(page)} if page > 1 else {}),
            CAME_FROM: f"{task_id}/{item_id}"}


def came_from() -> tuple[str, str] | None:
    """(task, item) named by the Items page's `from` param, if any."""
    task, sep, item = (st.query_params.get(CAME_FROM) or "").partition("/")
    return (task, item) if sep and task and item else None


def step_links(near: Result, links: dict, back: dict, where: str) -> None:
    """Previous / position / next, and Back to the list. `links`: the slice and order params each
    step keeps; `back`: the Items page's params; `where` tells the top and bottom rows apart."""
    nav = st.columns([1, 1, 2, 1], vertical_alignment="center")
    nav[1].page_link("views/items.py", label="Back to the list", icon=":material/table_rows:",
                     query_params=back, help="The Items table in this order, at the page holding this item")
    if not near.ok:
        nav[2].caption(plain_md(near.message))
        return
    by_step = {int(s): r for s, r in zip(near.frame["step"], near.frame.itertuples(), strict=True)}
    here = by_step[0]
    if where == "top":
        nav[2].caption(f"Item {here.pos:,} of {here.total:,} in this slice, ordered by "
                       f"{q_order.SORTS[q_order.ItemOrder.from_params(links).sort]}")
    for step, col, label in ((-1, nav[0], "← Previous item"), (1, nav[3], "Next item →")):
        if step in by_step:
            col.page_link("views/item.py", label=label, query_params={
                "task": by_step[step].task_id, "item": by_step[step].item_id, **links})


def position(near: Result) -> int | None:
    if not near.ok:
        return None
    here = near.frame[near.frame["step"] == 0]
    return int(here["pos"].iloc[0]) if len(here) else None


def remember_open(run_id: str, is_open: bool) -> None:
    """Record whether a run's samples are open: Streamlit forgets widget state when a link opens
    another item, so the next item opens the same sections from this record."""
    opened = st.session_state.setdefault(OPEN_SECTIONS, set())
    (opened.add if is_open else opened.discard)(run_id)


def was_open(run_id: str) -> bool:
    return run_id in st.session_state.get(OPEN_SECTIONS, set())


def mark_came_from(keys: list[tuple[str, str]], table):
    """The Items table (a frame or an Arrow table; `keys`: each row's task and item), with the row
    of the item the user came back from ("Back to the list") tinted and named in a caption, as a
    pandas Styler; the table unchanged when that item is not on this page."""
    where = came_from()
    hit = [i for i, key in enumerate(keys) if key == where] if where else []
    if not hit:
        return table
    if isinstance(table, pa.Table):
        table = table.to_pandas()
    st.caption(f":material/keyboard_return: Row {hit[0] + 1:d} of this page is the item you came back "
               f"from, {plain_md(where[1])}.")
    mark = table.index[hit[0]]
    return table.style.apply(lambda r: [CAME_FROM_TINT if r.name == mark else ""] * len(r), axis=1)


LAST_SHOWN = "item_last_shown"  # (task, item) the Item page showed last in this session


def to_top_on_a_new_item(task_id: str, item_id: str) -> None:
    """Scroll back to the top when this run shows another item than the last one (a step from the
    links at the end of the long page would otherwise land at the end of the next item). Our own
    constant script; a hash of the item tells one step's element from the next (the id itself is
    store text and never goes into markup)."""
    last = st.session_state.get(LAST_SHOWN)
    st.session_state[LAST_SHOWN] = (task_id, item_id)
    if last is not None and last != (task_id, item_id):
        step = hashlib.sha1(f"{task_id}/{item_id}".encode()).hexdigest()[:12]
        st.html(f"<script>/* {step} */ document.querySelector('[data-testid=\"stMain\"]')"
                "?.scrollTo(0, 0);</script>", unsafe_allow_javascript=True)
