"""The Items table's annotator-group columns: the slice's chosen group's label distribution beside
the crowd's, with the number of its ratings on each item (blank where it rated none)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_layer.groups import GROUP_ATTRIBUTES, MIN_GROUP_RATINGS
from data_layer.queries import group_views
from data_layer.slice import Slice
from ui.colours import GROUP as GROUP_COLOUR
from ui.data import q
from ui.text import plain_md


def add_group_columns(sl: Slice, page: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str], dict]:
    """(table with `group` and `group n` columns, their names, their column config)."""
    keys = tuple(zip(page["task_id"].astype(str), page["item_id"].astype(str), strict=True))
    found = q(group_views.group_distributions, sl, keys)
    by_item = {(t, i): (p, n, thin) for t, i, p, n, thin in found.itertuples(index=False)}
    got = [by_item.get(k) for k in keys]
    table = table.assign(**{"group": [None if g is None else list(g[0]) for g in got],
                            "group n": [None if g is None else int(g[1]) for g in got]})
    name = f"{GROUP_ATTRIBUTES.get(sl.group_by).label} = {sl.group}"  # the group comes from the URL
    config = {
        "group": st.column_config.BarChartColumn(
            "group", y_min=0, y_max=1, color=GROUP_COLOUR, width=75,
            help=f"Label shares of the annotators with {plain_md(name)} on the item (blank: none of them rated it)."),
        "group n": st.column_config.NumberColumn(
            "group n", width=70, help=f"Ratings by {plain_md(name)} on the item; under {MIN_GROUP_RATINGS} the "
                                      "group's distribution is thin (marked on the Item page)."),
    }
    return table, ["group", "group n"], config
