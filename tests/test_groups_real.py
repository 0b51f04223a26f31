"""Annotator groups on the real datasets in ../shared/datasets (skips when absent): POPQUORN, LeWiDi
2025 CSC and MP, LeWiDi 2023 HS-Brexit and ArMIS all give group distributions and group views, and
group distributions equal counts taken here straight from the raw files (csv / json modules, not
the adapters)."""
from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from data_layer.queries import group_views, perspectives
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.config import load_study
from tests.conftest import datasets_or_skip

EXPECTED = {"popquorn-offensiveness": {"gender", "age", "race", "education", "occupation"},
            "lewidi25-csc": {"gender", "age"},
            "lewidi25-mp": {"gender", "age", "race", "occupation", "country", "nationality", "student"},
            "lewidi23-hsbrexit": {"annotator_group"}, "lewidi23-armis": {"annotator_group"}}


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    d = datasets_or_skip()
    folder = tmp_path_factory.mktemp("real_groups")
    (folder / "study.toml").write_text(f"""[study]
name = "groups on real data"
[[dataset]]
adapter = "lewidi2023"
path = "{d / 'lewidi2023'}"
tasks = ["lewidi23-hsbrexit", "lewidi23-armis"]
[[dataset]]
adapter = "lewidi2025"
path = "{d / 'lewidi2025'}"
tasks = ["lewidi25-csc", "lewidi25-mp"]
[[dataset]]
adapter = "popquorn"
path = "{d / 'popquorn_offensiveness'}"
""", encoding="utf-8")
    build_store(load_study(folder / "study.toml"), folder / "real.duckdb", show_progress=False)
    store = Store(folder / "real.duckdb")
    yield store, d
    store.close()


def test_every_dataset_with_demographics_has_group_views(real):
    store, _ = real
    found = {}
    for task, attribute in store.rows("SELECT task_id, attribute FROM group_attributes"):
        found.setdefault(task, set()).add(attribute)
    assert found == EXPECTED
    for task, attrs in EXPECTED.items():
        attribute = "gender" if "gender" in attrs else "annotator_group"
        sl = Slice(tasks=(task,))
        assert group_views.group_options(store, sl, attribute).ok
        a = perspectives.group_alignment(store, sl, attribute, n_resamples=100)
        assert a.ok and (a.frame["n"] > 0).all(), task
    armis = group_views.group_options(store, Slice(tasks=("lewidi23-armis",)), "annotator_group").frame
    assert set(armis["group_name"]) == {"Moderate_Female", "Liberal_Female", "Conservative_Male"}
    assert armis["few_annotators"].all()  # one annotator each: marked, not merged


def test_popquorn_gender_distribution_matches_a_hand_count(real):
    store, d = real
    with open(d / "popquorn_offensiveness" / "offensiveness_raw_data.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    item = Counter(r["instance_id"] for r in rows).most_common(1)[0][0]
    expected: dict[str, list[int]] = {}
    for r in rows:
        if r["instance_id"] == item:
            expected.setdefault(r["gender"], [0] * 5)[int(float(r["offensiveness"])) - 1] += 1
    got = {g: list(c) for g, c in store.rows(
        "SELECT group_name, counts FROM group_dist WHERE task_id = 'popquorn-offensiveness' AND item_id = ? "
        "AND attribute = 'gender'", [item])}
    assert got == expected and sum(map(sum, got.values())) >= 9


def test_hsbrexit_target_group_matches_a_hand_count(real):
    store, d = real
    data = json.loads((d / "lewidi2023" / "HS-Brexit_dev.json").read_text(encoding="utf-8"))
    key, rec = next(iter(data.items()))
    groups = rec["other_info"]["annotators group"].split(",")
    labels = rec["annotations"].split(",")
    expected: dict[str, list[int]] = {}
    for g, label in zip(groups, labels, strict=True):
        expected.setdefault(rec["other_info"][g.strip()], [0, 0])[int(label)] += 1
    got = {g: list(c) for g, c in store.rows(
        "SELECT group_name, counts FROM group_dist WHERE task_id = 'lewidi23-hsbrexit' AND item_id = ? "
        "AND attribute = 'annotator_group'", [f"dev-{key}"])}
    assert got == expected and set(got) == {"target group", "control group"}


def test_csc_unknown_values_are_counted_as_unknown(real):
    store, d = real
    meta = json.loads((d / "lewidi2025" / "CSC_annotators_meta.json").read_text(encoding="utf-8"))
    unknown_people = {f"{k}" for k, v in meta.items() if str(v.get("Gender")) in ("nan", "DATA_EXPIRED",
                                                                                     "CONSENT_REVOKED")}
    groups = dict(store.rows("SELECT annotator_id, group_name FROM annotator_groups "
                             "WHERE dataset = 'lewidi2025-csc' AND attribute = 'gender'"))
    assert unknown_people and all(groups[a] == "unknown" for a in unknown_people)
    assert set(groups.values()) == {"Female", "Male", "unknown"}
