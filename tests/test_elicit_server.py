"""Elicitation end to end against a real llama-cpp-python server (Gemma 3 270M): all three
methods land in the store, a killed server loses nothing, unparseable answers are counted, and a
run that asks about each annotator (predict = "annotators") is scored per annotator."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from data_layer.queries import annotator_predictions as ap
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.__main__ import main
from precompute.config import load_study
from precompute.elicit.run import elicit_study
from precompute.study import StudyError
from tests.llama_server import LlamaServer, model_path, unavailable_reason
from tests.study_fixture import write_annotator_study, write_study

pytestmark = pytest.mark.slow

RUN = """
[[run]]
source = "elicited"
name = "{name}"
model_id = "gemma-3-270m"
display_name = "Gemma 3 270M"
family = "gemma-3"
training = "rlhf"
params_b = 0.27
model = "gemma-3-270m"
endpoint = "{url}"
method = "{method}"
concurrency = 2
timeout = 60
{extra}
"""


def _server(tmp_path_factory, logits_all: bool):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    return LlamaServer(model_path(), log=log, logits_all=logits_all).start()


@pytest.fixture(scope="session")
def llama(tmp_path_factory):
    server = _server(tmp_path_factory, logits_all=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_lp(tmp_path_factory):
    """A second server with --logits_all true, which only the logprob method needs."""
    server = _server(tmp_path_factory, logits_all=True)
    yield server
    server.stop()


def run_block(url: str, name: str, method: str, extra: str = "") -> str:
    return RUN.format(url=url, name=name, method=method, extra=extra)


def query(path, sql):
    store = Store(path)
    try:
        return store.df(sql)
    finally:
        store.close()


def test_three_methods_end_to_end(llama, llama_lp, tmp_path, capsys):
    runs = (run_block(llama.url, "verb", "verbalized", 'response_format = "json_object"\nmax_tokens = 40')
            + run_block(llama.url, "samp", "sampling",
                        'response_format = "json_object"\nn_samples = 4\nmax_tokens = 12')
            + run_block(llama_lp.url, "lp", "logprob", "max_tokens = 1"))
    cfg = write_study(tmp_path, runs)
    assert main(["elicit", "--config", str(cfg), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "run verb: 6 samples planned, 0 already cached, 6 fetched now" in printed
    assert "server honours n: False" in printed  # llama-cpp-python ignores n: looped with seeds
    again = elicit_study(cfg, {"lp"}, show_progress=False, echo=lambda _: None)[0]
    assert (again.from_cache, again.http_requests) == (6, 0)  # resumed from the cache, nothing re-asked
    out = tmp_path / "store.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    runs = query(out, "SELECT run_id, source, method, prompt_id, n_samples FROM runs "
                      "WHERE source = 'elicited' ORDER BY run_id").set_index("run_id")
    assert list(runs.index) == ["lp", "samp", "verb"]
    assert runs["prompt_id"].str.startswith("p-").all() and runs["prompt_id"].nunique() == 3
    gens = query(out, "SELECT run_id, count(*) AS n, count(DISTINCT (item_id, sample_idx)) AS u, "
                      "count(error) AS failed FROM generations GROUP BY run_id").set_index("run_id")
    assert gens.loc["verb", "n"] == 6 and gens.loc["samp", "n"] == 24 and gens.loc["lp", "n"] == 6
    assert (gens["n"] == gens["u"]).all()
    dist = query(out, "SELECT run_id, item_id, probs, n_valid, n_failed, covered_mass FROM model_dist "
                      "WHERE run_id NOT LIKE 'baseline:%'")
    assert set(dist["run_id"]) == {"verb", "samp", "lp"}
    for run_id, part in dist.groupby("run_id"):
        assert len(part) <= 6 and all(abs(sum(p) - 1) < 1e-6 for p in part["probs"])
        expected = 4 if run_id == "samp" else 1
        assert ((part["n_valid"] + part["n_failed"]) == expected).all()
    lp = dist[dist["run_id"] == "lp"]
    assert len(lp) == 6 and lp["covered_mass"].gt(0).all() and lp["covered_mass"].le(1).all()
    scores = query(out, "SELECT count(*) AS n FROM item_scores WHERE source = 'elicited'")
    assert scores["n"].iloc[0] == len(dist)


def test_unparseable_answers_are_counted_failures(llama, tmp_path):
    cfg = write_study(tmp_path, run_block(llama.url, "cut", "verbalized",
                                          'response_format = "none"\nmax_tokens = 2'))
    cut = elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]
    assert cut.failed_parse == 6 and cut.stored == 6  # two tokens never hold a full share object
    out = tmp_path / "store.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    gens = query(out, "SELECT error, finish_reason, parsed, output_text FROM generations")
    assert len(gens) == 6 and gens["error"].notna().all() and gens["parsed"].isna().all()
    assert (gens["finish_reason"] == "length").all() and gens["error"].str.contains("max_tokens").all()
    assert query(out, "SELECT count(*) AS n FROM model_dist WHERE run_id = 'cut'")["n"].iloc[0] == 0
    info = query(out, "SELECT report FROM build_info")["report"].iloc[0]
    assert '"failed_generations": 6' in info


def test_server_refusing_a_parameter_is_reported_and_nothing_cached(llama, tmp_path):
    cfg = write_study(tmp_path, run_block(llama.url, "rej", "verbalized",
                                          'response_format = "json_schema"\nretries = 1'))
    rej = elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]
    # llama-cpp-python answers an OpenAI json_schema response_format with HTTP 500
    assert rej.transport_failed == 6 and rej.stored == 0 and not rej.complete
    assert "Input should be 'text' or 'json_object'" in " ".join(rej.errors)
    with pytest.raises(StudyError, match="none of its 6 samples is in"):  # not elicited: NotElicited
        load_study(cfg)


def test_killed_server_then_rerun_gives_exactly_one_result_per_sample(llama, tmp_path):
    server = LlamaServer(llama.model, log=tmp_path / "fault.log").start()
    try:
        cfg = write_study(tmp_path, run_block(server.url, "fault", "sampling",
                                              'response_format = "json_object"\nn_samples = 4\n'
                                              'max_tokens = 12\nretries = 1'))
        cache = tmp_path / "elicit-cache.sqlite"
        result = {}
        worker = threading.Thread(target=lambda: result.update(
            r=elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]))
        worker.start()
        deadline = time.monotonic() + 300
        while _rows(cache) < 6 and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        worker.join(120)
        first = result["r"]  # KeyError here: the first run raised (see the captured stderr)
        assert not first.complete and first.transport_failed > 0
        before = _snapshot(cache)
        assert 6 <= len(before) < 24
        server.start()
        second = elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]
        assert second.complete and second.from_cache == len(before)
        assert second.stored == 24 - len(before)
        after = _snapshot(cache)
        assert len(after) == 24 and {k: after[k] for k in before} == before  # nothing re-asked or lost
        with sqlite3.connect(cache) as con:
            pairs = con.execute("SELECT count(DISTINCT item_id || '/' || sample_idx), count(*) "
                                "FROM responses").fetchone()
        assert pairs == (24, 24)
        out = tmp_path / "store.duckdb"
        assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
        n = query(out, "SELECT count(*) AS n, count(DISTINCT (item_id, sample_idx)) AS u FROM generations")
        assert (n["n"].iloc[0], n["u"].iloc[0]) == (24, 24)
    finally:
        server.stop()


def _rows(cache) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(cache) as con:
            return con.execute("SELECT count(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _snapshot(cache) -> dict:
    with sqlite3.connect(cache) as con:
        return dict(con.execute("SELECT key, record || created_at FROM responses"))


def test_chain_of_thought_logprob_reads_after_the_reasoning_or_says_why_not(llama_lp, tmp_path):
    cfg = write_study(tmp_path, run_block(llama_lp.url, "cotlp", "logprob",
                                          'reasoning = "cot"\nmax_tokens = 24'))
    report = elicit_study(cfg, show_progress=False, echo=lambda _: None)[0]
    assert report.complete
    out = tmp_path / "store.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    gens = query(out, "SELECT parsed, error, output_text FROM generations WHERE run_id = 'cotlp'")
    assert len(gens) == 6 and (gens["parsed"].isna() != gens["error"].isna()).all()
    known = ("no option-letter token", "no option letter among the top logprobs")
    assert all(any(k in e for k in known) for e in gens["error"].dropna())
    runs = query(out, "SELECT reasoning FROM runs WHERE run_id = 'cotlp'")
    assert runs["reasoning"].tolist() == ["cot"]


def test_annotator_predictions_from_logprobs(llama_lp, tmp_path, capsys):
    """predict = "annotators" with logprob on a tiny study with annotators and demographics: one prompt
    per rating, each annotator's predicted label scored in annotator_predictions and on Perspectives."""
    cfg = write_annotator_study(tmp_path, run_block(llama_lp.url, "persona", "logprob",
                                                    'predict = "annotators"\nmax_tokens = 1'))
    t0 = time.perf_counter()
    assert main(["elicit", "--config", str(cfg), "--quiet"]) == 0
    seconds = time.perf_counter() - t0
    printed = capsys.readouterr().out
    # 10 ratings on the 3 kept items; a4 and a6 on i3 are both undescribed: one prompt for the two
    assert "run persona: 9 samples planned, 0 already cached, 9 fetched now" in printed
    assert "10 annotator prompts (one per rating asked), 3 with no description of the annotator; 9 distinct" \
        in printed
    out = tmp_path / "store.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    rows = query(out, "SELECT item_id, annotator_id, predicted, error, crowd_error FROM annotator_predictions")
    gens = query(out, "SELECT count(*) AS n, count(error) AS failed, count(DISTINCT annotator_id) AS people "
                      "FROM generations WHERE run_id = 'persona'")
    assert (gens["n"].iloc[0], gens["people"].iloc[0]) == (10, 6)
    assert len(rows) == 10 - gens["failed"].iloc[0] and len(rows) > 0  # a valid answer: one prediction
    assert set(rows["predicted"]) <= {"0", "1"}
    store = Store(out)
    try:
        s = ap.perspectivist_scores(store, Slice()).frame.set_index("run_id")
    finally:
        store.close()
    score, crowd = s.loc["persona", "score"], s.loc["persona", "crowd"]
    assert 0 <= score <= 1 and 0 <= crowd <= 1 and s.loc["persona", "n_ratings"] == len(rows)
    print(f"\nGemma 3 270M, predict = annotators, logprob: 9 requests in {seconds:.1f} s; error rate "
          f"{score:.3f} vs crowd reference {crowd:.3f} over {len(rows)} ratings")
