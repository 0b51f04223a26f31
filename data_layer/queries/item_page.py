"""All the Item page loads for one item, in one call. The page needs six independent answers
(the item, its place in the ordered slice, the human labels, the model runs, the annotators,
the raw samples); they run two at a time, each on its own cursor. That saves less than half
their summed time: the placement's scans already use both cores and most of the five small
queries is pandas work under the interpreter lock (at 10M rows, 0-20% faster than one after another).
Placing the item in a slice no one has ranked yet (a shared link on a fresh server) is the
longest of them and is started first."""
from __future__ import annotations

from dataclasses import dataclass

from data_layer.queries import item, item_order
from data_layer.queries.common import run_concurrently
from data_layer.slice import Slice
from data_layer.store import Result, Store


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
    return ItemPage(**run_concurrently({
        "neighbours": (item_order.neighbours, store, sl, order, task_id, item_id),
        "models": (item.model_dists, store, sl, task_id, item_id),
        "detail": (item.item_detail, store, task_id, item_id),
        "generations": (item.generations, store, sl, task_id, item_id),
        "human": (item.human_counts, store, task_id, item_id),
        "annotations": (item.annotations, store, task_id, item_id)}))
