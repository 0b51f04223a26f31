"""AppTest over the Overview, Bands and Models pages on the real demo store, and the shared
panel helper (a failing panel shows an inline error, the rest of the page still renders)."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, shown

PAGES = ["overview", "bands", "models"]


def _open(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _n_total(at: AppTest, index: int) -> int:
    return int(at.dataframe[index].value["n"].sum())


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_charts_tables_and_csv(app_env, page):
    at = _open(page)
    assert at.title[0].value and at.caption[0].value.startswith("all items")
    charts = at.get("plotly_chart")
    assert charts, "no chart rendered"
    for chart in charts:
        assert '"toImageButtonOptions": {"format": "png"' in chart.proto.config  # PNG from the toolbar
    assert len(at.get("download_button")) == len(at.dataframe) >= 1  # every table has its CSV button


@pytest.mark.parametrize("page", ["bands", "models"])
def test_query_params_set_the_widgets(app_env, page):
    at = _open(page, {"tasks": "demo-nli", "metric": "jsd", "scheme": "tertile", "training": "rlvr,rlhf"})
    assert at.multiselect(key="w_tasks").value == ["demo-nli"]
    assert at.selectbox(key="w_metric").value == "jsd"
    assert at.selectbox(key="w_scheme").value == "tertile"
    assert at.multiselect(key="w_training").value == ["rlhf", "rlvr"]
    assert "of task demo-nli" in shown(at.caption[0].value)


def test_models_changing_a_filter_changes_counts(app_env):
    at = _open("models", {"tasks": "demo-nli"})
    assert set(at.dataframe[0].value["n"]) == {320}  # one row per run, 320 items each
    at.multiselect(key="w_tasks").set_value(["demo-nli", "demo-sarcasm"]).run()
    assert set(at.dataframe[0].value["n"]) == {640}
    assert at.query_params["tasks"] == "demo-nli,demo-sarcasm"


def test_bands_changing_a_filter_changes_counts(app_env):
    at = _open("bands", {"tasks": "demo-nli"})
    rates = at.dataframe[-1].value
    assert {"over", "under", "n"} <= set(rates.columns)
    before = _n_total(at, -1)
    at.multiselect(key="w_tasks").set_value(["demo-nli", "demo-offensive"]).run()
    assert _n_total(at, -1) == 2 * before


def test_overview_states_the_result_for_aggregate_metrics(app_env):
    at = _open("overview", {"metric": "var_corr"})
    headline = next(shown(m.value) for m in at.markdown if "n=" in shown(m.value))  # the model-type sentence
    assert "Variance correlation" in headline and "higher is better" in headline and "n=" in headline
    assert "no per-item noise floor" in " ".join(c.value for c in at.caption)


def test_overview_explains_an_undefined_aggregate_instead_of_charting(app_env):
    at = _open("overview", {"metric": "var_corr", "models": "baseline:uniform", "tasks": "demo-nli"})
    assert sum("undefined on these items" in i.value for i in at.info) == 1  # a constant prediction
    charts = [json.loads(c.proto.spec)["layout"]["xaxis"]["title"]["text"] for c in at.get("plotly_chart")]
    assert all(t.startswith("RLVR − RLHF sibling") for t in charts)  # only the verdict's gap chart
    assert any("ignores the slice's" in c.value for c in at.caption)  # the verdict pairs other models


def _store(app_env):
    from data_layer.store import Store
    return Store(app_env)


def _verdict_md(at) -> str:
    """The Overview's verdict: the one markdown heading of the page's first panel."""
    return next(m.value for m in at.markdown if m.value.startswith("#### "))


def test_overview_sentence_is_the_verdict_with_its_n_and_interval(app_env):
    from data_layer.slice import Slice
    from data_layer.verdict import verdict, verdicts_by_band
    at = _open("overview")
    v = verdict(_store(app_env), Slice())
    sentence = shown(_verdict_md(at))
    assert sentence == f"#### {v.sentence}" and v.word in sentence
    assert f"{v.n:,} items" in sentence and f"{v.lo:+.3f} to {v.hi:+.3f}" in sentence
    by_band = shown(next(m.value for m in at.markdown if m.value.startswith("**By band**")))
    for band, bv in verdicts_by_band(_store(app_env), Slice()):
        assert f"**{band}**" in by_band and f"{bv.lo:+.3f} to {bv.hi:+.3f}" in by_band and f"n = {bv.n:,}" in by_band
    rules = next(e for e in at.expander if "How the sentence is decided" in e.label)
    assert "only when the whole interval lies on one side of zero" in rules.caption[0].value
    # the sentence follows the slice
    at.multiselect(key="w_tasks").set_value(["demo-nli"]).run()
    v2 = verdict(_store(app_env), Slice(tasks=("demo-nli",)))
    assert shown(_verdict_md(at)) == f"#### {v2.sentence}" != sentence and "320 items" in _verdict_md(at)
    assert f"{v2.lo:+.3f} to {v2.hi:+.3f}" in shown(_verdict_md(at))


def test_overview_shows_intervals_and_the_noise_floor(app_env):
    from data_layer.queries.noise_floor import noise_floor
    from data_layer.slice import Slice
    at = _open("overview", {"metric": "jsd"})
    table = at.dataframe[0].value
    assert {"lo", "hi", "noise_floor", "n_items"} <= set(table.columns)
    assert (table["lo"] <= table["mean"]).all() and (table["mean"] <= table["hi"]).all()
    assert (table["hi"] > table["lo"]).all()
    floor = noise_floor(_store(app_env), Slice(metric="jsd"), True).frame.set_index("band")["noise_floor"]
    assert (table["noise_floor"].round(12) == table["band"].map(floor).round(12)).all()
    # each chart with its phone twin (ui.charts.show_chart): the paired gap's two, then these
    charts = at.get("plotly_chart")
    main, per_task = charts[2], charts[4]
    assert '"error_y"' in main.proto.spec and '"arrayminus"' in main.proto.spec
    spec = json.loads(main.proto.spec)
    assert any((t.get("name") or "").startswith("Noise floor") for t in spec["data"])
    dashed = [sh["y0"] for sh in spec["layout"]["shapes"] if sh["line"].get("dash") == "dash"]
    assert sorted(round(y, 12) for y in dashed) == sorted(round(y, 12) for y in floor)
    assert '"error_y"' in per_task.proto.spec
    assert any("noise floor" in c.value for c in at.caption)


def _values(v) -> list:
    """A plotly array as the chart spec carries it: a list, or base64 with its dtype."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def test_overview_per_task_chart_puts_each_task_under_its_title(app_env):
    """Every bar of the small multiples sits in the subplot titled with its task and shows that
    task's mean for its model type and band."""
    from data_layer.queries.intervals import means_with_intervals
    from data_layer.slice import Slice
    at = _open("overview", {"metric": "kl"})
    spec = json.loads(at.get("plotly_chart")[4].proto.spec)  # after the paired-gap and main charts and their phone twins
    layout = spec["layout"]
    want = means_with_intervals(_store(app_env), Slice(metric="kl"), ("model_type", "band", "task_id")).frame
    want = want.set_index(["task_id", "model_type", "band"])["mean"]
    titles = {}
    for a in layout["annotations"]:  # a subplot title sits centred above its axes
        for name, ax in layout.items():
            if name.startswith("xaxis"):
                y = layout["yaxis" + name[5:]]["domain"]
                if abs(sum(ax["domain"]) / 2 - a["x"]) < 1e-9 and abs(y[1] - a["y"]) < 1e-9:
                    titles["x" + name[5:]] = a["text"]
    assert sorted(titles.values()) == sorted(want.index.get_level_values(0).unique())
    checked = 0
    for trace in spec["data"]:
        task = titles[trace.get("xaxis", "x")]
        for band, y in zip(_values(trace["x"]), _values(trace["y"]), strict=True):
            assert y == pytest.approx(want[(task, trace["name"], band)], rel=1e-12)
            checked += 1
    assert checked == want.notna().sum()


def test_models_shows_paired_comparisons_and_win_rates(app_env):
    from data_layer.queries.paired import paired_comparisons
    from data_layer.queries.winrates import win_rates
    from data_layer.slice import Slice
    at = _open("models")
    frames = {tuple(d.value.columns): d.value for d in at.dataframe}
    paired = next(v for k, v in frames.items() if "reading" in k)
    want = paired_comparisons(_store(app_env), Slice(), ("band",)).frame
    assert len(paired) == len(want) and list(paired["n"]) == list(want["n"])
    assert list(paired["p"].round(12)) == list(want["p"].round(12))
    assert set(paired["comparison"]) == {"RLVR − RLHF sibling", "thinking on − thinking off", "CoT − no CoT",
                                         "verbalized − sampling"}
    assert "RLHF sibling better" in set(paired["reading"])  # verdicts named by side
    forest = next(c for c in at.get("plotly_chart") if "left side better" in c.proto.spec)
    assert '"error_x"' in forest.proto.spec
    wins = next(v for k, v in frames.items() if "win_rate" in k)
    table = win_rates(_store(app_env), Slice(), ).frame
    assert set(wins["comparison"]) == set(table["comparison"])
    assert {"ties", "n", "p"} <= set(wins.columns)
    assert any("ties count as wins for the left side" in c.value and "better of its RLHF sibling" in c.value
               for c in at.caption)
    at.radio(key="w_paired_by").set_value("task_id").run()
    assert at.query_params["paired_by"] == "task_id"
    by_task = next(d.value for d in at.dataframe if "reading" in d.value.columns)
    assert "task_id" in by_task.columns and by_task["task_id"].nunique() == 4


def test_leaderboard_marks_each_metrics_best_and_worst_run(app_env):
    """The leaderboard names, for every metric, the run with the best value (a violet pill) and
    the worst (a grey one), by the metric's direction, and says them in words under the table."""
    from data_layer.metrics import METRICS
    from ui.colours import BETTER, WORSE
    at = _open("models", {"metric": "jsd"})
    board = at.dataframe[0]
    table = board.value
    assert list(table.columns[:2]) == ["display_name", "marks"]
    assert table["jsd ↓"].is_monotonic_increasing  # sorted by the slice's metric, best first
    for m in ("jsd", "majority_match", "entropy_gap"):
        direction = METRICS.get(m).direction
        column = table[next(c for c in table.columns if c.split(" ")[0] == m)]
        key = column.abs() if direction == "zero" else -column if direction == "higher" else column
        label = METRICS.get(m).label
        best = {i for i, marks in enumerate(table["marks"]) if any(x.startswith(f"best: {label} ") for x in marks)}
        worst = {i for i, marks in enumerate(table["marks"]) if any(x.startswith(f"worst: {label} ") for x in marks)}
        assert best == set(np.flatnonzero(key == key.min())) and worst == set(np.flatnonzero(key == key.max()))
    options = json.loads(board.proto.columns)["marks"]["type_config"]["options"]
    assert {o["color"] for o in options if o["value"].startswith("best")} == {BETTER}
    assert {o["color"] for o in options if o["value"].startswith("worst")} == {WORSE}
    first = table.iloc[0]
    words = next(shown(c.value) for c in at.caption if c.value.startswith("**In words:** Best"))
    assert f"{first['display_name']} (" in words and "Jensen–Shannon divergence ↓" in words.split("Worst:")[0]


def test_models_paired_table_for_an_aggregate_metric_has_no_empty_p_column(app_env):
    at = _open("models", {"metric": "var_corr", "tasks": "demo-nli"})
    paired = next(d.value for d in at.dataframe if "reading" in d.value.columns)
    assert "p" not in paired.columns and paired[["diff", "lo", "hi"]].notna().all().all()
    assert any("no Wilcoxon p" in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["models", "overview"])
def test_aggregate_metric_on_a_large_slice_shows_values_without_interval(app_env, monkeypatch, page):
    """Above the large-slice threshold an aggregate metric has exact paired values but no
    interval: the pages show the values and say why there is no interval or verdict."""
    from data_layer.queries import large_n
    monkeypatch.setattr(large_n, "LARGE_N_ROWS", 10)
    at = _open(page, {"metric": "var_corr"})
    assert not at.exception and not at.error
    text = " ".join([*(c.value for c in at.caption), *(m.value for m in at.markdown), *(i.value for i in at.info)])
    if page == "models":
        paired = next(d.value for d in at.dataframe if "reading" in d.value.columns)
        assert len(paired) and paired["diff"].notna().all() and paired["lo"].isna().all()
        assert set(paired["reading"]) == {"no interval (large slice)"}
    assert "no interval" in text


def test_bands_chart_has_intervals_and_the_noise_floor_per_band(app_env):
    from data_layer.queries.noise_floor import noise_floor
    from data_layer.slice import Slice
    at = _open("bands")
    binned = next(c for c in at.get("plotly_chart") if "Noise floor of the band" in c.proto.spec)
    assert '"error_y"' in binned.proto.spec
    floor = noise_floor(_store(app_env), Slice(), True).frame
    text = " ".join(c.value for c in at.caption)
    for r in floor.itertuples():
        assert f"{r.band} {r.noise_floor:.3f} (n = {r.n:,} items)" in text


@pytest.mark.parametrize("page", ["overview", "models"])
def test_empty_slice_explains_once_instead_of_charting(app_env, page):
    at = _open(page, {"models": "sim-base-8b", "method": "verbalized"})  # never run verbalized
    assert not at.get("plotly_chart") and not at.dataframe
    assert [i.value for i in at.info if "Nothing is scored" in i.value] and len(at.info) == 1  # the simulated-data line is an expander now


def test_bands_keeps_the_human_side_when_no_run_matches(app_env):
    at = _open("bands", {"models": "sim-base-8b", "method": "verbalized"})
    assert len(at.get("plotly_chart")) == 2  # the human entropy histogram and its phone twin
    assert sum("No scored items" in i.value for i in at.info) == 3


def test_bands_page_explains_when_a_chart_needs_a_per_item_metric(app_env):
    at = _open("bands", {"metric": "f1", "scheme": "highvar"})
    assert any("per-item metric" in shown(i.value) for i in at.info)
    assert any("not defined by cuts on entropy" in shown(c.value) for c in at.caption)


def _panel_script():
    import sys
    sys.path.insert(0, ".")
    import streamlit as st

    from data_layer.store import Result
    from ui.panel import need, panel
    with panel("First"):
        raise RuntimeError("boom")
    with panel("Second"):
        need(Result(None, "nothing in this slice"))
    with panel("Third"):
        st.write("still here")


def test_a_failing_panel_shows_an_error_and_the_page_goes_on(app_env):
    at = AppTest.from_function(_panel_script, default_timeout=30).run()
    assert not at.exception
    assert "boom" in at.error[0].value and "rest of the page" in at.error[0].value
    assert at.info[0].value == "nothing in this slice"
    assert at.markdown[-1].value == "still here"
    assert [s.value for s in at.subheader] == ["First", "Second", "Third"]


def test_every_page_offers_a_link_that_reproduces_the_view(app_env):
    at = _open("bands", {"tasks": "demo-nli", "metric": "kl"})
    link = at.code[-1].value
    assert "tasks=demo-nli" in link and "metric=kl" in link
    at.selectbox(key="w_scheme").set_value("highvar").run()
    assert "scheme=highvar" in at.code[-1].value


def test_the_slice_survives_a_page_switch(app_env):
    at = _open("overview", {"tasks": "demo-nli", "metric": "jsd"})
    at.switch_page("views/models.py").run()
    assert at.multiselect(key="w_tasks").value == ["demo-nli"] and at.selectbox(key="w_metric").value == "jsd"
    assert at.query_params["tasks"] == "demo-nli" and "of task demo-nli" in shown(at.caption[0].value)
