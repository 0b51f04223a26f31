"""Answers files (an elicited run's answers without prompts or dataset text) and stratified item
samples (`sample_per_band`): what a study that commits its model answers relies on.

Answers come from a scripted chat-completions server (tests/chat_server.py) through the real
engine and cache; the real model's answers are covered by test_real_study.py."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from data_layer.store import Store
from precompute.__main__ import main
from precompute.config import load_human, read_config
from precompute.study import StudyError
from tests.study_fixture import ITEMS, write_study
from tests.test_elicit_engine import Scripted

RUN = """
[[run]]
source = "elicited"
name = "scripted"
model_id = "scripted-model"
training = "rlhf"
endpoint = "{url}"
method = "sampling"
n_samples = 3
concurrency = 2
answers = "answers/scripted.jsonl.gz"
"""


@pytest.fixture()
def elicited(tmp_path):
    """A study whose one run was elicited from the scripted server and exported."""
    with Scripted() as server:
        cfg = write_study(tmp_path, RUN.format(url=server.url))
        assert main(["elicit", "--config", str(cfg), "--quiet"]) == 0
    assert main(["elicit", "--config", str(cfg), "--export-answers"]) == 0
    return cfg


def _means(path):
    store = Store(path)
    try:
        return store.df("SELECT task_id, item_id, probs FROM model_dist WHERE run_id = 'scripted' "
                        "ORDER BY item_id")
    finally:
        store.close()


def test_answers_file_holds_no_prompt_and_rebuilds_the_same_store(elicited, tmp_path):
    answers = tmp_path / "answers" / "scripted.jsonl.gz"
    raw = gzip.open(answers, "rt").read()
    for _, text, _ in ITEMS:  # no dataset text, and no request body at all
        assert text not in raw
    assert '"messages"' not in raw
    lines = [json.loads(x) for x in raw.splitlines()]
    assert lines[0]["run"] == "scripted" and lines[0]["prompt_id"].startswith("p-")
    assert len(lines) - 1 == 6 * 3  # six items with >= 2 ratings, three samples each
    assert "[item text]" in lines[0]["redacted"]
    from_cache = tmp_path / "from-cache.duckdb"
    (tmp_path / "answers" / "scripted.jsonl.gz").rename(tmp_path / "held-back.gz")
    assert main(["build", "--config", str(elicited), "--out", str(from_cache), "--quiet"]) == 0
    (tmp_path / "held-back.gz").rename(answers)
    (tmp_path / "elicit-cache.sqlite").unlink()  # build must now read the answers file alone
    from_answers = tmp_path / "from-answers.duckdb"
    assert main(["build", "--config", str(elicited), "--out", str(from_answers), "--quiet"]) == 0
    a, b = _means(from_cache), _means(from_answers)
    assert len(a) == 6 and a["item_id"].tolist() == b["item_id"].tolist()
    assert all(np.allclose(x, y) for x, y in zip(a["probs"], b["probs"], strict=True))


def test_export_is_byte_stable(elicited, tmp_path):
    answers = tmp_path / "answers" / "scripted.jsonl.gz"
    first = answers.read_bytes()
    assert main(["elicit", "--config", str(elicited), "--export-answers"]) == 0
    assert answers.read_bytes() == first


def test_a_changed_prompt_is_named_not_matched(elicited, tmp_path, capsys):
    (tmp_path / "elicit-cache.sqlite").unlink()
    # the same study with another guideline rebuilds other prompts, so other keys
    text = elicited.read_text().replace('task_id = "toy"', 'task_id = "toy"\nsample_per_band = 1')
    elicited.write_text(text)
    rc = main(["build", "--config", str(elicited), "--out", str(tmp_path / "x.duckdb"), "--quiet"])
    assert rc == 0  # fewer items: every remaining prompt is still answered
    from tests import study_fixture
    original = study_fixture.ITEMS[1]
    study_fixture.ITEMS[1] = (original[0], original[1] + " (edited)", original[2])
    try:
        rc = main(["build", "--config", str(elicited), "--out", str(tmp_path / "y.duckdb"), "--quiet"])
    finally:
        study_fixture.ITEMS[1] = original
    err = capsys.readouterr().err
    assert rc == 2 and "no answer in" in err and "item 't2'" in err and "changed" in err
    assert not (tmp_path / "y.duckdb").exists()


def test_a_damaged_answers_file_names_file_and_line(elicited, tmp_path, capsys):
    (tmp_path / "elicit-cache.sqlite").unlink()
    answers = tmp_path / "answers" / "scripted.jsonl.gz"
    lines = gzip.open(answers, "rt").read().splitlines()
    lines[3] = lines[3][:40]
    with gzip.open(answers, "wt") as f:
        f.write("\n".join(lines) + "\n")
    rc = main(["build", "--config", str(elicited), "--out", str(tmp_path / "x.duckdb"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "scripted.jsonl.gz, line 4: not JSON" in err


def test_export_refuses_a_partly_elicited_run(tmp_path, capsys):
    cfg = write_study(tmp_path, RUN.format(url="http://127.0.0.1:9/v1"))
    rc = main(["elicit", "--config", str(cfg), "--export-answers"])
    assert rc == 2 and "are not in" in capsys.readouterr().err
    assert not (tmp_path / "answers" / "scripted.jsonl.gz").exists()


def test_sample_per_band_keeps_each_band_and_says_so(tmp_path):
    cfg_path = write_study(tmp_path, "")
    cfg_path.write_text(cfg_path.read_text().replace('task_id = "toy"', 'task_id = "toy"\nsample_per_band = 1'))
    human = load_human(read_config(cfg_path), cfg_path)[0]
    # fixture bands (fixed cuts): low t1 t5; medium t2 t4; high t3 t6; t7 has one rating (never drawn)
    kept = set(human.items["item_id"])
    assert len(kept) == 3 and len(kept & {"t1", "t5"}) == 1 and len(kept & {"t2", "t4"}) == 1
    assert len(kept & {"t3", "t6"}) == 1 and "t7" not in kept
    assert "sampled 3 of 7 items, at most 1 per band of 'fixed' (low 1 of 2; medium 1 of 2; high 1 of 2" \
        in human.notes[-1]
    again = load_human(read_config(cfg_path), cfg_path)[0]
    assert set(again.items["item_id"]) == kept  # the same seed draws the same sample


def test_sample_per_band_is_validated(tmp_path):
    cfg_path = write_study(tmp_path, "")
    cfg_path.write_text(cfg_path.read_text().replace('format = "inline-test"',
                                                     'adapter = "popquorn"\npath = "x"\nsample_per_band = 0'))
    with pytest.raises(StudyError, match="sample_per_band.*at least 1"):
        read_config(cfg_path)


def test_the_data_page_counts_answers_and_shows_the_sample(elicited, tmp_path, monkeypatch):
    from tests.conftest import open_page, point_app_at, shown
    from tests.test_app_tables import shown_headers
    text = elicited.read_text().replace('task_id = "toy"', 'task_id = "toy"\nsample_per_band = 1')
    elicited.write_text(text)
    out = tmp_path / "sampled.duckdb"
    assert main(["build", "--config", str(elicited), "--out", str(out), "--quiet"]) == 0
    point_app_at(out, monkeypatch, tmp_path)
    at = open_page("views/data.py")
    notes = [shown(c.value) for c in at.caption if shown(c.value).startswith("Note: ")]
    assert any("sampled 3 of 7 items, at most 1 per band of 'fixed'" in n for n in notes)
    assert not [t for t in at.dataframe if "items_without_answer" in t.value.columns]  # only the open tab is drawn
    at = open_page("views/data.py", {"tab": "answers"})  # a link to the tab opens it
    tables = [t for t in at.dataframe if "items_without_answer" in t.value.columns]
    assert len(tables) == 1
    assert "Items without a distribution" in shown_headers(tables[0]).values()
    row = tables[0].value.set_index("run_id").loc["scripted"]
    assert row["samples"] == 3 * 3 and row["failed"] == 0 and row["items_asked"] == 3


def test_quotes_of_the_item_are_redacted_and_short_ones_kept():
    from precompute.elicit.answers import REDACTED, redact
    item = "Shut up, nobody asked for your stupid opinion, you absolute clown."
    record = {"choice": {"message": {"content": json.dumps(
        {"reasoning": f"The text says '{item[:50]}' which is rude. 'Shut up' is short.",
         "shares": {"A": 0.2, "B": 0.8}})}}}
    out = redact(record, [item])
    content = out["choice"]["message"]["content"]
    assert item[:50] not in content and REDACTED in content and "'Shut up' is short" in content
    assert json.loads(content)["shares"] == {"A": 0.2, "B": 0.8}  # still the answer it was
    assert redact({"x": "unrelated answer text, long enough to be checked"}, [item]) == \
        {"x": "unrelated answer text, long enough to be checked"}
