"""Elicitation against a badly behaved server (a real stdlib HTTP server on 127.0.0.1, the real CLI
as a subprocess): every answer unparseable (exit 7, also on a rerun that fetches nothing), invalid
JSON and read timeouts named with their cause and limit, credentials in the endpoint URL used but
never printed, cached or stored, Ctrl-C saying what the cache kept."""
from __future__ import annotations

import json
import signal
import sqlite3
import time

import duckdb
import pytest

from tests.chat_server import LocalServer, QuietHandler
from tests.cli_study import cli, start_cli, write_cli_study
from tests.test_elicit_engine import run_toml


class Server(LocalServer):
    """Answers every POST with `mode`: "refuse" (valid chat completion, text that is no label),
    "label" (the label B), "badjson" (HTTP 200, body not JSON), "slow" (sleeps `delay` then
    answers the label)."""

    def __init__(self, mode: str, delay: float = 0.0):
        self.mode, self.delay, self.seen = mode, delay, []
        super().__init__(Handler)


class Handler(QuietHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append(dict(self.headers))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(self.server.delay)
        if mode == "badjson":
            raw = b'{"choices": [oops'
        else:
            text = "I would rather not say." if mode == "refuse" else "B"
            raw = json.dumps({"model": body["model"], "usage": {"prompt_tokens": 5, "completion_tokens": 3},
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": text}}]}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, Ctrl-C)
            pass


def _run(url: str, extra: str = "") -> str:
    return run_toml(url, "use_n = false\nconcurrency = 1\n" + extra)


@pytest.fixture
def server(request):
    s = Server(*request.param)
    yield s
    s.shutdown()
    s.server_close()


@pytest.mark.parametrize("server", [("refuse",)], indirect=True)
def test_all_unparseable_fails_and_a_rerun_still_says_so(tmp_path, server):
    study = write_cli_study(tmp_path, _run(server.url))
    first = cli("elicit", "--config", study, "--quiet")
    assert first.returncode == 7, first.stderr
    assert "the cache holds 8 of the 8 samples: 8 unparseable, 0 rejected (100% give no label)" in first.stdout
    assert "error: run r: 8 of 8 cached answers (100%) are unparseable or rejected, more than " \
           "--max-unparseable 0.5 allows" in first.stderr
    asked = len(server.seen)
    again = cli("elicit", "--config", study, "--quiet")
    assert len(server.seen) == asked  # everything came from the cache ...
    assert again.returncode == 7  # ... and still counts
    assert "0 unparseable answers" in again.stdout and "8 unparseable, 0 rejected" in again.stdout
    lenient = cli("elicit", "--config", study, "--quiet", "--max-unparseable", "1")
    assert lenient.returncode == 0, lenient.stderr


@pytest.mark.parametrize("server", [("label",)], indirect=True)
def test_good_answers_pass_the_threshold(tmp_path, server):
    study = write_cli_study(tmp_path, _run(server.url))
    done = cli("elicit", "--config", study, "--quiet", "--max-unparseable", "0")
    assert done.returncode == 0, done.stderr
    assert "the cache holds 8 of the 8 samples: 0 unparseable, 0 rejected (0% give no label)" in done.stdout


@pytest.mark.parametrize("server", [("badjson",)], indirect=True)
def test_invalid_json_is_named_as_such(tmp_path, server):
    study = write_cli_study(tmp_path, _run(server.url, "retries = 0"))
    done = cli("elicit", "--config", study, "--quiet")
    assert done.returncode == 1  # nothing fetched: a rerun may fetch it
    assert "connection/timeouts" not in done.stdout
    assert f"8 x {server.url.rsplit('/v1')[0]}/v1 answered invalid JSON (Expecting value" in done.stdout
    assert "'{\"choices\": [oops'" in done.stdout


@pytest.mark.parametrize("server", [("slow", 2.0)], indirect=True)
def test_read_timeout_names_the_limit(tmp_path, server):
    study = write_cli_study(tmp_path, _run(server.url, "retries = 0\ntimeout = 0.3\n"
                                                       'tasks = ["toy"]'))
    done = cli("elicit", "--config", study, "--quiet")
    assert done.returncode == 1
    assert f"8 x no answer (read timeout) from {server.url} after 0.3 s (the run's timeout)" in done.stdout


@pytest.mark.parametrize("server", [("label",)], indirect=True)
def test_credentials_in_the_endpoint_are_used_but_never_shown_or_stored(tmp_path, server):
    secret_url = f"http://atlasuser:hunter2secret@127.0.0.1:{server.port}/v1"
    study = write_cli_study(tmp_path, _run(secret_url))
    done = cli("elicit", "--config", study, "--quiet")
    assert done.returncode == 0, done.stderr
    assert all(h.get("Authorization", "").startswith("Basic ") for h in server.seen)  # still sent
    assert f"http://***@127.0.0.1:{server.port}/v1 8" in done.stdout  # per endpoint
    assert "hunter2secret" not in done.stdout + done.stderr and "atlasuser" not in done.stdout
    assert b"hunter2secret" not in (tmp_path / "elicit-cache.sqlite").read_bytes()
    with sqlite3.connect(tmp_path / "elicit-cache.sqlite") as con:
        assert {r[0] for r in con.execute("SELECT endpoint FROM responses")} == \
            {f"http://***@127.0.0.1:{server.port}/v1"}
    store = tmp_path / "s.duckdb"
    built = cli("build", "--config", study, "--out", store, "--quiet")
    assert built.returncode == 0, built.stderr
    assert b"hunter2secret" not in store.read_bytes()
    settings = json.loads(duckdb.connect(str(store), read_only=True).execute(
        "SELECT settings FROM runs WHERE run_id = 'r'").fetchone()[0])
    assert settings["endpoints"] == [f"http://***@127.0.0.1:{server.port}/v1"]


@pytest.mark.parametrize("server", [("slow", 1.0)], indirect=True)
def test_ctrl_c_during_elicit_says_what_the_cache_kept(tmp_path, server):
    study = write_cli_study(tmp_path, _run(server.url))  # 8 samples, one at a time, 1 s each
    proc = start_cli("elicit", "--config", study, "--quiet")
    end = time.monotonic() + 120
    while len(server.seen) < 3:
        assert proc.poll() is None and time.monotonic() < end
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    with sqlite3.connect(tmp_path / "elicit-cache.sqlite") as con:
        kept = con.execute("SELECT count(*) FROM responses").fetchone()[0]
    assert 2 <= kept < 8
    assert err.decode().strip().splitlines()[-1] == (
        f"interrupted (SIGINT): {kept} of 8 answers of run r are cached in "
        f"{tmp_path / 'elicit-cache.sqlite'}; run the same command again to fetch the rest")
    assert b"Traceback" not in err
