"""AppTest smoke over app.py on a real demo store."""

from tests.conftest import open_page, shown


def _run(query=None):
    return open_page(None, query)


def test_overview_renders_means_with_n(app_env):
    at = _run()
    assert "reasoning models" in at.title[0].value
    assert any("simulated demo data" in i.value.lower() for i in at.info)
    frame = at.dataframe[0].value
    assert {"model_type", "band", "mean", "n"} <= set(frame.columns)
    assert (frame["n"] > 0).all()


def test_query_params_set_the_widgets_and_the_counts(app_env):
    at = _run({"tasks": "demo-nli", "scheme": "highvar", "training": "rlvr,rlhf", "metric": "jsd"})
    assert at.multiselect(key="w_tasks").value == ["demo-nli"]
    assert at.selectbox(key="w_scheme").value == "highvar"
    assert shown(at.caption[0].value).startswith("all items (ni et al. highvar) of task demo-nli, RLHF vs RLVR models")
    frame = at.dataframe[0].value
    assert set(frame["band"]) <= {"rest", "highvar"}
    n_one_task = frame["n"].sum()
    at.multiselect(key="w_tasks").set_value(["demo-nli", "demo-sarcasm"]).run()
    assert at.dataframe[0].value["n"].sum() > n_one_task
    assert at.query_params["tasks"] == "demo-nli,demo-sarcasm"


def test_unknown_values_in_the_link_are_reported_not_fatal(app_env):
    at = _run({"tasks": "no-such-task", "metric": "tvdd"})
    assert any("Did you mean 'tvd'" in shown(w.value) for w in at.warning)
