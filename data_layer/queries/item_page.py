"""All the Item page loads for one item, in one call. The page needs six independent answers
(the item, its place in the ordered slice, the human labels, the model runs, the annotators,
the raw samples); they run two at a time, one per core, each on its own cursor, so the page
waits for about half their summed time. Placing the item in a slice no one has ranked yet
(a shared link on a fresh server) is the longest of them and is started first."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from data_layer.queries import item, item_order
from data_layer.slice import Slice
from data_layer.store import Result, Store

# Shared by every session of the process: at most two of the page's queries run at once (the
# machine the issue targets has two cores; more workers only contend for them).
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="item-page")


@dataclass(frozen=True)
class ItemPage:
    detail: Result  # item.item_detail
    neighbours: Result  # item_order.neighbours
    human: Result  # item.human_counts
    models: Result  # item.model_dists
    annotations: Result  # item.annotations
    generations: Result  # item.generations


def item_page(store: Store, sl: Slice, order: item_order.ItemOrder, task_id: str, item_id: str) -> ItemPage:
    """The Item page's answers for `task_id`/`item_id` under the slice's run filters and the
    order that previous/next follow (see each query for its columns and empty messages)."""
    calls = {"neighbours": (item_order.neighbours, sl, order, task_id, item_id),
             "models": (item.model_dists, sl, task_id, item_id),
             "detail": (item.item_detail, task_id, item_id),
             "generations": (item.generations, sl, task_id, item_id),
             "human": (item.human_counts, task_id, item_id),
             "annotations": (item.annotations, task_id, item_id)}
    running = {name: _POOL.submit(fn, store, *args) for name, (fn, *args) in calls.items()}
    return ItemPage(**{name: future.result() for name, future in running.items()})
