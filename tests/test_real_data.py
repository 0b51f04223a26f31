"""examples/real-data.toml over ../shared/datasets: every task's item, rating and dropped counts equal
counts computed here independently from the raw files (skips when ../shared is absent)."""
import csv
import json
from collections import Counter

import pytest

from data_layer.queries.annotators import item_annotators
from data_layer.store import Store
from precompute.__main__ import main
from precompute.build import build_store
from precompute.config import load_study
from tests.conftest import ROOT, datasets_or_skip

MIN = 2  # examples/real-data.toml's min_annotators


def _per_item(sizes: list[int]) -> tuple[int, int, int]:
    """(items kept, ratings kept, items dropped) for a list of ratings-per-item."""
    kept = [n for n in sizes if n >= MIN]
    return len(kept), sum(kept), len(sizes) - len(kept)


def _lewidi(folder, prefix, size) -> list[int]:
    out = []
    for split in ("train", "dev", "test"):
        path = folder / f"{prefix}_{split}.json"
        if path.exists():
            out += [size(rec) for rec in json.loads(path.read_text(encoding="utf-8")).values()]
    return out


def expected_counts(d) -> dict[str, tuple[int, int, int]]:
    exp = {}
    for task, name in [("snli", "snli"), ("mnli", "mnli_m"), ("anli", "alphanli")]:
        with open(d / "chaosnli" / f"chaosNLI_{name}.jsonl", encoding="utf-8") as f:
            exp[f"chaosnli-{task}"] = _per_item([sum(json.loads(line)["label_count"]) for line in f if line.strip()])
    for task, name in [("990", "dices_990"), ("350", "dices_350_crowdsourced")]:
        data = json.loads((d / "dices" / f"{name}.json").read_text(encoding="utf-8"))
        exp[f"dices-{task}"] = _per_item([len(i["annotations"]["safety"]["individual_human_scores"])
                                          for i in data["instances"]])
    for task, prefix in [("md", "MD-Agreement"), ("hsbrexit", "HS-Brexit"), ("convabuse", "ConvAbuse"),
                         ("convabuse-binary", "ConvAbuse"), ("armis", "ArMIS")]:
        exp[f"lewidi23-{task}"] = _per_item(_lewidi(d / "lewidi2023", prefix,
                                                    lambda r: len(r["annotations"].split(","))))
    for task, prefix in [("csc", "CSC"), ("mp", "MP"), ("paraphrase", "Paraphrase"), ("varierrnli-e", "VariErrNLI"),
                         ("varierrnli-n", "VariErrNLI"), ("varierrnli-c", "VariErrNLI")]:
        exp[f"lewidi25-{task}"] = _per_item(_lewidi(d / "lewidi2025", prefix, lambda r: len(r["annotations"])))
    with open(d / "popquorn_offensiveness" / "offensiveness_raw_data.csv", encoding="utf-8", newline="") as f:
        exp["popquorn-offensiveness"] = _per_item(list(Counter(r["instance_id"] for r in csv.DictReader(f)).values()))
    with open(d / "emobank" / "raw.csv", encoding="utf-8", newline="") as f:
        ids = [r["id"] for r in csv.DictReader(f)]
    with open(d / "emobank" / "individual_reader_ratings.csv", encoding="utf-8", newline="") as f:
        valid = Counter(r["id"] for r in csv.DictReader(f) if not r["V"] == r["A"] == r["D"] == "1")
    for dim in ("valence", "arousal", "dominance"):
        exp[f"emobank-{dim}"] = _per_item([valid[i] for i in ids])
    return exp


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    datasets = datasets_or_skip()
    text = (ROOT / "examples" / "real-data.toml").read_text(encoding="utf-8")
    text = text.replace("../../shared/datasets", datasets.as_posix()).replace("baselines = true", "baselines = false")
    folder = tmp_path_factory.mktemp("real")
    (folder / "real-data.toml").write_text(text, encoding="utf-8")
    out = folder / "real.duckdb"
    build_store(load_study(folder / "real-data.toml"), out, show_progress=False)
    return out


def test_counts_match_the_raw_files(real_store):
    expected = expected_counts(datasets_or_skip())
    store = Store(real_store)
    try:
        got = {t: (n, r, dropped) for t, n, r, dropped in store.rows(
            "SELECT task_id, n_items, n_ratings, n_dropped_items FROM task_cards")}
        assert got == expected
        per_task = dict(store.rows("SELECT task_id, count(*) FROM annotations GROUP BY 1"))
        for task in ("lewidi23-md", "lewidi25-mp", "popquorn-offensiveness", "lewidi25-varierrnli-n"):
            assert per_task[task] == expected[task][1]  # per-rater rows kept for every counted rating
        r = item_annotators(store, "popquorn-offensiveness", "530")
        assert r.ok and {"gender", "race", "age"} <= set(r.frame.columns)
        for task in ("lewidi25-csc", "lewidi25-mp", "lewidi25-paraphrase", "lewidi25-varierrnli-e"):
            item = store.scalar("SELECT min(a.item_id) FROM annotations a JOIN tasks t USING (task_id) "
                                "JOIN annotators n ON n.dataset = t.dataset AND n.annotator_id = a.annotator_id "
                                "WHERE a.task_id = ?", [task])
            r = item_annotators(store, task, item)
            assert r.ok and r.frame["Gender"].notna().any(), task
    finally:
        store.close()


def test_info_lists_every_task(real_store, capsys):
    assert main(["info", str(real_store)]) == 0
    out = capsys.readouterr().out
    for task in expected_counts(datasets_or_skip()):
        assert task in out
    assert "Dropped for too few annotators" in out and "'emobank-valence': 223" in out
