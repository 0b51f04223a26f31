"""Overview: the question, answered for the current slice."""
from __future__ import annotations

import plotly.express as px
import streamlit as st

from data_layer.facets import colour_for
from data_layer.metrics import METRICS
from data_layer.queries import overview
from ui.data import q
from ui.page import start_page

sl = start_page("Are reasoning models worse at predicting human disagreement?")
metric = METRICS.get(sl.metric)

res = q(overview.means_by_band, sl)
if not res.ok:
    st.info(res.message)
    st.stop()
df = res.frame
df["label"] = [f"{m:.3f}<br>n={n}" + (" ⚠" if s else "") for m, n, s in zip(df["mean"], df["n"], df["small_n"])]
fig = px.bar(df, x="band", y="mean", color="model_type", barmode="group", text="label",
             color_discrete_map={t: colour_for(t) for t in df["model_type"].unique()},
             labels={"mean": metric.axis_title, "band": "Human disagreement band", "model_type": "Model type"})
fig.update_layout(font_size=18, legend_title_text="Model type", height=520)
st.plotly_chart(fig, width="stretch")
st.dataframe(df.drop(columns=["label"]), hide_index=True)
