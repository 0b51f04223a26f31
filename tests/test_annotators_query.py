"""data_layer.queries.annotators on stores built from POPQUORN- and CSC-like fixtures."""
import pytest

from data_layer.queries.annotators import item_annotators
from data_layer.store import Store
from tests.test_adapters import POPQUORN_HEADER, _chaos_files, _lw25_files, build


@pytest.fixture
def store(tmp_path):
    rows = ("7,u1,text,2.0,Woman,Asian,18-24,Student,College degree\n"
            "7,u2,text,1.0,Man,White,>65,Retired,Graduate degree\n"
            "7,u3,text,1.0,Non-binary,White,25-29,Employed,College degree\n")
    build(tmp_path / "pq", "popquorn", {"offensiveness_raw_data.csv": POPQUORN_HEADER + rows}).close()
    build(tmp_path / "lw", "lewidi2025", _lw25_files()).close()
    build(tmp_path / "ch", "chaosnli", _chaos_files()).close()
    stores = {k: Store(tmp_path / k / "out.duckdb") for k in ("pq", "lw", "ch")}
    yield stores
    for s in stores.values():
        s.close()


def test_popquorn_item_annotators_with_demographics(store):
    r = item_annotators(store["pq"], "popquorn-offensiveness", "7")
    assert r.ok
    f = r.frame
    assert list(f["annotator_id"]) == ["u2", "u3", "u1"]  # label order, then annotator id
    assert list(f["label"]) == ["1", "1", "2"] and list(f["label_index"]) == [0, 0, 1]
    assert f.loc[f.annotator_id == "u2", "age"].item() == ">65"
    assert {"gender", "race", "age", "occupation", "education"} <= set(f.columns)


def test_csc_item_annotators_with_partial_demographics(store):
    f = item_annotators(store["lw"], "lewidi25-csc", "test-10").frame
    assert list(f["annotator_id"]) == ["Ann0", "Ann2"]
    assert f.loc[f.annotator_id == "Ann0", "Gender"].item() == "Female"
    assert f.loc[f.annotator_id == "Ann2", "Gender"].item() is None  # no meta row for Ann2
    mp = item_annotators(store["lw"], "lewidi25-mp", "dev-2").frame
    assert mp.loc[mp.annotator_id == "Ann5", "Gender"].item() == "Male"  # meta key "5" -> Ann5


def test_empty_answers_say_why(store):
    r = item_annotators(store["ch"], "chaosnli-snli", "s1")
    assert not r.ok and "no per-annotator ratings" in r.message
    r = item_annotators(store["pq"], "popquorn-offensiveness", "nope")
    assert not r.ok and "no item 'nope'" in r.message
