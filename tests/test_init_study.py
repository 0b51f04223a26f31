"""`python -m precompute init` and `import`: a commented study file from a researcher's own files, valid
against the schema, that builds with the real pipeline."""
import json
import tomllib

import duckdb
import pandas as pd
import pytest

from precompute.__main__ import main


def ratings_long(folder):
    rows = [(f"i{i}", f"w{w}", (i + w) % 3 + 1, f"comment number {i}", 20 + w) for i in range(6) for w in range(3)]
    pd.DataFrame(rows, columns=["instance_id", "user_id", "rating", "comment", "age"]).to_csv(
        folder / "ratings.csv", index=False)
    return folder / "ratings.csv"


def run_cli(args, capsys):
    code = main(args)
    return code, capsys.readouterr().out


def build(study, capsys):
    code, out = run_cli(["build", "--config", str(study), "--out", str(study.with_suffix(".duckdb")), "--quiet"],
                        capsys)
    assert code == 0, out
    return duckdb.connect(str(study.with_suffix(".duckdb")), read_only=True)


def test_long_csv_columns_are_recognised_and_the_study_builds(tmp_path, capsys):
    ratings = ratings_long(tmp_path)
    study = tmp_path / "study.toml"
    code, out = run_cli(["init", str(ratings), "--out", str(study)], capsys)
    assert code == 0 and "Ready: python -m precompute build" in out
    cfg = tomllib.loads(study.read_text(encoding="utf-8"))
    ds = cfg["dataset"][0]
    assert (ds["format"], ds["path"], ds["labels"], ds["scale"]) == ("long", "ratings.csv", ["1", "2", "3"], "ordinal")
    assert ds["columns"] == {"item_id": "instance_id", "text": "comment", "label": "rating",
                             "annotator_id": "user_id", "demographics": ["age"]}
    assert "# QUESTION: is this a rating scale (ordinal)?" in study.read_text(encoding="utf-8")
    con = build(study, capsys)
    assert con.execute("SELECT count(*), count(DISTINCT annotator_id) FROM annotations").fetchone() == (18, 3)
    code, out = run_cli(["init", str(ratings), "--out", str(study)], capsys)
    assert code == 2


def test_label_lists_and_counts_files_and_unrecognised_columns_become_questions(tmp_path, capsys):
    recs = [{"id": f"x{i}", "body": f"sentence {i}", "labels": [0, 1, 1], "annotators": ["a", "b", "c"]}
            for i in range(4)]
    (tmp_path / "lists.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    code, out = run_cli(["init", str(tmp_path / "lists.jsonl"), "--out", str(tmp_path / "l.toml")], capsys)
    text = (tmp_path / "l.toml").read_text(encoding="utf-8")
    assert code == 0 and 'format = "label-lists"' in text and 'annotators = "annotators"' in text
    assert "# QUESTION: which column holds the item text? I took 'body'" in text
    build(tmp_path / "l.toml", capsys)
    pd.DataFrame({"uid": ["u1", "u2"], "premise": ["a cat", "a dog"],
                  "label_counter": [{"e": 3, "n": 1}, {"c": 4}]}).to_parquet(tmp_path / "c.parquet")
    assert run_cli(["init", str(tmp_path / "c.parquet"), "--out", str(tmp_path / "c.toml")], capsys)[0] == 0
    con = build(tmp_path / "c.toml", capsys)
    assert con.execute("SELECT item_id, counts FROM human_dist ORDER BY 1").fetchall() == [("u1", [0, 3, 1]),
                                                                                          ("u2", [4, 0, 0])]


def test_predictions_become_import_runs_and_a_sibling_pair(tmp_path, capsys):
    ratings = ratings_long(tmp_path)
    ids = [f"i{i}" for i in range(6)]
    pd.DataFrame({"instance_id": ids, "p_1": 0.2, "p_2": 0.3, "p_3": 0.5}).to_csv(tmp_path / "deepseek-r1.csv",
                                                                                 index=False)
    pd.DataFrame({"instance_id": ids[:3], "prediction": ["1", "2", "2"]}).to_csv(tmp_path / "qwen-chat.csv",
                                                                                index=False)
    study = tmp_path / "study.toml"
    code, out = run_cli(["init", str(ratings), "--predictions", str(tmp_path / "deepseek-r1.csv"),
                         "--predictions", str(tmp_path / "qwen-chat.csv"), "--out", str(study)], capsys)
    assert code == 0 and "init paired them" in out
    runs = tomllib.loads(study.read_text(encoding="utf-8"))["run"]
    assert [(r["name"], r["training"], r["pair_id"]) for r in runs] == [("deepseek-r1", "rlvr", "pair-1"),
                                                                       ("qwen-chat", "rlhf", "pair-1")]
    assert runs[1]["label_column"] == "prediction" and runs[0]["item_column"] == "instance_id"
    con = build(study, capsys)
    assert con.execute("SELECT run_id, count(*) FROM model_dist WHERE run_id NOT LIKE 'baseline%' "
                       "GROUP BY 1 ORDER BY 1").fetchall() == [("deepseek-r1", 6), ("qwen-chat", 3)]


def test_import_adds_a_run_with_a_label_map_and_a_model_column(tmp_path, capsys):
    ratings_long(tmp_path)
    study = tmp_path / "study.toml"
    assert run_cli(["init", str(tmp_path / "ratings.csv"), "--out", str(study)], capsys)[0] == 0
    pd.DataFrame({"instance_id": ["i0", "i1", "i0"], "model": ["m-r1", "m-r1", "m-chat"],
                  "answer": ["1", "3", "2"]}).to_csv(tmp_path / "both.csv", index=False)
    code, out = run_cli(["import", str(tmp_path / "both.csv"), "--config", str(study)], capsys)
    assert code == 0, out
    run = tomllib.loads(study.read_text(encoding="utf-8"))["run"][0]
    assert run["model_column"] == "model" and set(run["models"]) == {"m-r1", "m-chat"}
    assert run["models"]["m-r1"]["training"] == "rlvr"
    con = build(study, capsys)
    assert {r for (r,) in con.execute("SELECT run_id FROM runs WHERE source = 'imported'").fetchall()} == \
        {"both-m-r1", "both-m-chat"}


@pytest.mark.parametrize("codes, mapped", [(["n", "e", "c"], {"n": "neutral", "e": "entailment", "c": "contradiction"})])
def test_raw_codes_are_mapped_by_their_first_letters(tmp_path, capsys, codes, mapped):
    rows = [(f"q{i}", f"w{w}", ["neutral", "entailment", "contradiction"][(i + w) % 3], f"premise {i}")
            for i in range(3) for w in range(2)]
    pd.DataFrame(rows, columns=["item_id", "worker", "label", "text"]).to_csv(tmp_path / "nli.csv", index=False)
    pd.DataFrame({"item_id": ["q0", "q1", "q2"], "label": codes}).to_csv(tmp_path / "pred.csv", index=False)
    study = tmp_path / "s.toml"
    code, out = run_cli(["init", str(tmp_path / "nli.csv"), "--predictions", str(tmp_path / "pred.csv"),
                         "--out", str(study)], capsys)
    assert code == 0, out
    assert tomllib.loads(study.read_text(encoding="utf-8"))["run"][0]["label_map"] == mapped
    build(study, capsys)
