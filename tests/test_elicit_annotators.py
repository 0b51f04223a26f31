"""Elicited runs that predict each annotator's own label (`predict = "annotators"`, sociodemographic
prompting; LeWiDi 2025 task B): one prompt per rating with the annotator's description, against a
scripted chat-completions server that answers by who the prompt describes; the predictions land in the
store's `annotator_predictions` and on the Perspectives query. Every expected number is counted by hand
from the tiny study of tests/study_fixture.py (`write_annotator_study`)."""
from __future__ import annotations

import gzip
import json
import math
import re
import tomllib

import pytest

from data_layer.queries import annotator_predictions as ap
from data_layer.queries import item as item_query
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.config import load_human, load_study, read_config
from precompute.elicit.answers import export_answers
from precompute.elicit.plan import plan_run
from precompute.elicit.prompts import NO_DESCRIPTION
from precompute.elicit.run import elicit_study
from precompute.elicit.spec import parse_spec
from precompute.study import StudyError
from tests.chat_server import LocalServer, QuietHandler
from tests.conftest import ROOT
from tests.study_fixture import ANNOTATOR_ITEMS, inline_test, write_annotator_study

RUN = """
[[run]]
source = "elicited"
name = "{name}"
model_id = "m"
training = "rlhf"
endpoint = "{url}"
method = "{method}"
predict = "annotators"
response_format = "none"
{extra}
"""


class Personas(LocalServer):
    """Answers by who the prompt describes: women B, men A, the 30-year-old B then A (a tie), nobody
    (no description) something that names no option. Logprob requests get the letter's probabilities."""

    def __init__(self):
        self.seen = []
        super().__init__(PersonaHandler)


def _letters(prompt: str, seed: int) -> tuple[str | None, float]:
    """(letter, its probability) for the prompt; None: no option."""
    if NO_DESCRIPTION in prompt:
        return None, 0.0
    if "age: 30" in prompt:
        return ("B" if seed % 2 == 0 else "A"), 0.6
    if "gender: Woman" in prompt:
        return "B", 0.8
    return "A", 0.8


class PersonaHandler(QuietHandler):

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append(body)
        prompt = body["messages"][0]["content"]
        letter, p = _letters(prompt, body["seed"])
        choice = {"index": 0, "finish_reason": "stop",
                  "message": {"role": "assistant", "content": letter or "Hard to say."}}
        if body.get("logprobs"):
            top = ([{"token": letter, "logprob": math.log(p)},
                    {"token": "B" if letter == "A" else "A", "logprob": math.log(1 - p)}] if letter
                   else [{"token": "Hard", "logprob": -0.1}, {"token": "The", "logprob": -2.5}])
            choice["logprobs"] = {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"],
                                               "top_logprobs": top}]}
        raw = json.dumps({"model": body["model"], "usage": {"prompt_tokens": 50, "completion_tokens": 1},
                          "choices": [choice]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def spec_and_human(folder, **keys):
    cfg = write_annotator_study(folder, "")
    section = {"name": "p", "model_id": "m", "training": "rlhf", "endpoint": "http://x/v1",
               "method": "sampling", "predict": "annotators", **keys}
    return parse_spec(section, folder), load_human(read_config(cfg), cfg)


def test_one_prompt_per_rating_describing_the_annotator(tmp_path):
    spec, human = spec_and_human(tmp_path, n_samples=3)
    plans, pid = plan_run(spec, human, min_annotators=2)
    assert [(p.item_id, p.annotator_id) for p in plans] == [
        ("i1", "a1"), ("i1", "a2"), ("i1", "a3"), ("i1", "a4"), ("i2", "a1"), ("i2", "a2"), ("i2", "a5"),
        ("i3", "a3"), ("i3", "a6"), ("i3", "a4")]  # i4 (one rating) is not asked
    assert all(len(p.keys) == 3 for p in plans)
    text = {(p.item_id, p.annotator_id): p.messages[0]["content"] for p in plans}
    assert "described as: age: 23; gender: Woman." in text[("i1", "a1")]
    assert "described as: gender: Man." in text[("i1", "a2")]  # the expired age is left out
    for who in (("i1", "a4"), ("i3", "a6"), ("i3", "a4")):
        assert NO_DESCRIPTION in text[who] and "prefer not to say" not in text[who] and "described as" not in text[who]
    assert [p.described for p in plans].count(False) == 3
    for t in text.values():
        assert t.endswith("Which option did this annotator choose? Reply with the option letter only.")
        assert "Is the text offensive?" in t and "A = 0\nB = 1" in t
    assert "The first text to judge." in text[("i1", "a1")]
    # the description is in the messages, so in the key: one key per prompt; a4 and a6 on i3 share one
    assert len({p.keys[0] for p in plans}) == 9
    assert {p.keys[0] for p in plans if p.item_id == "i3" and not p.described} == \
        {next(p.keys[0] for p in plans if (p.item_id, p.annotator_id) == ("i3", "a6"))}
    crowd = parse_spec({"name": "c", "model_id": "m", "training": "rlhf", "endpoint": "http://x/v1",
                        "method": "sampling", "n_samples": 3}, tmp_path)
    crowd_plans, crowd_pid = plan_run(crowd, human, min_annotators=2)
    assert crowd_pid != pid and len(crowd_plans) == 3
    assert not {k for p in crowd_plans for k in p.keys} & {k for p in plans for k in p.keys}
    cot, _ = spec_and_human(tmp_path, reasoning="cot")
    cot_plans, cot_pid = plan_run(cot, human, 2)
    assert cot_pid not in (pid, crowd_pid)
    assert cot_plans[0].messages[0]["content"].endswith('end with a final line of the form "Answer: <letter>".')


def test_max_annotators_per_item_draws_reproducibly(tmp_path):
    spec, human = spec_and_human(tmp_path, max_annotators_per_item=2)
    plans = plan_run(spec, human, 2)[0]
    per_item = {i: [p.annotator_id for p in plans if p.item_id == i] for i in ("i1", "i2", "i3")}
    assert [len(v) for v in per_item.values()] == [2, 2, 2]
    order = {"i1": ["a1", "a2", "a3", "a4"], "i2": ["a1", "a2", "a5"], "i3": ["a3", "a6", "a4"]}
    for item, people in per_item.items():  # a subset, in the dataset's order
        assert people == [a for a in order[item] if a in people]
    assert [p.annotator_id for p in plan_run(spec, human, 2)[0]] == [p.annotator_id for p in plans]
    draws = {tuple(p.annotator_id for p in plan_run(spec_and_human(tmp_path, max_annotators_per_item=2, seed=s)[0],
                                                     human, 2)[0]) for s in range(8)}
    assert len(draws) > 1  # the draw depends on the run's seed


@pytest.mark.parametrize("keys, message", [
    ({"method": "verbalized"}, r"elicited \[\[run\]\] 'p', key 'predict': predict = \"annotators\" needs "
                               r"method = \"sampling\" or \"logprob\""),
    ({"predict": "crowd", "max_annotators_per_item": 2}, "key 'max_annotators_per_item': only for predict"),
    ({"predict": "persona"}, "key 'predict': 'persona' is not one of"),
    ({"max_annotators_per_item": 0}, "max_annotators_per_item"),
])
def test_spec_refusals_name_run_and_key(tmp_path, keys, message):
    with pytest.raises(StudyError, match=message):
        spec_and_human(tmp_path, **keys)


def test_a_task_without_annotator_ids_is_refused_naming_it(tmp_path):
    spec, _ = spec_and_human(tmp_path)
    toy = inline_test({"task_id": "toy"}, tmp_path)  # items and label counts only
    with pytest.raises(StudyError, match=r"run 'p', key 'predict'.*task 'toy' has none.*tasks = \[\.\.\.\]"):
        plan_run(spec, toy, 2)


def test_ratings_not_asked_are_counted(tmp_path):
    server = Personas()
    # i5's second rating has no annotator id; at most 2 of each item's annotators are asked
    cfg = write_annotator_study(tmp_path, RUN.format(name="lp", url=server.url, method="logprob",
                                     extra="max_tokens = 1\nmax_annotators_per_item = 2"),
                ANNOTATOR_ITEMS + 'i5,The fifth text.,"0,1","a5,"\n')
    try:
        report = elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]
    finally:
        server.shutdown()
    assert report.annotator_prompts == 7 and len(server.seen) == report.distinct_prompts
    build_store(load_study(cfg), tmp_path / "s.duckdb", show_progress=False)
    store = Store(tmp_path / "s.duckdb")
    try:
        notes = json.loads(store.df("SELECT report FROM build_info")["report"].iloc[0])["runs"]["lp"]["notes"]
        n = store.df("SELECT count(*) AS n FROM annotator_predictions")["n"].iloc[0]
    finally:
        store.close()
    assert "1 rating(s) have no annotator id and were not asked about" in notes
    assert "4 rating(s) not asked about (max_annotators_per_item = 2)" in notes  # 10 with an id on i1-i3, 6 asked
    assert n == 7 - report.undescribed  # the undescribed give no label here


@pytest.fixture(scope="module")
def elicited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("persona")
    server = Personas()
    cfg = write_annotator_study(folder, RUN.format(name="samp", url=server.url, method="sampling",
                                   extra='n_samples = 2\nanswers = "answers/samp.jsonl.gz"')
                + RUN.format(name="lp", url=server.url, method="logprob", extra="max_tokens = 1"))
    printed = []
    reports = elicit_study(cfg, show_progress=False, echo=printed.append)
    build_store(load_study(cfg), folder / "s.duckdb", show_progress=False)
    store = Store(folder / "s.duckdb")
    yield {"cfg": cfg, "folder": folder, "server": server, "reports": reports, "printed": printed, "store": store}
    store.close()
    server.shutdown()


def test_elicit_report_counts_annotator_prompts(elicited):
    samp, lp = elicited["reports"]
    # 10 prompts (ratings asked), 9 distinct: a4 and a6 on i3 share the no-description prompt
    assert (samp.annotator_prompts, samp.undescribed, samp.distinct_prompts) == (10, 3, 9)
    assert (samp.samples, samp.stored, lp.samples, lp.stored) == (18, 18, 9, 9)
    assert len(elicited["server"].seen) == 27  # nothing asked twice
    assert "10 annotator prompts (one per rating asked), 3 with no description of the annotator; 9 distinct" \
        in elicited["printed"][0]
    assert (samp.held_unparseable, lp.held_unparseable) == (4, 2)  # the shared prompt's answers once


def test_predictions_are_scored_per_annotator(elicited):
    store = elicited["store"]
    rows = store.df("SELECT run_id, item_id, annotator_id, label, predicted, error FROM annotator_predictions "
                    "ORDER BY run_id, item_id, annotator_id")
    got = {(r.run_id, r.item_id, r.annotator_id): (r.predicted, r.error) for r in rows.itertuples()}
    assert got == {
        # sampling: women B = "1", men A = "0", a5's tie (B, A) -> the first option "0"
        ("samp", "i1", "a1"): ("1", 1.0), ("samp", "i1", "a2"): ("0", 1.0), ("samp", "i1", "a3"): ("1", 0.0),
        ("samp", "i2", "a1"): ("1", 1.0), ("samp", "i2", "a2"): ("0", 0.0), ("samp", "i2", "a5"): ("0", 1.0),
        ("samp", "i3", "a3"): ("1", 0.0),
        # logprob: the most likely letter; a5's B 0.6 -> "1"
        ("lp", "i1", "a1"): ("1", 1.0), ("lp", "i1", "a2"): ("0", 1.0), ("lp", "i1", "a3"): ("1", 0.0),
        ("lp", "i2", "a1"): ("1", 1.0), ("lp", "i2", "a2"): ("0", 0.0), ("lp", "i2", "a5"): ("1", 0.0),
        ("lp", "i3", "a3"): ("1", 0.0)}
    s = ap.perspectivist_scores(store, Slice()).frame.set_index("run_id")
    # item means: samp 2/3, 2/3, 0; lp 2/3, 1/3, 0; the crowd reference on the same ratings 1/3, 1/3, 1
    assert s.loc["samp", "score"] == pytest.approx(4 / 9) and s.loc["lp", "score"] == pytest.approx(1 / 3)
    assert s.loc["samp", "crowd"] == pytest.approx(5 / 9) and s.loc["lp", "crowd"] == pytest.approx(5 / 9)
    assert (s.loc["samp", "n_items"], s.loc["samp", "n_ratings"]) == (3, 7)


def test_distribution_generations_and_counted_failures(elicited):
    store = elicited["store"]
    d = store.df("SELECT run_id, item_id, probs, n_valid, n_failed FROM model_dist WHERE run_id = 'samp' "
                 "ORDER BY item_id")
    assert [(r.item_id, [round(p, 4) for p in r.probs], r.n_valid, r.n_failed) for r in d.itertuples()] == [
        ("i1", [0.3333, 0.6667], 3, 1), ("i2", [0.6667, 0.3333], 3, 0), ("i3", [0.0, 1.0], 1, 2)]
    g = store.df("SELECT run_id, item_id, sample_idx, annotator_id, error FROM generations ORDER BY ALL")
    assert (g.groupby("run_id").size().to_dict()) == {"samp": 20, "lp": 10}
    assert not g.duplicated(["run_id", "item_id", "sample_idx"]).any()
    shown = item_query.generations(store, Slice(), "t", "i3").frame  # the Item page's samples
    assert list(shown[shown["run_id"] == "samp"]["annotator_id"]) == ["a3", "a3", "a6", "a6", "a4", "a4"]
    samp = g[g["run_id"] == "samp"]
    assert list(samp[samp["item_id"] == "i3"]["annotator_id"]) == ["a3", "a3", "a6", "a6", "a4", "a4"]
    failed = g[g["error"].notna()]
    assert set(zip(failed["item_id"], failed["annotator_id"])) == {("i1", "a4"), ("i3", "a6"), ("i3", "a4")}
    assert len(failed) == 6 + 3
    report = json.loads(store.df("SELECT report FROM build_info")["report"].iloc[0])["runs"]
    notes = report["samp"]["notes"]
    assert notes[0] == "10 annotator prompts (one per rating asked), 3 of them with no description of the " \
                       "annotator (no demographics known)"
    assert "3 of 10 annotators asked have no prediction" in notes[1]
    assert (report["samp"]["failed_generations"], report["lp"]["failed_generations"]) == (6, 3)
    runs = store.df("SELECT run_id, method, settings FROM runs WHERE run_id IN ('samp', 'lp') ORDER BY run_id")
    assert [json.loads(x)["predict"] for x in runs["settings"]] == ["annotators", "annotators"]


def test_answers_file_rebuilds_the_same_predictions(elicited, tmp_path):
    folder = elicited["folder"]
    export_answers(elicited["cfg"], {"samp"})
    lines = [json.loads(x) for x in gzip.open(folder / "answers/samp.jsonl.gz", "rt").read().splitlines()[1:]]
    assert len(lines) == 20 and {x["annotator_id"] for x in lines} == {"a1", "a2", "a3", "a4", "a5", "a6"}
    # the same study elsewhere: no cache there, so `samp` is read from its answers file (`lp`, without
    # one, is skipped)
    text = elicited["cfg"].read_text(encoding="utf-8")
    for name in ("items.csv", "people.csv", "answers/samp.jsonl.gz"):
        text = text.replace(f'"{name}"', f'"{folder / name}"')
    again = tmp_path / "study.toml"
    again.write_text(text.replace('name = "persona"', 'name = "persona"\nmissing_elicited = "skip"'), encoding="utf-8")
    build_store(load_study(again), tmp_path / "again.duckdb", show_progress=False)
    sql = "SELECT item_id, annotator_id, predicted FROM annotator_predictions WHERE run_id = 'samp' ORDER BY ALL"
    rebuilt = Store(tmp_path / "again.duckdb")
    try:
        assert len(rebuilt.df(sql)) == 7 and rebuilt.df(sql).equals(elicited["store"].df(sql))
    finally:
        rebuilt.close()


def test_the_readme_example_run_is_valid():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[\[run\]\]\n[^`]*?predict = \"annotators\"[^`]*?)```", readme, flags=re.S)
    spec = parse_spec(tomllib.loads(block.group(1))["run"][0], ROOT)
    assert (spec.predict, spec.method, spec.max_annotators_per_item) == ("annotators", "logprob", 5)
