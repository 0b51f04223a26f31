"""ui.charts.built_once: a chart is laid out once per distinct arguments and kept as a dict."""
import logging

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.charts import built_once


def test_built_once_lays_out_each_chart_once_per_arguments():
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no script run here: cache warnings only
    st.cache_data.clear()
    calls = []

    def bars(df: pd.DataFrame, title: str) -> go.Figure:
        calls.append(title)
        return go.Figure(go.Bar(x=df["x"], y=df["y"]), layout_title_text=title)

    df = pd.DataFrame({"x": ["low", "high"], "y": [0.2, 0.4]})
    first = built_once(bars, df, "tvd")
    again = built_once(bars, df.copy(), "tvd")  # equal arguments: the kept dict
    changed = built_once(bars, df.assign(y=[0.3, 0.4]), "tvd")  # other data: laid out again
    other = built_once(bars, df, "jsd")
    assert calls == ["tvd", "tvd", "jsd"]
    assert isinstance(first, dict) and first["layout"]["title"]["text"] == "tvd"
    same = pio.to_json(first, validate=False)
    assert pio.to_json(again, validate=False) == same != pio.to_json(changed, validate=False)
    assert other["layout"]["title"]["text"] == "jsd"
