"""AppTest smoke over app.py on a real demo store."""

from tests.conftest import open_page, shown


def _run(query=None):
    return open_page(None, query)


def test_overview_renders_means_with_n(app_env):
    at = _run()
    assert "reasoning models" in at.title[0].value
    banner = [e for e in at.expander if "simulated demo data" in e.label.lower()]  # one line, details inside
    assert len(banner) == 1 and "atlas build" in banner[0].markdown[0].value
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


def test_published_results_do_not_carry_the_simulated_data_line(app_env):
    """The paper's numbers do not depend on the store or the slice: no banner, no slice sentence."""
    at = open_page("views/published.py")
    assert not [e for e in at.expander if "simulated demo data" in e.label.lower()]
    assert not any(shown(c.value).startswith("all items") for c in at.caption)
