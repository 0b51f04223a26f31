"""The Item page's counts per annotator group: one table per grouping attribute the item's task has
(only the slice's attribute when one is chosen), groups as rows and labels as columns."""
from __future__ import annotations

import streamlit as st

from data_layer.groups import GROUP_ATTRIBUTES, MIN_GROUP_RATINGS
from data_layer.queries import group_views
from data_layer.slice import Slice
from ui.charts import data_table, made_once
from ui.data import q
from ui.export import download_csv
from ui.text import plain_md


def _by_group(counts):
    """Groups as rows (most ratings first), labels as columns."""
    wide = counts.pivot_table(index=["group_name", "n_ratings", "thin"], columns="label_name",
                              values="count", sort=False).reset_index()
    return wide.sort_values(["n_ratings", "group_name"], ascending=[False, True])


def show_item_groups(sl: Slice, task_id: str, item_id: str) -> None:
    attrs = q(group_views.attribute_options, Slice(tasks=(task_id,)))
    if not len(attrs):
        return
    names = [sl.group_by] if sl.group_by in set(attrs["attribute"]) else list(attrs["attribute"])
    st.markdown("**Labels per annotator group**")
    st.caption(f"Counts of each label by group; `thin` marks groups with fewer than {MIN_GROUP_RATINGS} "
               "ratings on this item. `unknown` holds annotators whose value is missing, expired or withheld.")
    # only the open tab is drawn (a pivot, a table and a CSV button each: a fifth of the Item page's CPU)
    tabs = st.tabs([plain_md(GROUP_ATTRIBUTES.get(a).label) for a in names], key="w_item_group_tab",
                   on_change="rerun")
    for tab, attribute in zip(tabs, names, strict=True):
        if not tab.open:
            continue
        with tab:
            res = q(group_views.item_group_counts, task_id, item_id, attribute)
            if not res.ok:
                st.info(plain_md(res.message))
                continue
            wide = made_once(_by_group, res.frame)
            labels = [c for c in wide.columns if c not in ("group_name", "n_ratings", "thin")]
            data_table(wide, width="stretch",  # label columns keep the task's own label names
                       column_config={c: st.column_config.NumberColumn(str(c)) for c in labels})
            download_csv(wide, f"{item_id}-groups-{attribute}.csv")
