"""Named adapters on tiny fixtures laid out like the real datasets (see each PROVENANCE.md), including
bad rows. Each test builds a real store with the real pipeline."""
import json

import duckdb
import pytest

from precompute.build import build_store
from precompute.config import load_study
from precompute.study import StudyError

STUDY = '[study]\nname = "t"\nbaselines = false\n'


def _write(folder, files: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / name).write_text(text, encoding="utf-8")


def _toml(adapter: str, extra: str = "") -> str:
    return STUDY + f'[[dataset]]\nadapter = "{adapter}"\npath = "data"\n{extra}'


def build(tmp_path, adapter, files, extra=""):
    _write(tmp_path / "data", files)
    (tmp_path / "study.toml").write_text(_toml(adapter, extra), encoding="utf-8")
    out = tmp_path / "out.duckdb"
    build_store(load_study(tmp_path / "study.toml"), out, show_progress=False)
    return duckdb.connect(str(out), read_only=True)


def refused(tmp_path, adapter, files, message, extra=""):
    _write(tmp_path / "data", files)
    (tmp_path / "study.toml").write_text(_toml(adapter, extra), encoding="utf-8")
    with pytest.raises(StudyError, match=message):
        load_study(tmp_path / "study.toml")


def counts(con, task):
    return {i: list(c) for i, c in con.execute(
        "SELECT item_id, counts FROM human_dist WHERE task_id = ? ORDER BY item_id", [task]).fetchall()}


def card(con, task):
    return con.execute("SELECT n_items, n_ratings, n_annotators, n_dropped_items FROM task_cards "
                       "WHERE task_id = ?", [task]).fetchone()


# ---------------------------------------------------------------- ChaosNLI

def _chaos_nli(uid, count):
    return {"uid": uid, "label_count": count, "label_counter": {}, "old_label": "n",
            "old_labels": ["neutral"] * 5, "example": {"uid": uid, "premise": f"P {uid}",
                                                      "hypothesis": f"H {uid}", "source": "snli_agree_3"}}


def _chaos_files(snli_counts=(30, 70, 0)):
    anli = {"uid": "q1", "label_count": [97, 3], "old_label": 1,
            "example": {"uid": "q1", "obs1": "O1", "obs2": "O2", "hyp1": "H1", "hyp2": "H2", "source": "abdnli_dev"}}
    return {"chaosNLI_snli.jsonl": json.dumps(_chaos_nli("s1", list(snli_counts))) + "\n"
                                   + json.dumps(_chaos_nli("s2", [1, 1, 98])) + "\n",
            "chaosNLI_mnli_m.jsonl": json.dumps(_chaos_nli("m1", [50, 25, 25])) + "\n",
            "chaosNLI_alphanli.jsonl": json.dumps(anli) + "\n"}


def test_chaosnli(tmp_path):
    con = build(tmp_path, "chaosnli", _chaos_files())
    assert counts(con, "chaosnli-snli") == {"s1": [30, 70, 0], "s2": [1, 1, 98]}
    assert counts(con, "chaosnli-anli") == {"q1": [97, 3]}
    text, meta = con.execute("SELECT text, metadata FROM items WHERE item_id = 's1'").fetchone()
    assert text == "Premise: P s1\nHypothesis: H s1" and json.loads(meta)["source"] == "snli_agree_3"
    lic, labels = con.execute("SELECT license, labels FROM tasks WHERE task_id = 'chaosnli-mnli'").fetchone()
    assert lic == "CC BY-NC 4.0" and labels == ["entailment", "neutral", "contradiction"]
    assert card(con, "chaosnli-snli") == (2, 200, None, 0)


def test_chaosnli_bad_count_row(tmp_path):
    refused(tmp_path, "chaosnli", _chaos_files((30, 70)),
            r"chaosNLI_snli\.jsonl, row 1 \(line 1\), field columns\.counts: 2 counts for 3 labels")


def test_adapter_task_selection(tmp_path):
    con = build(tmp_path, "chaosnli", _chaos_files(), 'tasks = ["chaosnli-anli"]\n')
    assert [r[0] for r in con.execute("SELECT task_id FROM tasks").fetchall()] == ["chaosnli-anli"]
    refused(tmp_path / "x", "chaosnli", _chaos_files(), "unknown task 'chaosnli-anl'. Did you mean 'chaosnli-anli'",
            'tasks = ["chaosnli-anl"]\n')


# ---------------------------------------------------------------- DICES

def _dices(instances):
    return {"dataset": "Dices", "annotations": [{"metric": "safety", "labels_list": ["No", "Yes", "Unsure"]}],
            "instances": [{"id": i, "instance": {"user_prompt": p, "response": r},
                           "annotations": {"safety": {"majority_human": "No", "individual_human_scores": s}}}
                          for i, p, r, s in instances]}


def _dices_files(bad_label="Yes"):
    return {"dices_990.json": _dices([(1, "A: hi\\nB: hello\\nA: bye", "resp1", ["No", "Yes", bad_label]),
                                      (2, "A: q", "resp2", ["No", "No"])]),
            "dices_350_crowdsourced.json": _dices([(7, "USER: x\nLAMDA: y", "r7", ["Yes", "Unsure", "Yes"]),
                                                   (8, "USER: z", "r8", ["No", "No", "Yes"])]),
            "dices_350_expert.json": _dices([(7, "USER: x", "r7", ["Yes"]), (8, "USER: z", "r8", ["No"])])}


def test_dices(tmp_path):
    con = build(tmp_path, "dices", _dices_files())
    assert counts(con, "dices-990") == {"1": [1, 2, 0], "2": [2, 0, 0]}
    assert counts(con, "dices-350") == {"7": [0, 2, 1], "8": [2, 1, 0]}
    text, ctx = con.execute("SELECT text, context FROM items WHERE task_id = 'dices-990' AND item_id = '1'").fetchone()
    assert text == "resp1" and json.loads(ctx)["conversation"] == "A: hi\nB: hello\nA: bye"
    meta = con.execute("SELECT metadata FROM items WHERE task_id = 'dices-350' AND item_id = '7'").fetchone()[0]
    assert json.loads(meta) == {"expert_safety_gold": "Yes"}
    assert con.execute("SELECT label_names FROM tasks WHERE task_id = 'dices-990'").fetchone()[0][1] == "Yes (unsafe)"


def test_dices_bad_label(tmp_path):
    refused(tmp_path, "dices", _dices_files("Maybe"),
            r"dices_990\.json, row 1, field columns\.labels: label 'Maybe' is not one of")


# ---------------------------------------------------------------- LeWiDi 2023

def _lw23(text, annotators, labels, other=None, lang="en"):
    return {"text": text, "annotation task": "x", "number of annotations": len(labels.split(",")),
            "annotations": labels, "annotators": annotators, "lang": lang, "hard_label": "0",
            "soft_label": {}, "split": "?", "other_info": other or {}}


def _lw23_files(md_labels="0,0,1"):
    convo = json.dumps({"prev_agent": "a0", "prev_user": "u0", "agent": "a1", "user": "you are dumb"})
    brexit = {"annotators group": "group1,group1,group2", "group1": "target group", "group2": "control group"}
    return {
        "MD-Agreement_train.json": {"1": _lw23("tweet one", "Ann1,Ann2,Ann3", md_labels, {"domain": "BLM"}),
                                    "2": _lw23("tweet two", "Ann4,Ann4,Ann5", "0,0,1")},
        "MD-Agreement_test.json": {"1": _lw23("test tweet", "Ann1,Ann5", "1,1")},
        "HS-Brexit_dev.json": {"1": _lw23("brexit", "Ann1,Ann2,Ann4", "1,0,0", brexit)},
        "ConvAbuse_train.json": {"1": _lw23(convo, "Ann1,Ann2,Ann3", "-3,0,1"),
                                 "2": _lw23(convo, "Ann1,Ann3", "-1,-2")},
        "ArMIS_test.json": {"1": _lw23("نص", "Ann1,Ann2,Ann3", "1,0,0",
                                       {"Ann1": "Moderate_Female", "Ann2": "Liberal_Female",
                                        "Ann3": "Conservative_Male"}, "ar")},
    }


def test_lewidi2023(tmp_path):
    con = build(tmp_path, "lewidi2023", _lw23_files())
    assert counts(con, "lewidi23-md") == {"test-1": [0, 2], "train-1": [2, 1], "train-2": [2, 1]}
    notes = json.loads(con.execute("SELECT report FROM build_info").fetchone()[0])["tasks"]["lewidi23-md"]["notes"]
    assert any("repeat an annotator" in n and "item '2'" in n for n in notes)  # Ann4 twice: both kept
    assert counts(con, "lewidi23-convabuse") == {"train-1": [1, 0, 0, 1, 1], "train-2": [0, 1, 1, 0, 0]}
    assert counts(con, "lewidi23-convabuse-binary") == {"train-1": [2, 1], "train-2": [0, 2]}
    text, ctx, meta = con.execute("SELECT text, context, metadata FROM items WHERE task_id = 'lewidi23-convabuse' "
                                  "AND item_id = 'train-1'").fetchone()
    assert text == "you are dumb" and json.loads(ctx)["prev_user"] == "u0"
    assert json.loads(meta)["split"] == "train" and json.loads(meta)["id"] == "1"
    groups = dict(con.execute("SELECT annotator_id, demographics->>'group' FROM annotators "
                              "WHERE dataset = 'lewidi2023-hsbrexit'").fetchall())
    assert groups == {"Ann1": "target group", "Ann2": "target group", "Ann4": "control group"}
    armis = con.execute("SELECT demographics->>'group' FROM annotators WHERE dataset = 'lewidi2023-armis' "
                        "AND annotator_id = 'Ann3'").fetchone()[0]
    assert armis == "Conservative_Male"
    assert con.execute("SELECT scale FROM tasks WHERE task_id = 'lewidi23-convabuse'").fetchone()[0] == "ordinal"


def test_lewidi2023_bad_rows(tmp_path):
    refused(tmp_path / "a", "lewidi2023", _lw23_files("0,2,1"),
            r"MD-Agreement_train\.json, item '1', field annotations: label '2' is not one of")
    refused(tmp_path / "b", "lewidi2023", _lw23_files("0,1"),
            r"MD-Agreement_train\.json, item '1', field annotations: 2 labels for 3 annotators")


# ---------------------------------------------------------------- LeWiDi 2025

def _lw25(text, annotations, other=None):
    return {"annotation task": "x", "text": text, "annotators": ",".join(annotations),
            "number of annotations": len(annotations), "annotations": annotations, "soft_label": {},
            "split": "?", "lang": (other or {}).pop("lang", "en"), "other_info": other or {}}


def _lw25_files(nli_label="neutral"):
    meta4 = '{\n "Ann1": {"Gender": "Male", "Age": "26",},\n "Ann2": {"Gender": "Female", "Age": "30",},\n}'
    return {
        "CSC_dev.json": {"10": _lw25({"context": "ctx", "response": "sure, great"}, {"Ann0": "6", "Ann1": "5"})},
        "CSC_test.json": {"10": _lw25({"context": "c2", "response": "r2"}, {"Ann0": "1", "Ann2": "2"})},
        "CSC_annotators_meta.json": {"Ann0": {"Gender": "Female", "Age": "56"}, "Ann1": {"Gender": "Male", "Age": "34"}},
        "MP_dev.json": {"2": _lw25({"post": "p", "reply": "r"}, {"Ann0": "0", "Ann5": "1", "Ann7": "1"},
                                   {"lang": "de", "source": "reddit"})},
        "MP_annotators_meta.json": {"0": {"Age": 19.0, "Gender": "Female"}, "5": {"Age": float("nan"), "Gender": "Male"}},
        "Paraphrase_train.json": {"1": _lw25({"Question1": "q1", "Question2": "q2"}, {"Ann1": "-5", "Ann2": "5"},
                                             {"explanations": ["a", "b"]})},
        "Paraphrase_annotators_meta.json": meta4,
        "VariErrNLI_train.json": {"5": _lw25({"context": "prem", "statement": "hyp"},
                                             {"Ann1": "entailment,neutral", "Ann2": nli_label})},
        "VariErrNLI_dev.json": {"5": _lw25({"context": "other", "statement": "h"}, {"Ann1": "contradiction"})},
        "VariErrNLI_annotators_meta.json": meta4,
    }


def test_lewidi2025(tmp_path):
    con = build(tmp_path, "lewidi2025", _lw25_files())
    assert counts(con, "lewidi25-csc") == {"dev-10": [0, 0, 0, 0, 1, 1], "test-10": [1, 1, 0, 0, 0, 0]}
    assert counts(con, "lewidi25-paraphrase") == {"train-1": [1] + [0] * 9 + [1]}
    assert counts(con, "lewidi25-varierrnli-e") == {"train-5": [1, 1]}
    assert counts(con, "lewidi25-varierrnli-n") == {"train-5": [0, 2]}
    assert counts(con, "lewidi25-varierrnli-c") == {"train-5": [2, 0]}
    assert card(con, "lewidi25-varierrnli-c") == (1, 2, 2, 1)  # dev-5 has one annotator: dropped, counted
    meta = json.loads(con.execute("SELECT metadata FROM items WHERE task_id = 'lewidi25-mp'").fetchone()[0])
    assert meta["lang"] == "de" and meta["split"] == "dev"
    mp = dict(con.execute("SELECT annotator_id, demographics FROM annotators WHERE dataset = 'lewidi2025-mp'").fetchall())
    assert set(mp) == {"Ann0", "Ann5"} and json.loads(mp["Ann5"])["Age"] is None
    para = con.execute("SELECT demographics->>'Age' FROM annotators WHERE dataset = 'lewidi2025-paraphrase' "
                       "AND annotator_id = 'Ann2'").fetchone()[0]
    assert para == "30"  # trailing commas read leniently
    text = con.execute("SELECT text FROM items WHERE task_id = 'lewidi25-varierrnli-e'").fetchone()[0]
    assert text == "Premise: prem\nHypothesis: hyp"
    notes = json.loads(con.execute("SELECT report FROM build_info").fetchone()[0])["tasks"]["lewidi25-csc"]["notes"]
    assert "splits read: dev, test" in notes


def test_lewidi2025_bad_multilabel(tmp_path):
    refused(tmp_path, "lewidi2025", _lw25_files("neutral,maybe"),
            r"VariErrNLI_train\.json, item '5', field annotations: label 'maybe' is not one of")


# ---------------------------------------------------------------- POPQUORN

POPQUORN_HEADER = "instance_id,user_id,text,offensiveness,gender,race,age,occupation,education\n"


def test_popquorn(tmp_path):
    rows = ("1,0,hello there,1.0,Man,White,35-39,Employed,College degree\n"
            "1,1,hello there,4.0,Woman,Asian,18-24,Student,High school diploma or equivalent\n"
            "2,0,\"you, idiot\",5.0,Man,White,35-39,Employed,College degree\n"
            "2,1,\"you, idiot\",5.0,Woman,Asian,18-24,Student,High school diploma or equivalent\n")
    con = build(tmp_path, "popquorn", {"offensiveness_raw_data.csv": POPQUORN_HEADER + rows})
    assert counts(con, "popquorn-offensiveness") == {"1": [1, 0, 0, 1, 0], "2": [0, 0, 0, 0, 2]}
    assert card(con, "popquorn-offensiveness") == (2, 4, 2, 0)
    demo = json.loads(con.execute("SELECT demographics FROM annotators WHERE annotator_id = '1'").fetchone()[0])
    assert demo == {"gender": "Woman", "race": "Asian", "age": "18-24", "occupation": "Student",
                    "education": "High school diploma or equivalent"}


def test_popquorn_bad_rating(tmp_path):
    refused(tmp_path, "popquorn", {"offensiveness_raw_data.csv": POPQUORN_HEADER + "1,0,hi,6.0,Man,White,1,E,C\n"},
            r"offensiveness_raw_data\.csv, row 1 \(line 2\), field columns\.label: label '6\.0' is not one of")


# ---------------------------------------------------------------- EmoBank

def _emobank_files(extra_rating=""):
    return {"raw.csv": '"id","text"\n"s1","I can\'t believe it."\n"s2","None"\n"s3","Fine."\n',
            "meta.tsv": "id\tdocument\tcategory\tsubcategory\ns1\tdoc\tblog\t \ns2\tdoc\tfiction\t \n"
                        "s3\tdoc\tletters\t \n",
            "emobank.csv": "id,split,V,A,D,text\ns1,train,3,3,3,x\ns2,dev,3,3,3,y\n",
            "individual_reader_ratings.csv": "id,V,A,D\ns1,3,2,3\ns1,4,2,3\ns1,1,1,1\n"
                                             "s2,5,5,4\ns2,1,1,1\ns3,2,2,2\ns3,1,1,1\ns3,3,3,3\n" + extra_rating}


def test_emobank_filter_and_drops(tmp_path):
    con = build(tmp_path, "emobank", _emobank_files())
    assert counts(con, "emobank-valence") == {"s1": [0, 0, 1, 1, 0], "s3": [0, 1, 1, 0, 0]}
    assert counts(con, "emobank-arousal") == {"s1": [0, 2, 0, 0, 0], "s3": [0, 1, 1, 0, 0]}
    assert card(con, "emobank-dominance") == (2, 4, None, 1)  # s2 is left with one rating: dropped
    desc = con.execute("SELECT description FROM tasks WHERE task_id = 'emobank-valence'").fetchone()[0]
    assert "V = A = D = 1" in desc
    notes = json.loads(con.execute("SELECT report FROM build_info").fetchone()[0])["tasks"]["emobank-valence"]["notes"]
    assert "3 of 8 reader ratings removed by the V=A=D=1 filter" in notes
    meta = json.loads(con.execute("SELECT metadata FROM items WHERE item_id = 's1' LIMIT 1").fetchone()[0])
    assert meta["category"] == "blog" and meta["split"] == "train"
    con.close()
    con = build(tmp_path / "again", "emobank", _emobank_files("s2,4,4,4\n"))
    assert con.execute("SELECT text FROM items WHERE item_id = 's2' LIMIT 1").fetchone()[0] == "None"  # not NaN


def test_emobank_bad_rows(tmp_path):
    refused(tmp_path / "a", "emobank", _emobank_files("s1,6,3,3\n"),
            r"individual_reader_ratings\.csv, row 9 \(line 10\), field columns\.label: label '6'")
    refused(tmp_path / "b", "emobank", _emobank_files("s9,3,3,3\n"),
            r"individual_reader_ratings\.csv, row 9 \(line 10\), field columns\.item_id: item 's9' is not in")


def test_missing_dataset_folder_is_named(tmp_path):
    (tmp_path / "study.toml").write_text(_toml("lewidi2025"), encoding="utf-8")
    with pytest.raises(StudyError, match="none of CSC_train/dev/test.json found in data"):
        load_study(tmp_path / "study.toml")


def test_adapter_folder_on_the_hub_offline(tmp_path, monkeypatch):
    """An adapter's folder as hf://datasets/OWNER/NAME/FOLDER@commit, read from a Hugging Face cache."""
    commit = "fedcba9876543210fedcba9876543210fedcba98"
    repo = tmp_path / "hub" / "datasets--someone--lewidi"
    _write(repo / "snapshots" / commit / "lw25", _lw25_files())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for path in (f"hf://datasets/someone/lewidi/lw25@{commit}", "hf://datasets/someone/lewidi/lw25"):
        (tmp_path / "study.toml").write_text(STUDY + f'[[dataset]]\nadapter = "lewidi2025"\npath = "{path}"\n')
        study = load_study(tmp_path / "study.toml")
        csc = next(h for h in study.human if h.task.task_id == "lewidi25-csc")
        assert csc.counts.sum() == 4 and "splits read: dev, test" in csc.notes  # CSC_train absent: skipped
