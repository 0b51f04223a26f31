"""The sidebar's run counts follow the other filters, an option that would leave no run says so,
and "Reset filters" clears the slice in the session and the URL."""
from __future__ import annotations

from tests.conftest import open_page


def _runs(store, where: str = "TRUE") -> int:
    return int(store.scalar(f"SELECT count(*) FROM runs r JOIN models m USING (model_id) WHERE {where}"))


def test_counts_follow_the_other_filters(app_env, demo_store):
    at = open_page("views/models.py")
    reasoning = at.multiselect(key="w_reasoning")
    all_none = _runs(demo_store, "r.reasoning = 'none'")
    assert f"no CoT ({all_none} runs)" in reasoning.options
    at.multiselect(key="w_training").set_value(["rlhf"]).run()
    reasoning = at.multiselect(key="w_reasoning")
    rlhf_none = _runs(demo_store, "m.training = 'rlhf' AND r.reasoning = 'none'")
    assert 0 < rlhf_none < all_none
    assert f"no CoT ({rlhf_none} runs)" in reasoning.options
    assert "thinking (0 runs with the other filters)" in reasoning.options  # the demo's RLHF models do not think
    # and the other way round: the training counts follow the reasoning filter
    at.multiselect(key="w_reasoning").set_value(["native"]).run()
    training = at.multiselect(key="w_training")
    rlvr_thinking = _runs(demo_store, "m.training = 'rlvr' AND r.reasoning = 'native'")
    assert f"RLVR ({rlvr_thinking} runs)" in training.options
    assert "RLHF (0 runs with the other filters)" in training.options


def test_reset_clears_the_filters_and_the_url_but_keeps_the_metric(app_env):
    at = open_page("views/overview.py", {"tasks": "demo-nli", "training": "rlvr,rlhf", "metric": "jsd",
                                         "bands": "high"})
    reset = at.button(key="w_reset")
    assert not reset.disabled
    reset.click().run()
    assert not at.exception
    assert at.multiselect(key="w_tasks").value == [] and at.multiselect(key="w_training").value == []
    assert at.multiselect(key="w_bands").value == []
    assert at.selectbox(key="w_metric").value == "jsd"
    assert {"tasks", "training", "bands"}.isdisjoint(at.query_params) and at.query_params["metric"] == "jsd"
    assert at.button(key="w_reset").disabled  # nothing left to reset


def test_reset_is_disabled_without_filters(app_env):
    assert open_page("views/overview.py").button(key="w_reset").disabled
