"""ui.charts.built_once: a chart is laid out once per distinct arguments and kept, shared by
sessions, as a figure whose dict st.plotly_chart serialises as it is."""
import logging

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.charts import KeptFigure, built_once


def test_built_once_lays_out_each_chart_once_per_arguments():
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no script run here: cache warnings only
    st.cache_resource.clear()
    calls = []

    def bars(df: pd.DataFrame, title: str) -> go.Figure:
        calls.append(title)
        return go.Figure(go.Bar(x=df["x"], y=df["y"]), layout_title_text=title)

    df = pd.DataFrame({"x": ["low", "high"], "y": [0.2, 0.4]})
    first = built_once(bars, df, "tvd")
    again = built_once(bars, df.copy(), "tvd")  # equal arguments: the kept figure itself
    changed = built_once(bars, df.assign(y=[0.3, 0.4]), "tvd")  # other data: laid out again
    other = built_once(bars, df, "jsd")
    assert calls == ["tvd", "tvd", "jsd"]
    assert again is first and isinstance(first, KeptFigure)
    assert first.to_dict()["layout"]["title"]["text"] == "tvd" == first.layout.title.text
    same = pio.to_json(first, validate=False)
    assert same == pio.to_json(bars(df, "tvd"), validate=False) != pio.to_json(changed, validate=False)
    assert other.to_dict()["layout"]["title"]["text"] == "jsd"


def test_page_values_the_builder_reads_are_part_of_the_key():
    st.cache_resource.clear()
    page = {"metric": "tvd"}

    def titled(df: pd.DataFrame) -> go.Figure:  # reads a page value besides its argument
        return go.Figure(go.Bar(x=df["x"], y=df["y"]), layout_title_text=page["metric"])

    df = pd.DataFrame({"x": ["low"], "y": [0.2]})
    assert built_once(titled, df, also=("tvd",)).layout.title.text == "tvd"
    page["metric"] = "jsd"
    assert built_once(titled, df, also=("jsd",)).layout.title.text == "jsd"


def test_streamlit_takes_the_kept_dict_without_validating_it_again(monkeypatch):
    """st.plotly_chart revalidates a dict (go.Figure(**dict)) but takes a Figure's to_dict():
    the kept figure must stay on that path, or every render pays for the validation again."""
    import plotly.tools
    st.cache_resource.clear()
    kept = built_once(lambda: go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    validated = []
    real = go.Figure.__init__
    monkeypatch.setattr(go.Figure, "__init__", lambda self, *a, **k: (validated.append(1), real(self, *a, **k))[1])
    out = plotly.tools.return_figure_from_figure_or_data(kept, validate_figure=True)
    assert out is kept.to_dict() and not validated


def test_the_key_tells_apart_frames_whose_repr_is_the_same():
    """The digest reads every value: two long frames that differ only in rows a repr elides get
    their own kept sentence; arguments that cannot be pickled are refused, not keyed loosely."""
    import pytest

    from ui.charts import digest, said_once
    st.cache_resource.clear()
    a = pd.DataFrame({"x": range(200), "y": [0.5] * 200})
    b = a.assign(y=[0.5] * 100 + [0.25] + [0.5] * 99)
    assert repr(a) == repr(b) and digest(a) != digest(b)

    def total(df: pd.DataFrame) -> str:
        return f"{df['y'].sum():.2f}"

    assert (said_once(total, a), said_once(total, b)) == ("100.00", "99.75")
    with pytest.raises(TypeError, match="picklable"):
        digest(lambda: 1)


def test_the_kept_dict_is_the_json_itself():
    """The kept dict holds plain lists and numbers (numpy arrays and numbers went through plotly's
    encoder one by one on every render) and serialises to the figure's own JSON."""
    import json

    import numpy as np
    from _plotly_utils.utils import PlotlyJSONEncoder
    st.cache_resource.clear()
    fig = go.Figure(go.Scatter(x=np.arange(5), y=np.array([0.1, np.nan, 0.3, 0.4, 0.5]),
                               customdata=np.array([[1, "a"], [2, "b"], [3, "c"], [4, "d"], [5, "<e>"]], dtype=object),
                               name="n=<b>5</b>"), layout_title_text="é")
    kept = built_once(lambda: fig)
    assert pio.to_json(kept, validate=False) == pio.to_json(fig, validate=False)
    asked = []
    real = PlotlyJSONEncoder.default
    PlotlyJSONEncoder.default = lambda self, o: (asked.append(type(o)), real(self, o))[1]
    try:
        json.dumps(kept.to_dict(), cls=PlotlyJSONEncoder)
    finally:
        PlotlyJSONEncoder.default = real
    assert not asked


def test_made_once_derives_once_and_hands_out_copies():
    """A page's derived values are computed once per distinct arguments and shared; each caller
    gets its own copy of the frames in them, so a change made by one page reaches no other."""
    from ui.charts import made_once
    st.cache_resource.clear()
    calls = []

    def ranked(df: pd.DataFrame, by: str) -> tuple[pd.DataFrame, list]:
        calls.append(by)
        out = df.sort_values(by)
        return out, list(out["x"])

    df = pd.DataFrame({"x": ["low", "high"], "y": [0.4, 0.2]})
    first, order = made_once(ranked, df, "y")
    first["y"] = 0.0  # a careless page
    again, _ = made_once(ranked, df.copy(), "y")
    assert calls == ["y"] and order == ["high", "low"] and list(again["y"]) == [0.2, 0.4]
    made_once(ranked, df, "x")
    assert calls == ["y", "x"]
