"""The sidebar's annotator-group controls: a grouping attribute the slice's tasks have, then one of
its groups (with annotator and rating counts; few-annotator groups and `unknown` labelled so)."""
from __future__ import annotations

import streamlit as st

from data_layer.groups import MIN_GROUP_ANNOTATORS
from data_layer.queries import group_views
from data_layer.slice import Slice
from ui.data import q

NONE = ""


def seed_group_widgets(sl: Slice, force: bool) -> None:
    """From the slice; but a page opened by a link that names a group (the Perspectives page's "open
    a group's view") takes the link's group, which the session's slice does not know yet."""
    linked = force and "groupby" in st.query_params
    for key, param, value in (("w_groupby", "groupby", sl.group_by), ("w_group", "group", sl.group)):
        if linked:
            st.session_state[key] = st.query_params.get(param, NONE)
        elif force or key not in st.session_state:
            st.session_state[key] = value


def group_controls(tasks: tuple[str, ...]) -> tuple[str, str]:
    """(group_by, group) picked in the sidebar; values the slice's tasks do not have are reset."""
    attrs = q(group_views.attribute_options, Slice(tasks=tasks))
    if not len(attrs):
        st.session_state["w_groupby"], st.session_state["w_group"] = NONE, NONE
        st.caption("Annotator groups: none (no task of the slice has annotator demographics).")
        return NONE, NONE
    labels = dict(zip(attrs["attribute"], attrs["label"], strict=True))
    if st.session_state.get("w_groupby") not in (NONE, *labels):
        st.session_state["w_groupby"] = NONE
    group_by = st.selectbox("Annotator groups", [NONE, *labels], key="w_groupby",
                            format_func=lambda a: labels.get(a, "No grouping"),
                            help="Group annotators by a demographic attribute the data has (see the "
                                 "Perspectives page); the chosen group's distribution then shows on the "
                                 "Items and Item pages.")
    if not group_by:
        st.session_state["w_group"] = NONE
        return NONE, NONE
    groups = q(group_views.group_options, Slice(tasks=tasks), group_by)
    frame = groups.frame if groups.ok else None
    names = [] if frame is None else [str(g) for g in frame["group_name"]]
    if st.session_state.get("w_group") not in (NONE, *names):
        st.session_state["w_group"] = NONE
    info = {} if frame is None else {str(r.group_name): r for r in frame.itertuples()}

    def fmt(g: str) -> str:
        if g == NONE:
            return "All groups"
        r = info[g]
        mark = f", fewer than {MIN_GROUP_ANNOTATORS} annotators" if r.few_annotators else ""
        return f"{g} ({r.n_annotators} annotators, {r.n_ratings:,} ratings{mark})"

    group = st.selectbox("Group", [NONE, *names], key="w_group", format_func=fmt,
                         help="One group: the Items table shows its distribution beside the crowd's (blank where "
                              "it did not rate the item, marked where it gave fewer than 2 ratings).")
    return group_by, group
