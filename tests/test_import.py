"""`source = "import"`: predictions made elsewhere, validated like human data, built into a store."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data_layer.store import Store
from precompute.__main__ import main
from precompute.build import build_store
from precompute.config import load_study
from precompute.study import StudyError
from tests.study_fixture import write_study

RUN = """
[[run]]
source = "import"
name = "ext"
model_id = "ext-model"
training = "rlhf"
path = "{path}"
{extra}
"""


def build(tmp_path, path, extra=""):
    cfg = write_study(tmp_path, RUN.format(path=path, extra=extra))
    out = tmp_path / "store.duckdb"
    build_store(load_study(cfg), out, show_progress=False)
    store = Store(out)
    try:
        return store.df("SELECT item_id, probs, n_valid, n_failed FROM model_dist WHERE run_id = 'ext' "
                        "ORDER BY item_id")
    finally:
        store.close()


PROBS = {"t1": [0.9, 0.1], "t2": [0.3, 0.7], "t3": [0.5, 0.5], "t4": [0.2, 0.8], "t5": [1.0, 0.0],
         "t6": [0.4, 0.6]}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_probability_vectors_in_each_file_format(tmp_path, fmt):
    frame = pd.DataFrame({"item_id": list(PROBS), "probs": list(PROBS.values())})
    path = tmp_path / f"pred.{fmt}"
    if fmt == "csv":
        frame.assign(probs=frame["probs"].map(json.dumps)).to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    got = build(tmp_path, path.name)
    assert got["item_id"].tolist() == list(PROBS)
    assert np.allclose(np.stack(got["probs"].tolist()), list(PROBS.values()))


def test_samples_and_failed_samples_are_counted(tmp_path):
    rows = [("t1", "0"), ("t1", "0"), ("t1", "1"), ("t1", ""), ("t2", "1")]
    pd.DataFrame(rows, columns=["item_id", "label"]).to_csv(tmp_path / "s.csv", index=False)
    got = build(tmp_path, "s.csv").set_index("item_id")
    assert list(got.loc["t1", "probs"]) == pytest.approx([2 / 3, 1 / 3])
    assert (got.loc["t1", "n_valid"], got.loc["t1", "n_failed"]) == (3, 1)


def test_positive_share_column(tmp_path):
    pd.DataFrame({"item_id": ["t1", "t2"], "pos_share": [0.25, 0.9]}).to_csv(tmp_path / "p.csv", index=False)
    got = build(tmp_path, "p.csv")
    assert np.allclose(np.stack(got["probs"].tolist()), [[0.75, 0.25], [0.1, 0.9]])


def test_lewidi_soft_label_submission(tmp_path):
    (tmp_path / "sub.tsv").write_text('t1\t[0.8, 0.2]\nt2\t{"0": 0.4, "1.0": 0.6}\n', encoding="utf-8")
    got = build(tmp_path, "sub.tsv")
    assert np.allclose(np.stack(got["probs"].tolist()), [[0.8, 0.2], [0.4, 0.6]])


def test_items_dropped_for_too_few_ratings_are_skipped_not_errors(tmp_path):
    pd.DataFrame({"item_id": ["t1", "t7"], "pos_share": [0.5, 0.5]}).to_csv(tmp_path / "p.csv", index=False)
    assert build(tmp_path, "p.csv")["item_id"].tolist() == ["t1"]


@pytest.mark.parametrize("content, message", [
    ('t1\t[0.5, 0.5]\nnope\t[0.5, 0.5]\n', "row 2, field item_id: unknown item 'nope'"),
    ('t1\t[0.2, 0.3, 0.5]\n', "row 1, field probs: expected 2 probabilities, got 3"),
    ('t1\t[0.5, 0.6]\n', "row 1, field probs: probabilities sum to 1.1000"),
    ('t1\t[-0.5, 1.5]\n', "row 1, field probs: negative probability"),
    ('t1\t{"maybe": 1.0}\n', "unknown label 'maybe'"),
    ('t1 [0.5, 0.5]\n', "row 1: expected `item_id<TAB>soft label`"),
])
def test_bad_predictions_name_file_row_field_and_write_nothing(tmp_path, content, message):
    (tmp_path / "bad.tsv").write_text(content, encoding="utf-8")
    out = tmp_path / "store.duckdb"
    out.write_bytes(b"previous store")
    cfg = write_study(tmp_path, RUN.format(path="bad.tsv", extra=""))
    with pytest.raises(StudyError) as e:
        build_store(load_study(cfg), out, show_progress=False)
    assert message in str(e.value) and "bad.tsv" in str(e.value)
    assert out.read_bytes() == b"previous store"


def test_unknown_sample_label_is_an_error(tmp_path):
    pd.DataFrame({"item_id": ["t1"], "label": ["2"]}).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(StudyError, match=r"s.csv, row 1, field label: unknown label"):
        build(tmp_path, "s.csv")


# ---------------------------------------------------------------- forgiving on request, and counted

def cli_build(tmp_path, extra, capsys, path="p.csv"):
    """Build through the CLI; (exit code, stdout, stderr)."""
    cfg = write_study(tmp_path, RUN.format(path=path, extra=extra))
    code = main(["build", "--config", str(cfg), "--out", str(tmp_path / "cli.duckdb"), "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


ROUNDED = {"item_id": ["t1", "t2", "t3"], "probs": ["[0.33, 0.66]", "[0.5, 0.5]", "[0.67, 0.33]"]}


def test_rounded_probabilities_are_refused_with_a_hint_naming_file_row_and_field(tmp_path, capsys):
    pd.DataFrame(ROUNDED).to_csv(tmp_path / "p.csv", index=False)
    code, _, err = cli_build(tmp_path, "", capsys)
    assert code == 2
    assert "p.csv, row 1, field probs: probabilities sum to 0.9900, not 1" in err
    assert "set renormalise = true in this [[run]]" in err


def test_renormalise_rescales_within_the_tolerance_and_says_how_many(tmp_path, capsys):
    pd.DataFrame(ROUNDED).to_csv(tmp_path / "p.csv", index=False)
    code, out, _ = cli_build(tmp_path, "renormalise = true", capsys)
    assert code == 0
    assert "renormalised 1 probability vector(s) whose sums were off 1 by up to 0.0100" in out
    got = build(tmp_path, "p.csv", "renormalise = true")
    assert np.allclose(np.stack(got["probs"].tolist())[0], [1 / 3, 2 / 3])
    assert main(["info", str(tmp_path / "cli.duckdb")]) == 0
    assert "ext: predictions for 3 of 6 items; renormalised 1 probability vector(s)" in capsys.readouterr().out
    far = dict(ROUNDED, probs=["[0.3, 0.6]", "[0.5, 0.5]", "[0.5, 0.5]"])
    pd.DataFrame(far).to_csv(tmp_path / "p.csv", index=False)
    code, _, err = cli_build(tmp_path, "renormalise = true\nrenormalise_tolerance = 0.05", capsys)
    assert code == 2 and "row 1, field probs: probabilities sum to 0.9000, off 1 by more than " \
                          "renormalise_tolerance (0.05); not rescaled" in err


@pytest.mark.parametrize("columns", [["0", "1"], ["p_0", "p_1"], ["prob_1", "prob_0"]])
def test_per_label_columns_are_found_without_probs_columns(tmp_path, columns):
    frame = pd.DataFrame({"item_id": ["t1", "t2"], columns[0]: [0.9, 0.3], columns[1]: [0.1, 0.7]})
    frame.to_csv(tmp_path / "p.csv", index=False)
    got = build(tmp_path, "p.csv")
    expected = [[0.9, 0.1], [0.3, 0.7]] if columns[0].endswith("0") else [[0.1, 0.9], [0.7, 0.3]]
    assert np.allclose(np.stack(got["probs"].tolist()), expected)


def test_probs_kind_without_a_vector_or_label_columns_says_what_is_missing(tmp_path):
    pd.DataFrame({"item_id": ["t1"], "yes": [0.5], "no": [0.5]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(StudyError, match=r"p.csv, row 1: no 'probs' column \(probs_column\) and no column per "
                                         r"label \(0, 1\); name the columns with probs_columns"):
        build(tmp_path, "p.csv", 'kind = "probs"')
    with pytest.raises(StudyError, match=r"cannot tell what import \[\[run\]\] 'ext' holds"):
        build(tmp_path, "p.csv")


def test_label_map_turns_raw_codes_into_the_task_labels(tmp_path):
    rows = [("t1", "no"), ("t1", "no"), ("t1", "yes"), ("t2", "yes")]
    pd.DataFrame(rows, columns=["item_id", "label"]).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(StudyError, match=r"s.csv, row 1, field label: unknown label 'no'; labels are \['0', '1'\] "
                                         r"\(map raw codes with label_map\)"):
        build(tmp_path, "s.csv")
    got = build(tmp_path, "s.csv", 'label_map = { no = "0", yes = "1" }').set_index("item_id")
    assert list(got.loc["t1", "probs"]) == pytest.approx([2 / 3, 1 / 3])
    pd.DataFrame({"item_id": ["t1"], "p_no": [0.2], "p_yes": [0.8]}).to_csv(tmp_path / "c.csv", index=False)
    got = build(tmp_path, "c.csv", 'label_map = { no = "0", yes = "1" }')
    assert list(got["probs"].iloc[0]) == pytest.approx([0.2, 0.8])
    with pytest.raises(StudyError, match=r"key 'label_map': 'yes' maps to 'I', which is not a label"):
        build(tmp_path, "s.csv", 'label_map = { no = "0", yes = "I" }')


MODELS = """model_column = "model"
[run.models.r1]
training = "rlvr"
pair_id = "qwen"
[run.models.chat]
model_id = "qwen-chat"
training = "rlhf"
pair_id = "qwen"
display_name = "Qwen chat"
"""


def test_a_model_column_splits_one_file_into_one_run_per_model(tmp_path):
    rows = [("t1", "r1", 0.9), ("t2", "r1", 0.2), ("t1", "chat", 0.6), ("t3", "chat", 0.5)]
    pd.DataFrame(rows, columns=["item_id", "model", "pos_share"]).to_csv(tmp_path / "m.csv", index=False)
    cfg = write_study(tmp_path, RUN.format(path="m.csv", extra=MODELS).replace(
        'model_id = "ext-model"\ntraining = "rlhf"\n', ""))
    build_store(load_study(cfg), tmp_path / "m.duckdb", show_progress=False)
    store = Store(tmp_path / "m.duckdb")
    try:
        runs = store.rows("SELECT r.run_id, m.model_id, m.training, m.pair_id, m.display_name, count(*) "
                          "FROM runs r JOIN models m USING (model_id) JOIN model_dist d USING (run_id) "
                          "WHERE r.source = 'imported' GROUP BY ALL ORDER BY 1")
    finally:
        store.close()
    assert runs == [("ext-chat", "qwen-chat", "rlhf", "qwen", "Qwen chat", 2),
                    ("ext-r1", "r1", "rlvr", "qwen", "r1", 2)]


@pytest.mark.parametrize("model, message", [
    ("r2", r"m.csv, row 2, field model: model 'r2' has no \[run.models.r2\] table in import \[\[run\]\] 'ext'. "
           r"Did you mean 'r1'\?"),
    ("r1", r"m.csv, field model: no row for declared model\(s\) chat"),
])
def test_model_column_values_and_tables_must_match(tmp_path, model, message):
    pd.DataFrame({"item_id": ["t1", "t2"], "model": ["r1", model], "pos_share": [0.5, 0.5]}).to_csv(
        tmp_path / "m.csv", index=False)
    with pytest.raises(StudyError, match=message):
        build(tmp_path, "m.csv", MODELS)


def test_coverage_and_dropped_items_are_reported_by_build(tmp_path, capsys):
    pd.DataFrame({"item_id": ["t1", "t2", "t7"], "pos_share": [0.5, 0.5, 0.5]}).to_csv(tmp_path / "p.csv", index=False)
    code, out, _ = cli_build(tmp_path, "", capsys)
    assert code == 0
    assert ("ext: predictions for 2 of 6 items; 1 prediction row(s) for items dropped for fewer than 2 "
            "ratings not used") in out
