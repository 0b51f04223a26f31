"""Generic dataset formats (long, label-lists, counts) over CSV, TSV, JSON, JSONL and Parquet, their
validation, and hf:// paths read offline from a Hugging Face cache. Every test builds a real store."""
import json

import duckdb
import pandas as pd
import pytest

from precompute.__main__ import main
from precompute.build import build_store
from precompute.config import load_study
from precompute.study import StudyError

STUDY = '[study]\nname = "t"\nbaselines = false\n'


def _write(folder, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, pd.DataFrame):
            content.to_parquet(path)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")


def build(tmp_path, toml: str, files: dict):
    """Write the files and study.toml into tmp_path, build, return a connection to the store."""
    _write(tmp_path, files)
    (tmp_path / "study.toml").write_text(STUDY + toml, encoding="utf-8")
    out = tmp_path / "out.duckdb"
    build_store(load_study(tmp_path / "study.toml"), out, show_progress=False)
    return duckdb.connect(str(out), read_only=True)


def counts(con, task):
    return {i: list(c) for i, c in con.execute(
        "SELECT item_id, counts FROM human_dist WHERE task_id = ? ORDER BY item_id", [task]).fetchall()}


RATINGS_CSV = ("item,worker,score,text,age\n"
               "a,w1,1.0,first comment,30\n"
               "a,w2,2,first comment,41\n"
               "a,w3,2,first comment,25\n"
               "b,w1,3,second comment,30\n"
               "b,w2,3,second comment,41\n"
               "c,w3,1,lonely item,25\n")
LONG = """
[[dataset]]
format = "long"
task = "off"
path = "r.csv"
labels = ["1", "2", "3"]
scale = "ordinal"
[dataset.columns]
item_id = "item"
annotator_id = "worker"
label = "score"
text = "text"
demographics = ["age"]
"""


def test_long_csv_counts_annotations_demographics_and_drops(tmp_path, capsys):
    con = build(tmp_path, LONG, {"r.csv": RATINGS_CSV})
    assert counts(con, "off") == {"a": [1, 2, 0], "b": [0, 0, 2]}  # "1.0" matches label "1"
    assert con.execute("SELECT n_items, n_ratings, n_annotators, n_dropped_items FROM task_cards").fetchone() \
        == (2, 5, 3, 1)
    assert con.execute("SELECT count(*) FROM annotations").fetchone()[0] == 5  # c was dropped
    demo = dict(con.execute("SELECT annotator_id, demographics FROM annotators ORDER BY 1").fetchall())
    assert json.loads(demo["w2"]) == {"age": "41"} and len(demo) == 3
    con.close()
    assert main(["info", str(tmp_path / "out.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "Dropped for too few annotators: {'off': 1}" in out


def test_long_tsv_with_items_file_and_one_task_per_column(tmp_path):
    ratings = "id\tV\tA\nx\t1\t5\nx\t2\t5\ny\t3\t4\ny\t3\t4\n"
    items = "\n".join(json.dumps(r) for r in [{"id": "x", "premise": "P1", "hyp": "H1", "split": "dev"},
                                              {"id": "y", "premise": "P2", "hyp": "H2", "split": "test"},
                                              {"id": "z", "premise": "P3", "hyp": "H3", "split": "test"}])
    toml = """
[[dataset]]
format = "long"
path = "r.tsv"
items_path = "items.jsonl"
labels = ["1", "2", "3", "4", "5"]
scale = "ordinal"
text_template = "Premise: {premise} / {hyp}"
columns = { item_id = "id", context = ["premise", "hyp"], metadata = ["split"] }
[[dataset.task]]
id = "valence"
columns = { label = "V" }
[[dataset.task]]
id = "arousal"
name = "Arousal"
columns = { label = "A" }
"""
    con = build(tmp_path, toml, {"r.tsv": ratings, "items.jsonl": items})
    assert counts(con, "valence") == {"x": [1, 1, 0, 0, 0], "y": [0, 0, 2, 0, 0]}
    assert counts(con, "arousal") == {"x": [0, 0, 0, 0, 2], "y": [0, 0, 0, 2, 0]}
    text, ctx, meta = con.execute("SELECT text, context, metadata FROM items WHERE task_id = 'valence' "
                                  "AND item_id = 'x'").fetchone()
    assert text == "Premise: P1 / H1" and json.loads(ctx) == {"premise": "P1", "hyp": "H1"}
    assert json.loads(meta) == {"split": "dev"}
    assert con.execute("SELECT n_dropped_items FROM task_cards WHERE task_id = 'arousal'").fetchone() == (1,)
    assert con.execute("SELECT name FROM tasks WHERE task_id = 'arousal'").fetchone() == ("Arousal",)


def test_long_parquet_and_json_records(tmp_path):
    frame = pd.DataFrame({"item": ["a", "a", "b", "b"], "label": [0, 1, 1, 1], "text": ["t1", "t1", "t2", "t2"]})
    records = frame.to_dict(orient="records")
    toml = """
[[dataset]]
format = "long"
task = "pq"
path = "r.parquet"
labels = ["0", "1"]
columns = { item_id = "item", label = "label", text = "text" }
[[dataset]]
format = "long"
task = "js"
path = "r.json"
labels = ["0", "1"]
columns = { item_id = "item", label = "label", text = "text" }
"""
    con = build(tmp_path, toml, {"r.parquet": frame, "r.json": {"data": records}})
    assert counts(con, "pq") == counts(con, "js") == {"a": [1, 1], "b": [0, 2]}
    assert con.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0  # no annotator ids given


LISTS = """
[[dataset]]
format = "label-lists"
task = "ll"
path = "items.jsonl"
labels = ["0", "1"]
columns = { item_id = "id", text = "text", labels = "labels", annotators = "raters" }
"""


def test_label_lists_strings_lists_and_annotator_ids(tmp_path):
    rows = [{"id": 1, "text": "one", "labels": "[0, 1, 1]", "raters": "['r1', 'r2', 'r3']"},
            {"id": 2, "text": "two", "labels": [1, 1], "raters": ["r1", "r3"]}]
    con = build(tmp_path, LISTS, {"items.jsonl": "\n".join(json.dumps(r) for r in rows) + "\n"})
    assert counts(con, "ll") == {"1": [1, 2], "2": [0, 2]}
    assert con.execute("SELECT count(DISTINCT annotator_id), count(*) FROM annotations").fetchone() == (3, 5)


def test_label_lists_several_tasks_from_one_csv_with_separator(tmp_path):
    csv = 'id,text,anger,joy\n1,hi,"0,1,1","1,1,1"\n2,yo,"0,0","0,1"\n'
    toml = """
[[dataset]]
format = "label-lists"
path = "e.csv"
list_separator = ","
labels = ["0", "1"]
columns = { item_id = "id", text = "text" }
[[dataset.task]]
id = "anger"
columns = { labels = "anger" }
[[dataset.task]]
id = "joy"
columns = { labels = "joy" }
"""
    con = build(tmp_path, toml, {"e.csv": csv})
    assert counts(con, "anger") == {"1": [1, 2], "2": [2, 0]}
    assert counts(con, "joy") == {"1": [0, 3], "2": [1, 1]}


def test_counts_mapping_list_and_columns(tmp_path):
    csv = 'uid,text,counter,n_e,n_n,n_c,listed\nu1,one,"{""e"": 3, ""c"": 1}",3,0,1,"[3, 0, 1]"\n' \
          'u2,two,"{""n"": 5}",0,5,0,"[0, 5, 0]"\n'
    base = '[[dataset]]\nformat = "counts"\npath = "c.csv"\nlabels = ["e", "n", "c"]\n'
    toml = (base + 'task = "map"\ncolumns = { item_id = "uid", text = "text", counts = "counter" }\n'
            + base + 'task = "cols"\ncolumns = { item_id = "uid", text = "text", '
                     'count_columns = ["n_e", "n_n", "n_c"] }\n'
            + base + 'task = "list"\ncolumns = { item_id = "uid", text = "text", counts = "listed" }\n')
    con = build(tmp_path, toml, {"c.csv": csv})
    expected = {"u1": [3, 0, 1], "u2": [0, 5, 0]}
    assert counts(con, "map") == counts(con, "cols") == counts(con, "list") == expected


BAD = [
    ("long", "r.csv", "item,worker,score,text\na,w1,1,t\na,w2,7,t\n",
     r"r\.csv, row 2 \(line 3\), field columns\.label: label '7' is not one of"),
    ("long", "r.csv", "item,worker,score,text\na,w1,1,t\na,w1,2,t\n",
     r"r\.csv, row 2 \(line 3\), field annotator_id: annotator 'w1' rated item 'a' twice"),
    ("long", "r.csv", "id,worker,score,text\na,w1,1,t\n",
     r"r\.csv, header, field columns\.item_id: no column 'item'"),
    ("long", "r.csv", "item,worker,score\na,w1,1\n", r"r\.csv, header, field columns\.text: no column 'text'"),
    ("long", "r.csv", "item,worker,score,text\n,w1,1,t\n",
     r"r\.csv, row 1 \(line 2\), field columns\.item_id \(column 'item'\): empty value"),
    ("long", "r.csv", "", r"r\.csv: the file is empty"),
    ("long", "r.csv", "item,worker,score,text\n", r"r\.csv: the file has no data rows"),
    ("lists", "items.jsonl", '{"id": 1, "text": "x", "labels": "[0, 1", "raters": "[1, 2]"}\n',
     r"items\.jsonl, row 1 \(line 1\), field columns\.labels: malformed list '\[0, 1'"),
    ("lists", "items.jsonl", '{"id": 1, "text": "x", "labels": "[0, 2]", "raters": "[1, 2]"}\n',
     r"items\.jsonl, row 1 \(line 1\), field columns\.labels: label 2 is not one of"),
    ("lists", "items.jsonl", '{"id": 1, "text": "x", "labels": "[0, 1]", "raters": "[1]"}\n',
     r"items\.jsonl, row 1 \(line 1\), field columns\.annotators: 1 annotator ids for 2 labels"),
    ("lists", "items.jsonl", '{"id": 1, "text": "x"}\n{"id": 2, "oops\n',
     r"items\.jsonl, line 2: not valid JSON"),
]


@pytest.mark.parametrize("fmt, name, content, message", BAD, ids=[b[3][:40] for b in BAD])
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, capsys, fmt, name, content, message):
    toml = LONG.replace('demographics = ["age"]', "") if fmt == "long" else LISTS
    (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "study.toml").write_text(STUDY + toml, encoding="utf-8")
    with pytest.raises(StudyError, match=message):
        load_study(tmp_path / "study.toml")
    assert main(["build", "--config", str(tmp_path / "study.toml"), "--out", str(tmp_path / "s.duckdb"),
                 "--quiet"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "s.duckdb").exists()


def test_config_mistakes_are_refused(tmp_path):
    (tmp_path / "r.csv").write_text(RATINGS_CSV, encoding="utf-8")
    for bad, message in [(LONG.replace("scale =", "scael ="), "unknown key 'scael'. Did you mean 'scale'"),
                         (LONG.replace('task = "off"\n', ""), "give task = "),
                         (LONG.replace('labels = ["1", "2", "3"]\n', ""), "missing key 'labels'"),
                         (LONG.replace('path = "r.csv"', 'path = "r.xlsx"'), "file not found"),
                         (LONG.replace('format = "long"', 'format = "lnog"'), "Did you mean 'long'")]:
        (tmp_path / "study.toml").write_text(STUDY + bad, encoding="utf-8")
        with pytest.raises(StudyError, match=message):
            load_study(tmp_path / "study.toml")


def test_inconsistent_demographics_are_refused(tmp_path):
    (tmp_path / "r.csv").write_text(RATINGS_CSV.replace("b,w1,3,second comment,30", "b,w1,3,second comment,31"))
    (tmp_path / "study.toml").write_text(STUDY + LONG, encoding="utf-8")
    with pytest.raises(StudyError, match=r"row 4 \(line 5\), field demographics: annotator 'w1'"):
        load_study(tmp_path / "study.toml")


def _hf_cache(root, commit="0123456789abcdef0123456789abcdef01234567"):
    """A Hugging Face cache holding datasets/someone/ratings at `commit` (refs/main points there)."""
    repo = root / "datasets--someone--ratings"
    snap = repo / "snapshots" / commit / "data"
    snap.mkdir(parents=True)
    (snap / "r.csv").write_text(RATINGS_CSV, encoding="utf-8")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return commit


def test_hub_path_offline_from_cache(tmp_path, monkeypatch):
    commit = _hf_cache(tmp_path / "hub")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    for path in ["hf://datasets/someone/ratings/data/r.csv", f"hf://datasets/someone/ratings/data/r.csv@{commit}"]:
        con = build(tmp_path, LONG.replace('"r.csv"', f'"{path}"'), {})
        assert counts(con, "off") == {"a": [1, 2, 0], "b": [0, 0, 2]}
        con.close()
    pinned = LONG.replace('path = "r.csv"', f'path = "hf://datasets/someone/ratings/data/r.csv"\nrevision = "{commit}"')
    assert counts(build(tmp_path, pinned, {}), "off")["a"] == [1, 2, 0]
    (tmp_path / "study.toml").write_text(STUDY + LONG.replace('"r.csv"', '"hf://datasets/someone/ratings/r.csv@v9"'))
    with pytest.raises(StudyError, match="cannot fetch 'r.csv' of dataset 'someone/ratings' at revision v9 "
                                         r"\(HF_HUB_OFFLINE is set"):
        load_study(tmp_path / "study.toml")
    (tmp_path / "study.toml").write_text(STUDY + LONG.replace('"r.csv"', '"hf://datasets/someone"'))
    with pytest.raises(StudyError, match="a Hub path has the shape"):
        load_study(tmp_path / "study.toml")
