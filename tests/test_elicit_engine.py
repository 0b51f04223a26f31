"""Engine behaviour a real model server cannot be made to show on demand (429 with Retry-After,
503, 401, an `n` it honours, two replicas), against a scripted stdlib HTTP server that speaks the
chat-completions wire format. The protocol itself is tested against llama.cpp in
test_elicit_server.py. Also: spec validation, few-shot prompts, the API key never stored."""
from __future__ import annotations

import json
import sqlite3

import pytest

from precompute.build import build_store
from precompute.config import load_study
from precompute.elicit.engine import ElicitError
from precompute.elicit.plan import plan_run
from precompute.elicit.run import elicit_study
from precompute.elicit.spec import parse_spec
from precompute.study import StudyError
from tests.chat_server import LocalServer, QuietHandler
from tests.study_fixture import inline_test, write_study


class Scripted(LocalServer):
    """Answers POST /v1/chat/completions from `script` (status codes), then with 200s that
    give `n` choices ("B" for every sample); records bodies and headers."""

    def __init__(self, script=(), honour_n=False):
        self.script, self.honour_n, self.seen = list(script), honour_n, []
        super().__init__(Handler)


class Handler(QuietHandler):

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append((body, dict(self.headers)))
        status = self.server.script.pop(0) if self.server.script else 200
        if status != 200:
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(b'{"error": "scripted"}')
            return
        n = body.get("n", 1) if self.server.honour_n else 1
        data = {"model": body["model"], "usage": {"prompt_tokens": 10, "completion_tokens": 2 * n},
                "choices": [{"index": i, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "B"}} for i in range(n)]}
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def run_toml(url, extra="concurrency = 2"):
    endpoint = json.dumps(url) if isinstance(url, list) else f'"{url}"'
    return f"""
[[run]]
source = "elicited"
name = "r"
model_id = "m"
training = "rlvr"
endpoint = {endpoint}
method = "sampling"
response_format = "none"
n_samples = 2
{extra}
"""


def quiet(cfg, **kw):
    return elicit_study(cfg, show_progress=False, echo=lambda _: None, **kw)[0]


def test_retries_on_503_and_429_then_stores_and_builds(tmp_path):
    server = Scripted(script=[503, 429])
    cfg = write_study(tmp_path, run_toml(server.url, "retries = 3\nconcurrency = 2"))
    report = quiet(cfg)
    assert report.complete and report.stored == 12 and report.retries == 2
    assert report.http_requests == 14 and report.n_honoured is False  # n ignored: looped with seeds
    seeds = {b["seed"] for b, _ in server.seen}
    assert len(seeds) == 2  # one seed per sample index
    study = load_study(cfg)
    build_store(study, tmp_path / "s.duckdb", show_progress=False)
    run = [r for r in study.runs if r.run.run_id == "r"][0]
    assert len(run.dists) == 6 and all(list(p) == [0.0, 1.0] for p in run.dists["probs"])
    server.shutdown()


def test_honoured_n_asks_once_per_item_and_replicas_share_work(tmp_path):
    a, b = Scripted(honour_n=True), Scripted(honour_n=True)
    cfg = write_study(tmp_path, run_toml([a.url, b.url]))
    report = quiet(cfg)
    assert report.n_honoured is True and report.http_requests == 6 and report.stored == 12
    assert len(a.seen) > 0 and len(b.seen) > 0 and all(body["n"] == 2 for body, _ in a.seen + b.seen)
    again = quiet(cfg)
    assert again.http_requests == 0 and again.from_cache == 12
    a.shutdown()
    b.shutdown()


def test_unauthorised_stops_the_run(tmp_path):
    server = Scripted(script=[401] * 20)
    cfg = write_study(tmp_path, run_toml(server.url))
    with pytest.raises(ElicitError, match="HTTP 401"):
        quiet(cfg)
    server.shutdown()


def test_api_key_is_sent_but_never_stored(tmp_path, monkeypatch):
    server = Scripted()
    cfg = write_study(tmp_path, run_toml(server.url, 'api_key_env = "ATLAS_TEST_KEY"'))
    with pytest.raises(StudyError, match="ATLAS_TEST_KEY"):
        quiet(cfg)
    monkeypatch.setenv("ATLAS_TEST_KEY", "sk-secret-123")
    assert quiet(cfg).complete
    assert {h["Authorization"] for _, h in server.seen} == {"Bearer sk-secret-123"}
    cache = (tmp_path / "elicit-cache.sqlite").read_bytes()
    assert b"sk-secret-123" not in cache
    store = tmp_path / "s.duckdb"
    build_store(load_study(cfg), store, show_progress=False)
    assert b"sk-secret-123" not in store.read_bytes()
    server.shutdown()


def test_few_shot_prompt_shows_pool_examples_with_human_shares(tmp_path):
    hd = inline_test({"task_id": "toy"}, tmp_path)
    spec = parse_spec({"name": "f", "model_id": "m", "training": "rlhf", "endpoint": "http://x/v1",
                       "method": "verbalized", "steering": "few", "few_shot_k": 2,
                       "few_shot_pool": ["t1", "t2", "t3"]}, tmp_path)
    plans, pid = plan_run(spec, hd, min_annotators=2)
    text = {p.item_id: p.messages[0]["content"] for p in plans}
    assert text["t1"].count("Shares: ") == 2 and text["t1"].count("You are a wonderful person") == 1
    shown = ["A = 100%, B = 0%", "A = 20%, B = 80%", "A = 60%, B = 40%"]  # t1, t2, t3 human shares
    assert sum(text["t5"].count(f"Shares: {s}") for s in shown) == 2
    zero = parse_spec({"name": "z", "model_id": "m", "training": "rlhf", "endpoint": "http://x/v1",
                       "method": "verbalized"}, tmp_path)
    assert plan_run(zero, hd, 2)[1] != pid and "t7" not in text  # dropped item not asked


@pytest.mark.parametrize("change, message", [
    ({"method": "vibes"}, "key 'method': 'vibes' is not one of"),
    ({"endpoint": "localhost:8000"}, "key 'endpoint'"),
    ({"steering": "few"}, "few_shot_pool"),
    ({"temprature": 0.5}, "Did you mean 'temperature'"),
    ({"response_format": "xml"}, "key 'response_format'"),
    ({"training": "magic"}, "key 'training': 'magic' is not one of"),
])
def test_spec_errors_name_the_field(tmp_path, change, message):
    section = {"name": "r", "model_id": "m", "training": "rlvr", "endpoint": "http://x/v1",
               "method": "sampling", **change}
    with pytest.raises(StudyError, match=message):
        parse_spec(section, tmp_path)


def test_build_without_cache_says_what_to_run(tmp_path):
    cfg = write_study(tmp_path, run_toml("http://127.0.0.1:9/v1"))
    with pytest.raises(StudyError, match="python -m precompute elicit") as e:
        load_study(cfg)
    assert 'or set missing_elicited = "skip" in [study] to build without it' in str(e.value)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("[study]", '[study]\nmissing_elicited = "skip"'),
                   encoding="utf-8")
    study = load_study(cfg)
    assert not study.runs and study.notes[0].startswith('skipped (missing_elicited = "skip"): run ')


def test_http_400_is_a_stored_counted_failure(tmp_path):
    server = Scripted(script=[200] * 5 + [400] * 100)
    cfg = write_study(tmp_path, run_toml(server.url, "concurrency = 1"))
    report = quiet(cfg)
    assert report.stored == 12 and report.rejected == 7  # 400 is final: stored as a failure
    with sqlite3.connect(tmp_path / "elicit-cache.sqlite") as con:
        errors = con.execute("SELECT count(*) FROM responses WHERE record LIKE '%HTTP 400%'").fetchone()[0]
    assert errors == 7
    server.shutdown()
