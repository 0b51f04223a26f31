"""The Annotator page (views/annotator.py) and its queries (data_layer/queries/annotator_page.py):
on the tiny groups store every number counted by hand; on the demo store (simulated annotators with
demographics, built by the real pipeline) the page's labels equal the annotations table, its
agreement numbers equal annotator_agreement's, the Perspectives page's links open it, and an
unknown or hostile annotator id is explained, shown as text."""
from __future__ import annotations

from urllib.parse import parse_qs

import numpy as np
import pytest

from data_layer.queries import annotator_agreement as q_ann
from data_layer.queries import annotator_page as q_page
from data_layer.slice import Slice
from tests.conftest import open_page, shown
from tests.test_groups import _build

TASK = "demo-offensiveness-scale"
WHO = "sim-ann-001"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    store = _build(tmp_path_factory.mktemp("annotator"))
    yield store
    store.close()


def test_items_by_hand_on_the_tiny_store(tiny):
    f = q_page.annotator_items(tiny, Slice(), "t", "a1").frame.set_index("item_id")
    # a1: i1 label 0, the others 1,1,1; i2 label 0, the others 0,1 (tests/test_groups.py's rows)
    assert f["label"].tolist() == ["0", "0"]
    assert f.loc["i1", "others"] == [0.0, 1.0] and f.loc["i1", "n_others"] == 3
    assert f.loc["i2", "others"] == [0.5, 0.5] and f.loc["i2", "others_agreeing"] == 0.5
    assert f.loc["i1", "others_agreeing"] == 0.0
    # the baseline runs are scored: uniform [.5, .5] has its most likely label at index 0
    assert f.loc["i1", "n_runs"] >= 1 and "baseline:uniform" in f.columns
    assert q_page.locate(tiny, "t", "a1").frame["n_ratings"].item() == 2
    who = q_page.profile(tiny, "t", "t", "a1").frame.set_index("field")
    assert who.loc["gender", "group"] == "Woman" and who.loc["age", "group"] == "18-24"
    assert who.loc["age", "value"] == "23"


def test_unknown_task_or_annotator_is_explained(tiny):
    assert q_page.locate(tiny, "nope", "a1").message == "There is no task 'nope' in this store."
    assert "no annotator of dataset 't' has this id" in q_page.locate(tiny, "t", "zz").message
    assert not q_page.annotator_items(tiny, Slice(), "t", "zz").ok
    assert "No demographics" in q_page.profile(tiny, "t", "t", "a6").message  # a6 has no row in people.csv


def test_demo_items_match_the_annotations_and_the_agreement_sums(demo_store):
    sl = Slice(tasks=(TASK,))
    items = q_page.annotator_items(demo_store, sl, TASK, WHO).frame
    names = dict(zip(*demo_store.rows("SELECT labels, label_names FROM tasks WHERE task_id = ?", [TASK])[0],
                     strict=True))
    ratings = demo_store.rows("SELECT item_id, label FROM annotations WHERE task_id = ? AND annotator_id = ? "
                              "ORDER BY item_id", [TASK, WHO])
    assert sorted(zip(items["item_id"], items["label"], strict=True)) == [(i, names[lab]) for i, lab in ratings]
    loo = q_ann.annotator_agreement(demo_store, sl, WHO).frame.iloc[0]
    assert loo["n_items"] == len(items) and loo["loo_agreement"] == pytest.approx(items["others_agreeing"].mean())
    runs = q_ann.annotator_model_agreement(demo_store, sl, WHO).frame.set_index("run_id")
    assert set(runs.index) == set(items.attrs["runs"])
    for run_id, r in runs.iterrows():  # each run's label column agrees with the stored sums
        known = items[run_id].notna()
        assert r["n_known"] == known.sum()
        assert r["model_agreement"] == pytest.approx((items[run_id] == items["label"])[known].mean())
    assert np.allclose([sum(p) for p in items["others"]], 1.0)
    # each run's distribution column is the stored model_dist row of that run and item
    run_id, row = items.attrs["runs"][-1], items.iloc[len(items) // 2]
    stored = demo_store.scalar("SELECT probs FROM model_dist WHERE run_id = ? AND task_id = ? AND item_id = ?",
                               [run_id, TASK, row["item_id"]])
    assert np.allclose(row[f"{run_id} dist"], stored)


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_page_shows_the_annotator_with_the_stored_numbers(app_env, demo_store):
    at = open_page("views/annotator.py", {"task": TASK, "annotator": WHO, "metric": "jsd"}, timeout=120)
    assert any(f"Annotator {WHO}" in shown(s.value) for s in at.subheader)
    sl = Slice(tasks=(TASK,))
    loo = q_ann.annotator_agreement(demo_store, sl, WHO).frame.iloc[0]
    assert _metric(at, "Leave-one-out agreement").value == f"{loo['loo_agreement']:.3f}"
    assert any(f"n = {loo['n_items']:,} of their items" in c.value for c in at.caption)
    tables = [d.value for d in at.dataframe]
    who = next(t for t in tables if "field" in t.columns).set_index("field")
    assert who.loc["gender", "value"] == "Woman" and who.loc["gender", "group"] == "Woman"
    runs = next(t for t in tables if "model_agreement" in t.columns).set_index("run_id")
    stored = q_ann.annotator_model_agreement(demo_store, sl, WHO).frame.set_index("run_id")
    assert runs["model_agreement"].to_dict() == pytest.approx(stored["model_agreement"].to_dict())
    assert runs["n_known"].to_dict() == stored["n_known"].to_dict()
    items = next(t for t in tables if "others" in t.columns)
    labels = dict(demo_store.rows(
        "SELECT a.item_id, t.label_names[list_position(t.labels, a.label)] FROM annotations a JOIN tasks t "
        "USING (task_id) WHERE a.task_id = ? AND a.annotator_id = ?", [TASK, WHO]))
    assert dict(zip(items["item_id"], items["label"], strict=True)) == labels
    link = parse_qs(items["open"].iloc[0].partition("?")[2])
    assert link["task"] == [TASK] and link["item"] == [items["item_id"].iloc[0]] and link["metric"] == ["jsd"]
    others = [p.proto.query_string for p in at.get("page_link") if "same annotator on" in p.proto.label]
    assert len(others) == 2 and all(f"annotator={WHO}" in s for s in others)


def test_perspectives_links_open_the_annotator_page(app_env):
    at = open_page("views/perspectives.py", {"tasks": TASK}, timeout=180)
    links = [p.proto for p in at.get("page_link") if p.proto.label.startswith("Open annotator")]
    # five best and five worst matched by a run's majority, then by a run that predicts each annotator
    assert len(links) == 20
    params = {k: v[0] for k, v in parse_qs(links[0].query_string).items()}
    assert params["task"] == TASK and params["tasks"] == TASK and params["annotator"].startswith("sim-ann-")
    page = open_page("views/annotator.py", params, timeout=120)
    assert any(f"Annotator {params['annotator']}" in shown(s.value) for s in page.subheader)
    assert any("others" in d.value.columns for d in page.dataframe)


def test_unknown_and_hostile_ids_are_explained_as_text(app_env):
    at = open_page("views/annotator.py", {"task": TASK, "annotator": "nobody"})
    assert any("no annotator of dataset 'demo' has this id" in shown(i.value) for i in at.info)
    hostile = "[log in](http://127.0.0.1:9/x) <b>bold</b> **x**"
    at = open_page("views/annotator.py", {"task": TASK, "annotator": hostile})
    message = next(i.value for i in at.info if "has no ratings" in shown(i.value))
    assert f"Annotator {hostile!r}" in shown(message) and "](" not in message.replace("\\]\\(", "")
    at = open_page("views/annotator.py", {"task": hostile, "annotator": WHO})
    assert any(f"There is no task {hostile!r}" in shown(i.value) for i in at.info)


def test_without_an_annotator_the_page_offers_a_chooser(app_env):
    at = open_page("views/annotator.py", {"tasks": TASK})
    assert at.selectbox(key="a_task").value == TASK
    assert at.selectbox(key="a_person").value.startswith("sim-ann-")
    link = next(p.proto for p in at.get("page_link") if p.proto.label == "Open this annotator")
    assert f"task={TASK}" in link.query_string and "annotator=sim-ann-" in link.query_string
