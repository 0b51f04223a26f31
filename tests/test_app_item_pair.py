"""The Item page puts first the runs that brought the user there (AppTest on the real demo
store): the RLVR–RLHF pair of the link, named, with its gap equal to the stored scores the Items
list sorts by; the answers counted as the generations are; a sensible default without a pair; the
runs picked in the URL; and the pair or picked runs carried by the previous/next links."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import pytest

from data_layer.queries import item_focus, item_order, items
from data_layer.queries.item_order import ItemOrder
from data_layer.slice import Slice
from tests.conftest import open_page, shown

ITEM = {"task": "demo-offensive", "item": "demo-offensive-0007"}
RLVR, RLHF = "sim-r1-distill-8b|verbalized|native|zero", "sim-chat-8b|verbalized|none|zero"
SAMPLING = ("sim-r1-distill-14b|sampling|native|zero", "sim-instruct-14b|sampling|none|zero")


def _texts(at) -> list[str]:
    return [shown(e.value) for e in [*at.markdown, *at.caption, *at.subheader]]


def _score(store, run: str, metric: str, item: str = ITEM["item"]) -> float | None:
    return store.rows(f"SELECT {metric} FROM item_scores WHERE run_id = ? AND task_id = ? AND item_id = ?",
                      [run, ITEM["task"], item])[0][0]


def _next_link(at) -> dict:
    link = next(p.proto for p in at.get("page_link") if "Next item" in p.proto.label)
    return {k: v[0] for k, v in parse_qs(link.query_string).items()}


def test_the_pair_of_the_link_is_named_first_with_its_gap_from_the_stored_scores(app_env, demo_store):
    at = open_page("views/item.py", {**ITEM, "sort": "gap", "pair": f"{RLVR}~{RLHF}", "metric": "jsd"})
    subheads = [s.value for s in at.subheader]
    assert subheads[1] == "RLVR vs RLHF on this item"  # right after the item's own heading
    texts = _texts(at)
    assert any(t.startswith("The RLVR–RLHF pair whose gap orders the Items list: Sim-R1-Distill-8B")
               and "vs Sim-Chat-8B" in t for t in texts)
    v, f = _score(demo_store, RLVR, "jsd"), _score(demo_store, RLHF, "jsd")
    headline = next(t for t in texts if t.startswith("**Gap (RLVR − RLHF) by Jensen–Shannon divergence"))
    assert f"{v - f:+.3f} ({v:.3f} vs {f:.3f})" in headline and "(lower is better)" in headline
    assert ("RLVR run" if v < f else "RLHF run") in headline
    # the same number as the item's gap cell in the Items list under this order
    order = ItemOrder(sort="gap", rlvr=RLVR, rlhf=RLHF)
    sl = Slice(metric="jsd")
    near = item_order.neighbours(demo_store, sl, order, ITEM["task"], ITEM["item"]).frame
    pos = int(near.loc[near["step"] == 0, "pos"].iloc[0])
    listed = items.items_page(demo_store, sl, order, page=(pos - 1) // 25 + 1).frame
    assert listed.loc[listed["item_id"] == ITEM["item"], "gap"].iloc[0] == pytest.approx(v - f, abs=1e-12)
    gaps = next(d.value for d in at.dataframe if "gap" in d.value.columns)
    by = gaps.set_index("label")
    tvd_gap = _score(demo_store, RLVR, "tvd") - _score(demo_store, RLHF, "tvd")
    assert by.loc["Total variation distance", "gap"] == pytest.approx(tvd_gap, abs=1e-9)
    assert gaps["label"].iloc[0] == "Jensen–Shannon divergence"  # the slice's metric first
    assert len(at.get("plotly_chart")) == 1
    # one chart, three series: humans and the pair, coloured by model type
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in figure["data"]] == [
        "Humans (n=10)", "RLVR: Sim-R1-Distill-8B (simulated) (RLVR · thinking)",
        "RLHF: Sim-Chat-8B (simulated) (RLHF · no CoT)"]
    assert [t["marker"]["color"] for t in figure["data"][1:]] == ["#D55E00", "#0072B2"]
    said = next(t for t in texts if "Shares of each label." in t)  # the chart's text alternative
    key = "(SELECT item_key FROM human_dist WHERE task_id = ? AND item_id = ?)"
    shares = [demo_store.rows(f"SELECT probs FROM human_dist WHERE item_key = {key}", [*ITEM.values()])[0][0]]
    shares += [demo_store.rows(f"SELECT probs FROM item_runs WHERE run_id = ? AND item_key = {key}",
                               [run, *ITEM.values()])[0][0] for run in (RLVR, RLHF)]
    for trace, probs in zip(figure["data"], shares, strict=True):
        assert f"{trace['name']}: not offensive {probs[0]:.2f}, offensive {probs[1]:.2f}" in said
    assert _next_link(at)["pair"] == f"{RLVR}~{RLHF}" and _next_link(at)["sort"] == "gap"


def test_answers_are_counted_as_the_generations_are(app_env, demo_store):
    at = open_page("views/item.py", {**ITEM, "pair": "~".join(SAMPLING)})
    lists = [m.value for m in at.markdown if "→" in m.value]
    assert len(lists) == 2  # one per run of the pair, before any raw text
    for run, listed in zip(SAMPLING, lists, strict=True):
        got = {shown(label): (int(k), int(n)) for label, k, n in
               re.findall(r"^- (.+) → (\d+) of (\d+)$", listed, flags=re.M)}
        rows = demo_store.rows("SELECT parsed FROM generations WHERE run_id = ? AND task_id = ? AND item_id = ?",
                               [run, ITEM["task"], ITEM["item"]])
        want: dict[str, int] = {}
        for (parsed,) in rows:
            label = json.loads(parsed) if parsed else item_focus.NO_ANSWER
            want[label] = want.get(label, 0) + 1
        assert got == {label: (k, len(rows)) for label, k in want.items()}
        probs, n_valid = demo_store.rows("SELECT probs, n_valid FROM item_runs WHERE run_id = ? AND item_key = "
                                         "(SELECT item_key FROM human_dist WHERE task_id = ? AND item_id = ?)",
                                         [run, ITEM["task"], ITEM["item"]])[0]
        valid = {k: v for k, (v, _) in got.items() if k != item_focus.NO_ANSWER}
        assert sum(valid.values()) == n_valid
        assert [valid.get(name, 0) / n_valid for name in ("not offensive", "offensive")] == pytest.approx(probs)


def test_without_a_pair_the_page_says_what_it_shows(app_env):
    at = open_page("views/item.py", ITEM)  # as opened from a search: no pair in the link
    texts = _texts(at)
    assert any(t.startswith("No pair in the link; shown: the slice's first RLVR–RLHF sibling pair") for t in texts)
    assert any(t.startswith("**Gap (RLVR − RLHF) by Total variation distance") for t in texts)
    at = open_page("views/item.py", {**ITEM, "training": "rlvr"})  # no RLHF run in the slice: no pair at all
    texts = _texts(at)
    assert "Humans and the runs shown first" in [s.value for s in at.subheader]
    assert any("the run closest to the humans and the farthest, by Total variation distance" in t for t in texts)
    assert any("there is no pair gap" in t for t in texts) and not any(t.startswith("**Gap") for t in texts)
    assert at.get("plotly_chart") and len(json.loads(at.get("plotly_chart")[0].proto.spec)["data"]) == 3
    ranked = next(d.value for d in at.dataframe if "value" in d.value.columns)
    assert list(ranked["value"]) == sorted(ranked["value"])  # closest to the humans first
    assert set(ranked["model_type"].str.split(" · ").str[0]) == {"RLVR"}


def test_a_slice_wide_metric_compares_the_runs_by_a_per_item_one(app_env):
    texts = _texts(open_page("views/item.py", {**ITEM, "metric": "var_corr"}))
    assert "Variance correlation is computed over a whole slice, not per item; on this item the runs are " \
           "compared by Total variation distance." in texts
    assert any(t.startswith("**Gap (RLVR − RLHF) by Total variation distance") for t in texts)


def test_picked_runs_come_first_and_travel_with_the_steps(app_env):
    picked = "baseline:uniform,sim-chat-8b|logprob|none|zero"
    at = open_page("views/item.py", {**ITEM, "runs": picked, "pair": f"{RLVR}~{RLHF}"})
    assert any(t == "The runs picked for this view." for t in _texts(at))
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(figure["data"]) == 3 and figure["data"][1]["name"].startswith("baseline:uniform")
    assert any(t.startswith("**Most likely label of each stated distribution") for t in _texts(at))
    assert _next_link(at)["runs"] == picked and _next_link(at)["pair"] == f"{RLVR}~{RLHF}"
    at = open_page("views/item.py", {**ITEM, "runs": f"no-such-run,{RLHF}"})  # only the runs that apply travel
    assert any(t.startswith("The runs picked for this view (1 picked run did not score") for t in _texts(at))
    assert _next_link(at)["runs"] == RLHF
    at = open_page("views/item.py", {**ITEM, "runs": picked})
    two = [RLHF, "sim-chat-8b|logprob|none|zero"]  # one model, two methods: two series, told apart
    names = [t["name"] for t in json.loads(open_page("views/item.py", {**ITEM, "runs": ",".join(two)})
                                           .get("plotly_chart")[0].proto.spec)["data"]]
    assert len(names) == 3 and names[1].endswith("verbalized · zero-shot") and names[2].endswith("logprob · zero-shot")
    at.multiselect(key="item_pick_runs").set_value([]).run()  # emptied: back to the pair
    assert "runs" not in at.query_params
    assert "RLVR vs RLHF on this item" in [s.value for s in at.subheader]
    at.multiselect(key="item_pick_runs").set_value([RLHF]).run()
    assert at.query_params["runs"] == RLHF


@pytest.mark.parametrize("parsed, expected", [
    ('{"label": 1}', ("offensive", False)),  # an elicited sample
    ('"not offensive"', ("not offensive", False)),  # a simulated sample
    ('{"probs": [0.2, 0.8], "covered_mass": 0.9}', ("offensive", True)),  # elicited verbalized / logprob
    ("[0.9, 0.1]", ("not offensive", True)),
    ('{"A": -0.1, "B": -2.3}', ("not offensive", True)),
    (None, (None, False)), ("not json", (None, False))])
def test_every_stored_answer_shape_is_read(parsed, expected):
    assert item_focus._answer_label(parsed, ["not offensive", "offensive"]) == expected
