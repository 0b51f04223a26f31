"""Is there anything to analyse in this slice? (Scored run x item rows, in one count.)"""
from __future__ import annotations

from data_layer.slice import Slice
from data_layer.store import Store


def scored_rows(store: Store, sl: Slice) -> int:
    """Number of run x item rows with metrics in the slice."""
    where, params = sl.where()
    return int(store.scalar(f"SELECT count(*) FROM item_scores WHERE {where}", params) or 0)
