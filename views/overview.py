"""Overview: the question, answered for the current slice."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries import overview
from ui.charts import finish, show_chart, show_table, type_colours, type_order
from ui.data import q
from ui.page import start_page
from ui.panel import need, panel, stop_if_empty
from ui.share import share_link

sl = start_page("Are reasoning models worse at predicting human disagreement?")
stop_if_empty(sl)
metric = METRICS.get(sl.metric)
scheme = BAND_SCHEMES.get(sl.band_scheme)
AGG_NOTE = ("computed within each run and task over the slice's items, then averaged over runs and "
            "tasks weighted by their item counts")


def _bars(df: pd.DataFrame, by_task: bool):
    # small multiples carry only the small-n mark; exact values are in the hover and the table
    df = df.assign(label=[("" if by_task else f"{m:.2f}") + (" ⚠" if s else "")
                          for m, s in zip(df["mean"], df["small_n"], strict=True)])
    fig = px.bar(df, x="band", y="mean", color="model_type", barmode="group", text="label",
                 facet_col="task_id" if by_task else None, facet_col_wrap=2 if by_task else None,
                 facet_row_spacing=0.12 if by_task else None,
                 category_orders={"band": list(scheme.bands), "model_type": type_order(df["model_type"])},
                 color_discrete_map=type_colours(df["model_type"]), custom_data=["n", "small_n"],
                 labels={"mean": metric.axis_title, "band": "Human disagreement band",
                         "model_type": "Model type", "task_id": "Task"})
    fig.update_traces(textposition="outside", cliponaxis=False, textfont_size=15,
                      hovertemplate="%{x}: %{y:.3f}<br>n=%{customdata[0]:,}<extra>%{fullData.name}</extra>")
    fig.update_yaxes(title_font_size=18 if not by_task else 14, matches=None if by_task else "y")
    fig.update_xaxes(title_text="" if by_task else "Human disagreement band")
    return finish(fig, height=600 if not by_task else 380 * ((df["task_id"].nunique() + 1) // 2) + 80)


res = q(overview.means_by_band, sl)
with panel():
    df = need(res, show_note=False)
    st.markdown(f"#### {overview.headline(df, sl.metric, sl.band_scheme)}")
    if metric.level == "aggregate":
        st.caption(f"{metric.label} is {AGG_NOTE}. n counts the items that entered the computation. "
                   + res.message)
    show_chart(_bars(df, by_task=False), f"overview-{sl.metric}-by-band")
    st.caption(f"Bars: mean {metric.label} per model type and band; hover for n. ⚠ marks values "
               f"over fewer than {overview.SMALL_N} scored items. Bands: {scheme.definition}.")

with panel("Per task", help="Small multiples: the same chart for each task in the slice."):
    by_task = need(q(overview.means_by_band, sl, True), show_note=False)
    if by_task["task_id"].nunique() < 2:
        st.info("Only one task in this slice; the chart above is that task.")
    else:
        show_chart(_bars(by_task, by_task=True), f"overview-{sl.metric}-by-task")

with panel("The numbers"):
    table = need(res, show_note=False)
    cols = ["model_type", "band", "mean", "n", "small_n"] + (["task_id"] if "task_id" in table else [])
    show_table(table[[c for c in cols if c in table]], f"overview-{sl.metric}",
               column_config={"mean": st.column_config.NumberColumn(metric.label, format="%.4f",
                                                                    help=metric.axis_title),
                              "small_n": st.column_config.CheckboxColumn("small n ⚠")})

share_link()
