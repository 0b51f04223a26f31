"""`source = "import"`: predictions made elsewhere, validated like human data, built into a store."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data_layer.store import Store
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
