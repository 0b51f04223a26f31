"""Per-annotator predictions (LeWiDi 2025 task B): imported in long form and as task B submission files,
validated at the boundary, scored at build time, read by the queries and shown on the Perspectives and
Annotator pages. Every expected number below is counted by hand from the rows written here, and on the
real LeWiDi 2025 files (when ../shared/datasets is present) recomputed with the official scorer's
formulas straight from the raw JSON."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from data_layer.queries import annotator_predictions as ap
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.config import load_study
from precompute.study import StudyError
from tests.conftest import datasets_or_skip, open_page, shown

# one nominal and one ordinal task on the same items and annotators
NOMINAL = """id,text,labels,raters
i1,first,"0,1,1,1","a1,a2,a3,a4"
i2,second,"0,0,1","a1,a2,a5"
i3,third,"1,1","a3,a6"
"""
ORDINAL = """id,text,labels,raters
i1,first,"1,3,3,2","a1,a2,a3,a4"
i2,second,"1,1,4","a1,a2,a5"
i3,third,"2,2","a3,a6"
"""


def _dataset(path: str, task: str, labels: list[str], scale: str = "nominal") -> str:
    return "\n".join(["[[dataset]]", 'format = "label-lists"', f'path = "{path}"', 'list_separator = ","',
                      f'task = "{task}"', f"labels = {labels!r}".replace("'", '"'), f'scale = "{scale}"',
                      'columns = {{ item_id = "id", text = "text", labels = "labels", annotators = "raters" }}', ""])


DATASETS = ('[study]\nname = "task b"\n' + _dataset("nominal.csv", "nom", ["0", "1"])
            + _dataset("ordinal.csv", "ord", ["1", "2", "3", "4"], "ordinal") + """[[run]]
source = "import"
name = "persona"
model_id = "persona-model"
training = "rlhf"
path = "{path}"
{extra}
""")
# long form: nominal i1 all four annotators (a2 wrong), i2 two of three (a1 wrong); ordinal i1 (a1 off
# by 2 of 4 points, a3 by 1)
LONG = """task_id,item_id,annotator_id,label
nom,i1,a1,0
nom,i1,a2,0
nom,i1,a3,1
nom,i1,a4,1
nom,i2,a1,1
nom,i2,a5,1
ord,i1,a1,3
ord,i1,a2,3
ord,i1,a3,2
ord,i1,a4,2
"""


def build(tmp_path, predictions: str, name: str = "pred.csv", extra: str = "") -> Store:
    (tmp_path / "nominal.csv").write_text(NOMINAL, encoding="utf-8")
    (tmp_path / "ordinal.csv").write_text(ORDINAL, encoding="utf-8")
    (tmp_path / name).write_text(predictions, encoding="utf-8")
    (tmp_path / "study.toml").write_text(DATASETS.format(path=name, extra=extra), encoding="utf-8")
    build_store(load_study(tmp_path / "study.toml"), tmp_path / "s.duckdb", show_progress=False)
    return Store(tmp_path / "s.duckdb")


@pytest.fixture(scope="module")
def long_store(tmp_path_factory):
    store = build(tmp_path_factory.mktemp("task_b"), LONG)
    yield store
    store.close()


def test_each_rating_is_scored_against_the_annotators_own_label(long_store):
    rows = long_store.df("SELECT task_id, item_id, annotator_id, label, predicted, error, crowd_label, crowd_error "
                         "FROM annotator_predictions ORDER BY task_id, item_id, annotator_id")
    got = {(r.task_id, r.item_id, r.annotator_id): (r.error, r.crowd_label, r.crowd_error) for r in rows.itertuples()}
    # nominal i1 = 0,1,1,1: a1's others are 1,1,1 -> crowd 1 (wrong for a1); a2 predicted 0 (wrong)
    assert got[("nom", "i1", "a1")] == (0.0, "1", 1.0)
    assert got[("nom", "i1", "a2")] == (1.0, "1", 0.0)
    # nominal i2 = 0,0,1: a1's others are 0,1, a tie -> the first label, 0
    assert got[("nom", "i2", "a1")] == (1.0, "0", 0.0)
    assert got[("nom", "i2", "a5")] == (0.0, "0", 1.0)
    # ordinal i1 = 1,3,3,2 on 4 points: a1 predicted 3 -> |0-2|/4; others 3,3,2 -> lower median 3
    assert got[("ord", "i1", "a1")] == (0.5, "3", 0.5)
    # a3 (3): others 1,3,2 -> lower median 2
    assert got[("ord", "i1", "a3")] == (0.25, "2", 0.25)
    # a4 (2): others 1,3,3 -> median 3, crowd error 1/4
    assert got[("ord", "i1", "a4")] == (0.0, "3", 0.25)
    assert len(rows) == 10


def test_the_runs_distribution_is_the_share_of_predicted_labels(long_store):
    d = long_store.df("SELECT task_id, item_id, probs, n_valid FROM model_dist WHERE run_id = 'persona' "
                      "ORDER BY task_id, item_id")
    assert [(r.task_id, r.item_id, list(r.probs), r.n_valid) for r in d.itertuples()] == [
        ("nom", "i1", [0.5, 0.5], 4), ("nom", "i2", [0.0, 1.0], 2), ("ord", "i1", [0.0, 0.5, 0.5, 0.0], 4)]


def test_scores_per_run_and_task_with_the_crowd_reference(long_store):
    s = ap.perspectivist_scores(long_store, Slice()).frame.set_index("task_id")
    # nominal: item means 1/4 (i1) and 1/2 (i2) -> 0.375; crowd: i1 (1+0+0+0)/4, i2 (0+1)/2 -> 0.375
    assert s.loc["nom", "score"] == pytest.approx(0.375) and s.loc["nom", "crowd"] == pytest.approx(0.375)
    assert (s.loc["nom", "n_items"], s.loc["nom", "n_ratings"], s.loc["nom", "measure"]) == (2, 6, "error rate")
    # ordinal i1: (0.5 + 0 + 0.25 + 0) / 4; crowd: medians 3, 2, 2, 3 -> (0.5 + 0.25 + 0.25 + 0.25) / 4
    assert s.loc["ord", "score"] == pytest.approx(0.1875) and s.loc["ord", "crowd"] == pytest.approx(0.3125)
    assert s.loc["ord", "measure"].startswith("absolute distance") and not s["beats_crowd"].any()
    assert s.loc["ord", "lo"] is None or np.isnan(s.loc["ord", "lo"])  # one item: no interval
    assert ap.perspectivist_scores(long_store, Slice(tasks=("ord",))).frame["task_id"].tolist() == ["ord"]
    assert not ap.perspectivist_scores(long_store, Slice(training=("rlvr",))).ok


def test_annotators_of_a_run_and_one_annotator(long_store):
    a = ap.annotators_predicted(long_store, Slice(tasks=("nom",)), "persona").frame.set_index("annotator_id")
    assert a.loc["a1", "error"] == pytest.approx(0.5) and a.loc["a1", "n_items"] == 2 and a["few_items"].all()
    one = ap.one_annotator(long_store, Slice(), "ord", "a1").frame
    assert one[["run_id", "error", "n_items"]].values.tolist() == [["persona", 0.5, 1]]
    assert not ap.one_annotator(long_store, Slice(), "ord", "a6").ok


def test_ratings_left_without_a_prediction_are_counted(long_store):
    report = json.loads(long_store.df("SELECT report FROM build_info")["report"].iloc[0])
    notes = " ".join(report["runs"]["persona"]["notes"])
    # nom i2 has 3 ratings, 2 predicted; ord i1 all 4; nom i1 all 4
    assert "1 rating(s) of predicted items have no predicted label" in notes


def test_a_task_b_submission_file_lists_labels_in_the_datasets_annotator_order(tmp_path):
    store = build(tmp_path, "i1\t[0, 1, 1, 0]\ni2\t[1, 0, 1]\n", name="nom_test_pe.tsv", extra='task = "nom"')
    try:
        got = store.rows("SELECT item_id, annotator_id, predicted, error FROM annotator_predictions "
                         "ORDER BY item_id, annotator_id")
        assert got == [("i1", "a1", "0", 0.0), ("i1", "a2", "1", 0.0), ("i1", "a3", "1", 0.0),
                       ("i1", "a4", "0", 1.0), ("i2", "a1", "1", 1.0), ("i2", "a2", "0", 0.0),
                       ("i2", "a5", "1", 0.0)]
    finally:
        store.close()


def test_one_list_per_task_for_a_multi_label_file_and_an_item_prefix(tmp_path):
    lines = '1\t[[0, 1, 1, 1], ["1", "3", "3", "2"]]\n'  # nested: one list per task of `task`
    with pytest.raises(StudyError, match="unknown item '1'"):
        build(tmp_path, lines, name="multi.tsv", extra='kind = "annotator_labels"\ntask = ["nom", "ord"]')
    store = build(tmp_path, lines, name="multi.tsv",
                  extra='kind = "annotator_labels"\ntask = ["nom", "ord"]\nitem_prefix = "i"')
    try:
        assert store.df("SELECT sum(error) AS e FROM annotator_predictions")["e"].iloc[0] == 0
        assert store.df("SELECT count(*) AS n FROM annotator_predictions")["n"].iloc[0] == 8
    finally:
        store.close()


@pytest.mark.parametrize("name, content, extra, message", [
    ("p.csv", "item_id,annotator_id,label\ni1,a5,1\n", 'task = "nom"',
     "p.csv, row 1, field annotator_id: annotator 'a5' did not rate item 'i1' of task 'nom'"),
    ("p.csv", "item_id,annotator_id,label\ni1,a1,7\n", 'task = "nom"', "p.csv, row 1, field label: unknown label '7'"),
    ("p.csv", "item_id,annotator_id,label\ni1,a1,1\ni1,a1,0\n", 'task = "nom"',
     "p.csv, row 2: a second prediction for annotator 'a1' on item 'i1'"),
    ("p.csv", "item_id,annotator_id,label\nnope,a1,1\n", 'task = "nom"', "unknown item 'nope' in task 'nom'"),
    ("n_pe.tsv", "i1\t[0, 1, 1]\n", 'task = "nom"',
     "n_pe.tsv, row 1, field labels: expected 4 labels (one per annotator of item 'i1', in this order: a1, a2, a3, a4), got 3"),
    ("n_pe.tsv", "i1\t0.5\n", 'task = "nom"', "row 1, field labels: expected a list of per-annotator labels"),
    ("m.tsv", "i1\t[0, 1, 1, 1]\n", 'task = ["nom", "ord"]', "a list of tasks is only for per-annotator predictions"),
    ("p.csv", "item_id,annotator_id,label\ni1,a1,1\n", 'kind = "annotator_labels"\ntask = ["nom", "ord"]',
     "p.csv: a list of tasks (key 'task') is only for a task B file"),
    ("m.tsv", "i1\t[[0, 1, 1, 1]]\n", 'kind = "annotator_labels"\ntask = ["nom", "ord"]',
     "expected 2 lists, one per task of `task` (nom, ord)"),
])
def test_bad_predictions_name_file_row_and_field_and_leave_the_old_store(tmp_path, name, content, extra, message):
    out = tmp_path / "s.duckdb"
    out.write_bytes(b"previous store")
    with pytest.raises(StudyError) as e:
        build(tmp_path, content, name=name, extra=extra)
    assert message in str(e.value)
    assert out.read_bytes() == b"previous store"


def test_a_task_without_annotator_ids_cannot_take_per_annotator_predictions(tmp_path):
    from tests.study_fixture import write_study
    (tmp_path / "p.csv").write_text("item_id,annotator_id,label\nt1,a1,1\n", encoding="utf-8")
    cfg = write_study(tmp_path, '[[run]]\nsource = "import"\nname = "x"\nmodel_id = "x"\ntraining = "rlhf"\n'
                                'path = "p.csv"\n')
    with pytest.raises(StudyError, match="task 'toy' has no annotator ids"):
        build_store(load_study(cfg), tmp_path / "s.duckdb", show_progress=False)


# ---------------------------------------------------------------- pages (demo store: simulated predictions)

def test_the_perspectives_page_scores_the_runs_that_predict_annotators():
    at = open_page("views/perspectives.py", {"tasks": "demo-sarcasm"}, timeout=180)
    text = " ".join(shown(m.value) for m in at.markdown)
    assert re.search(r"On demo-sarcasm, Sim-Chat-8B \(simulated\) .* predicts annotators best: absolute distance", text)
    boxes = [s for s in at.selectbox if s.label == "Run that predicts annotators"]
    assert len(boxes) == 1 and len(boxes[0].options) == 2
    boxes[0].select_index(1).run()
    assert not at.exception and at.query_params["brun"] == "sim-r1-distill-8b|verbalized|native|zero"


def test_the_annotator_page_lists_the_runs_that_predict_them():
    at = open_page("views/annotator.py", {"task": "demo-sarcasm", "annotator": "sim-ann-001"}, timeout=120)
    frames = [f.value for f in at.dataframe if "crowd_error" in f.value.columns and "run_id" in f.value.columns]
    assert len(frames) == 1 and len(frames[0]) == 2 and frames[0]["n_items"].min() > 0


# ---------------------------------------------------------------- the real LeWiDi 2025 files

def _official_rows(d, ds: str) -> dict[str, dict]:
    text = (d / "lewidi2025" / f"{ds}_test.json").read_text(encoding="utf-8")
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text))


def _guess(labels: list, own, j: int):
    """A deterministic mix of right and wrong predictions: every third annotator is off."""
    if j % 3:
        return own
    i = labels.index(own)
    return labels[i + 2] if i + 2 < len(labels) else labels[i - 2] if len(labels) > 2 else labels[1 - i]


@pytest.fixture(scope="module")
def lewidi(tmp_path_factory):
    d = datasets_or_skip()
    folder = tmp_path_factory.mktemp("task_b_real")
    scales = {"CSC": list(range(1, 7)), "MP": [0, 1], "Paraphrase": list(range(-5, 6))}
    raw, runs = {}, []
    for ds, labels in scales.items():
        raw[ds] = _official_rows(d, ds)
        with open(folder / f"{ds}_test_pe.tsv", "w", encoding="utf-8") as f:
            for key, rec in raw[ds].items():
                own = [int(float(v)) for v in rec["annotations"].values()]
                f.write(f"{key}\t{[_guess(labels, o, j) for j, o in enumerate(own)]}\n")
        runs.append(f'[[run]]\nsource = "import"\nname = "b-{ds.lower()}"\nmodel_id = "b"\ntraining = "rlhf"\n'
                    f'path = "{ds}_test_pe.tsv"\ntask = "lewidi25-{ds.lower()}"\nitem_prefix = "test-"\n')
    raw["VariErrNLI"] = _official_rows(d, "VariErrNLI")
    nli = ["contradiction", "entailment", "neutral"]
    with open(folder / "VariErrNLI_test_pe.tsv", "w", encoding="utf-8") as f:
        for key, rec in raw["VariErrNLI"].items():
            given = [[int(x in v.split(",")) for v in rec["annotations"].values()] for x in nli]
            f.write(f"{key}\t{[[_guess([0, 1], o, j + i) for j, o in enumerate(g)] for i, g in enumerate(given)]}\n")
    runs.append('[[run]]\nsource = "import"\nname = "b-varierrnli"\nmodel_id = "b"\ntraining = "rlhf"\n'
                'path = "VariErrNLI_test_pe.tsv"\nitem_prefix = "test-"\n'
                'task = ["lewidi25-varierrnli-c", "lewidi25-varierrnli-e", "lewidi25-varierrnli-n"]\n')
    (folder / "study.toml").write_text(f'[study]\nname = "task b real"\n[[dataset]]\nadapter = "lewidi2025"\n'
                                       f'path = "{d / "lewidi2025"}"\n' + "\n".join(runs), encoding="utf-8")
    build_store(load_study(folder / "study.toml"), folder / "real.duckdb", show_progress=False)
    store = Store(folder / "real.duckdb")
    yield store, raw, scales
    store.close()


def _official_score(ds: str, rec_list: list[dict], scales: dict) -> float:
    """The official scorer's formulas (error_rate; mean_absolute_distance with 6 and 11 scale points;
    multilabel_error_rate for VariErrNLI) on the predictions the fixture wrote."""
    per_item = []
    for rec in rec_list:
        if ds == "VariErrNLI":
            given = [[int(x in v.split(",")) for v in rec["annotations"].values()]
                     for x in ("contradiction", "entailment", "neutral")]
            pred = [[_guess([0, 1], o, j + i) for j, o in enumerate(g)] for i, g in enumerate(given)]
            per_item.append(np.mean([sum(abs(t - p) for t, p in zip(g, q, strict=True)) / len(g)
                                     for g, q in zip(given, pred, strict=True)]))
            continue
        own = [int(float(v)) for v in rec["annotations"].values()]
        pred = [_guess(scales[ds], o, j) for j, o in enumerate(own)]
        dist = sum(abs(t - p) for t, p in zip(own, pred, strict=True)) / len(own)
        per_item.append(dist if ds == "MP" else dist / len(scales[ds]))
    return float(np.mean(per_item))


@pytest.mark.parametrize("ds", ["CSC", "MP", "Paraphrase", "VariErrNLI"])
def test_real_scores_equal_the_official_formulas_on_the_raw_files(lewidi, ds):
    store, raw, scales = lewidi
    kept = [r for r in raw[ds].values() if len(r["annotations"]) >= 2]  # the build keeps items with 2+ ratings
    scores = ap.perspectivist_scores(store, Slice()).frame
    tasks = [t for t in scores["task_id"] if t.startswith(f"lewidi25-{ds.lower()}")]
    ours = scores[scores["task_id"].isin(tasks)]
    assert (ours["n_items"] == len(kept)).all() and len(ours) == (3 if ds == "VariErrNLI" else 1)
    assert ours["score"].mean() == pytest.approx(_official_score(ds, kept, scales), abs=1e-9)
    assert ours["beats_crowd"].dtype == bool and (ours["measure"] == ("error rate" if ds in ("MP", "VariErrNLI")
                                                                         else "absolute distance / scale points")).all()


def test_real_predictions_map_each_label_to_its_annotator(lewidi):
    store, raw, _ = lewidi
    key, rec = next(iter(raw["MP"].items()))
    got = dict(store.rows("SELECT annotator_id, label FROM annotator_predictions WHERE task_id = 'lewidi25-mp' "
                          "AND item_id = ?", [f"test-{key}"]))
    assert got == {a: str(int(float(v))) for a, v in rec["annotations"].items()}
    assert pd.Series(list(got)).is_unique
