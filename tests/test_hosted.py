"""Hosted store: publishing to the Hub (up to the Hub calls) and resolving a published store
from a Hugging Face cache laid out as huggingface_hub lays it out, offline or with the Hub down."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from huggingface_hub import DatasetCard, HfApi
from streamlit.testing.v1 import AppTest

from data_layer.locate import STORE_FILENAME, resolve_store
from precompute.__main__ import main as cli
from precompute.publish import PublishRefused, license_verdict, plan_publish, push
from tests.conftest import ROOT, shown

SHA = "0123456789abcdef0123456789abcdef01234567"


class RecordingApi(HfApi):
    """A real HfApi whose three Hub calls are recorded instead of sent; the commit lands in a
    local Hub cache laid out as hf_hub_download expects (blobs/, snapshots/<sha>/, refs/)."""

    def __init__(self, cache: Path | None = None):
        super().__init__(token="hf_not_used")
        self.calls, self.cache = [], cache

    def create_repo(self, repo_id, **kw):
        self.calls.append(("create_repo", repo_id, kw))

    def create_branch(self, repo_id, **kw):
        self.calls.append(("create_branch", repo_id, kw))

    def create_commit(self, repo_id, operations, **kw):
        self.calls.append(("create_commit", repo_id, kw, operations))
        if self.cache:
            files = {op.path_in_repo: op.path_or_fileobj for op in operations}
            lay_out_hub_cache(self.cache, repo_id, files, kw.get("revision") or "main")
        return "https://example.invalid/commit/" + SHA


def lay_out_hub_cache(cache: Path, repo: str, files: dict, revision: str = "main") -> None:
    root = cache / ("datasets--" + repo.replace("/", "--"))
    for name, src in files.items():
        data = src if isinstance(src, bytes) else Path(src).read_bytes()
        blob = root / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = root / "snapshots" / SHA / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (root / "refs").mkdir(exist_ok=True)
    (root / "refs" / revision).write_text(SHA)


@pytest.fixture
def relicensed(demo_store_path, tmp_path):
    """A copy of the demo store whose tasks carry the given licences."""
    def make(licences: dict[str, str]) -> Path:
        path = tmp_path / "relicensed.duckdb"
        shutil.copy(demo_store_path, path)
        with duckdb.connect(str(path)) as con:
            for task, lic in licences.items():
                con.execute("UPDATE tasks SET license = ? WHERE task_id = ?", [lic, task])
        return path
    return make


@pytest.fixture
def hub_env(monkeypatch, tmp_path, demo_store_path):
    """No local store; the demo store comes prebuilt from the session's store (no rebuild)."""
    monkeypatch.delenv("ATLAS_STORE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "atlas"))
    from data_layer.locate import demo_store_path as demo_path
    demo_path().parent.mkdir(parents=True)
    demo_path().symlink_to(demo_store_path)
    return tmp_path / "hub"


# --- licences -------------------------------------------------------------------------------

@pytest.mark.parametrize("licence, allowed, hub_id", [
    ("CC0-1.0", True, "cc0-1.0"), ("CC BY 4.0", True, "cc-by-4.0"), ("cc-by-sa-3.0", True, "cc-by-sa-3.0"),
    ("MIT License", True, "mit"), ("public domain", True, "other"), ("CC BY 4.0 license", True, "cc-by-4.0"), ("Apache-2.0", True, "apache-2.0"), ("ODC-By", True, "odc-by"),
    ("CC BY-NC 4.0", True, "cc-by-nc-4.0"), ("CC-BY-NC-SA-4.0", True, "cc-by-nc-sa-4.0"),
    ("CC BY-ND 4.0", False, "cc-by-nd-4.0"), ("cc-by-nc-nd-4.0", False, "cc-by-nc-nd-4.0"),
    ("", False, "other"), (None, False, "other"), ("unknown", False, "other"),
    ("research only", False, "other"), ("proprietary; no redistribution", False, "other"),
])
def test_licence_rule(licence, allowed, hub_id):
    v = license_verdict("t", licence)
    assert (v.allowed, v.hub_id) == (allowed, hub_id)
    assert v.reason


# --- publish --------------------------------------------------------------------------------

def test_dataset_card_describes_the_store(demo_store_path, demo_store):
    plan = plan_publish(demo_store_path, "atlas-team/demo-store", revision="v1")
    card = DatasetCard(plan.card)  # huggingface_hub's own parser reads the front matter
    assert card.data.license == ["cc0-1.0"]
    assert {"disagreement-atlas", "synthetic"} <= set(card.data.tags)
    info = demo_store.df("SELECT * FROM build_info").iloc[0]
    for task, source, citation in demo_store.rows("SELECT task_id, source, citation FROM tasks"):
        assert f"| {task} |" in card.text and source in card.text and f"- {task}: {citation}" in card.text
    assert f"schema version: {info.schema_version}" in card.text
    assert f"config hash: {info.config_hash}" in card.text and "Simulated data" in card.text
    assert "ATLAS_STORE_REPO=atlas-team/demo-store ATLAS_STORE_REVISION=v1 streamlit run app.py" in card.text


def test_push_uploads_store_and_card_in_one_commit(demo_store_path):
    plan = plan_publish(demo_store_path, "atlas-team/demo-store", revision="v1", private=True)
    api = RecordingApi()
    push(plan, api)
    (_, repo, create), (_, _, branch), (_, _, commit, ops) = api.calls
    assert repo == "atlas-team/demo-store"
    assert create == {"repo_type": "dataset", "private": True, "exist_ok": True}
    assert branch == {"branch": "v1", "repo_type": "dataset", "exist_ok": True}
    assert commit["repo_type"] == "dataset" and commit["revision"] == "v1"
    uploads = {op.path_in_repo: op for op in ops}
    assert set(uploads) == {STORE_FILENAME, "README.md"}
    assert uploads[STORE_FILENAME].path_or_fileobj == str(demo_store_path)
    assert uploads[STORE_FILENAME].upload_info.sha256.hex() == \
        hashlib.sha256(demo_store_path.read_bytes()).hexdigest()
    assert uploads["README.md"].path_or_fileobj == plan.card.encode()


def test_main_branch_is_not_created(demo_store_path):
    api = RecordingApi()
    push(plan_publish(demo_store_path, "a/b"), api)
    assert [c[0] for c in api.calls] == ["create_repo", "create_commit"]
    assert api.calls[0][2]["private"] is False and api.calls[1][2]["revision"] is None


def test_refuses_tasks_without_redistributable_licence(relicensed):
    path = relicensed({"demo-nli": "", "demo-sarcasm": "CC BY-NC-ND 4.0", "demo-offensive": "CC BY-NC 4.0"})
    with pytest.raises(PublishRefused) as e:
        plan_publish(path, "a/b")
    msg = str(e.value)
    assert "demo-nli: no licence recorded" in msg and "demo-sarcasm: NoDerivatives" in msg
    assert "demo-offensive" not in msg and "--force" in msg
    plan = plan_publish(path, "a/b", force=True)
    assert {v.task_id for v in plan.forced} == {"demo-nli", "demo-sarcasm"}
    card = DatasetCard(plan.card)
    assert set(card.data.license) == {"cc0-1.0", "cc-by-nc-4.0", "cc-by-nc-nd-4.0", "other"}
    assert "Non-commercial use only for: demo-offensive" in card.text
    assert "--force" in card.text and "demo-nli (no licence recorded" in card.text


def test_cli_publish(relicensed, demo_store_path, capsys):
    assert cli(["publish", str(demo_store_path), "--repo", "a/b", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\nlicense:") and f"would upload {STORE_FILENAME}, README.md" in out
    path = relicensed({"demo-nli": "research only"})
    assert cli(["publish", str(path), "--repo", "a/b", "--dry-run"]) == 2
    assert "demo-nli: licence 'research only' is not recognised" in capsys.readouterr().err
    # Without --dry-run the real HfApi runs and meets offline mode: a plain error, no traceback.
    assert cli(["publish", str(demo_store_path), "--repo", "a/b"]) == 2
    assert "error: the Hugging Face Hub refused or could not be reached" in capsys.readouterr().err


def test_readme_documents_the_publish_command():
    from precompute.__main__ import parser
    sub = next(a for a in parser()._actions if a.dest == "command").choices["publish"]
    flags = {o for a in sub._actions for o in a.option_strings} - {"-h", "--help"}
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deploy your own Space"):readme.index("## Layout")]
    assert {"--repo", "--revision", "--private", "--force", "--dry-run"} == flags
    assert not [f for f in flags if not re.search(rf"`[^`]*{f}\b[^`]*`", section)]  # each one explained
    assert "atlas publish my.duckdb --repo" in section  # the installed command (= python -m precompute)


# --- resolving a published store ------------------------------------------------------------

def test_published_store_is_found_in_the_hub_cache_offline(demo_store_path, hub_env, monkeypatch):
    push(plan_publish(demo_store_path, "atlas-team/demo-store", revision="v1"), RecordingApi(hub_env))
    monkeypatch.setenv("ATLAS_STORE_REPO", "atlas-team/demo-store")
    monkeypatch.setenv("ATLAS_STORE_REVISION", "v1")
    loc = resolve_store()
    assert loc.origin == "hub-cache" and "offline mode" in loc.note and loc.warning
    assert loc.path.parent == hub_env / "datasets--atlas-team--demo-store" / "snapshots" / SHA
    assert loc.path.read_bytes() == demo_store_path.read_bytes()
    monkeypatch.setenv("ATLAS_STORE_REVISION", "no-such-branch")
    loc = resolve_store()
    assert loc.origin == "demo" and "no copy of it is cached" in loc.note


def test_app_warns_when_it_falls_back(hub_env, monkeypatch):
    monkeypatch.setenv("ATLAS_STORE_REPO", "atlas-team/never-published")
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    st.cache_resource.clear()  # later tests must not inherit this location
    assert not at.exception
    assert any("atlas-team/never-published" in shown(w.value) and "demo store" in shown(w.value) for w in at.warning)
    assert at.dataframe[0].value["n"].gt(0).all()


def _resolve_in_subprocess(env_extra: dict) -> dict:
    """resolve_store() in a fresh interpreter with offline mode off (it is read at import);
    the caches are the test's (hub_env). No stored token is sent to the local servers."""
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "ATLAS_STORE"}}
    env.update({"ATLAS_STORE_REPO": "atlas-team/demo-store", "ATLAS_HUB_TIMEOUT": "1",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1", **env_extra})
    code = ("import json; from data_layer.locate import resolve_store; l = resolve_store(); "
            "print(json.dumps({'origin': l.origin, 'note': l.note, 'path': str(l.path)}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("server", ["closed port", "silent server"])
def test_unreachable_hub_falls_back(server, demo_store_path, hub_env, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if server == "closed port":
        sock.close()  # connection refused at once
    else:
        sock.listen(8)  # accepts connections (kernel backlog) but never answers: only a timeout ends it
    try:
        endpoint = {"HF_ENDPOINT": f"http://127.0.0.1:{port}"}
        got = _resolve_in_subprocess(endpoint)
        assert got["origin"] == "demo"
        assert "the Hugging Face Hub could not be reached" in got["note"] and "demo store" in got["note"]
        lay_out_hub_cache(hub_env, "atlas-team/demo-store", {STORE_FILENAME: demo_store_path})
        got = _resolve_in_subprocess(endpoint)
        assert got["origin"] == "hub-cache" and "cached copy" in got["note"]
        assert "could not be reached" in got["note"]
    finally:
        sock.close()


class FakeHub(ThreadingHTTPServer):
    """A local HTTP server speaking the Hub's file-resolve protocol for published repos
    (HEAD and GET /datasets/OWNER/NAME/resolve/REVISION/FILE), the part hf_hub_download uses."""

    def __init__(self, repos: dict[str, dict[str, bytes]]):
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.repos, self.url = repos, f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _HubHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, body: bool):
        m = re.fullmatch(r"/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", unquote(self.path.split("?")[0]))
        files = self.server.repos.get(m.group(1)) if m else None
        data = files.get(m.group(3)) if files else None
        if data is None:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound" if files else "RepoNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        for k, v in {"X-Repo-Commit": SHA, "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                     "Content-Length": str(len(data)), "Content-Type": "application/octet-stream"}.items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(data)


def test_store_is_downloaded_from_the_hub_and_kept_for_offline_starts(demo_store_path, hub_env):
    with FakeHub({"atlas-team/demo-store": {STORE_FILENAME: demo_store_path.read_bytes()}}) as hub:
        endpoint = {"HF_ENDPOINT": hub.url}
        got = _resolve_in_subprocess(endpoint)
        assert got["origin"] == "hub" and f"commit {SHA[:10]}" in got["note"]
        assert Path(got["path"]).read_bytes() == demo_store_path.read_bytes()
        assert Path(got["path"]).is_relative_to(hub_env)
        other = _resolve_in_subprocess({**endpoint, "ATLAS_STORE_REPO": "atlas-team/unpublished"})
        assert other["origin"] == "demo" and f"no readable {STORE_FILENAME}" in other["note"]
    got = _resolve_in_subprocess(endpoint)  # the Hub is gone: the downloaded copy is used
    assert got["origin"] == "hub-cache" and "could not be reached" in got["note"]
    assert Path(got["path"]).read_bytes() == demo_store_path.read_bytes()


def test_app_names_the_published_dataset_it_shows(demo_store_path, hub_env, monkeypatch):
    from huggingface_hub import constants
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # set at import by conftest
    for k in ("HF_HUB_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_IMPLICIT_TOKEN", True)  # send no stored token
    monkeypatch.setenv("ATLAS_STORE_REPO", "atlas-team/demo-store")
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    with FakeHub({"atlas-team/demo-store": {STORE_FILENAME: demo_store_path.read_bytes()}}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    st.cache_resource.clear()
    assert not at.exception and not at.warning
    assert f"Store: Hugging Face dataset atlas-team/demo-store (revision main), commit {SHA[:10]}." == \
        shown(at.caption[0].value)  # the note is escaped on its way to markdown
    assert at.dataframe[0].value["n"].gt(0).all()


# --- production settings of a public Space --------------------------------------------------

def test_production_settings(demo_store):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"  # visitors never see tracebacks
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["maxUploadSize"] <= 1
    sources = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    assert not [p.name for p in sources if "file_uploader" in p.read_text()]  # no uploads anywhere
    with pytest.raises(duckdb.Error, match="read-only"):
        demo_store.rows("CREATE TABLE visitor_was_here (a INTEGER)")


def test_no_page_relies_on_magic():
    """runner.magicEnabled is off (.streamlit/config.toml): a bare value or string on a line of its
    own, which magic would write to the page, would silently show nothing."""
    import ast
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False
    found = []
    for path in [ROOT / "app.py", *(ROOT / "views").glob("*.py")]:
        for parent in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            body = getattr(parent, "body", None)
            for i, node in enumerate(body if isinstance(body, list) else []):
                if not isinstance(node, ast.Expr) or isinstance(node.value, (ast.Call, ast.Await, ast.Yield,
                                                                                 ast.YieldFrom)):
                    continue
                if i == 0 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    continue  # a docstring
                found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert not found, found
