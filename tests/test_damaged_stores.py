"""Damaged, foreign and other-version stores: a real tiny store built by the real pipeline, then
damaged copies. `info` and `info --check` (the real CLI, as a subprocess) print one line per
problem and exit 5, never a traceback; `Store` refuses at open what the cheap check sees; the
app shows one page naming the problem and the rebuild commands."""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from data_layer.schema import SCHEMA_VERSION, TABLES
from data_layer.store import Store, StoreError
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    from precompute.build import build_store
    from precompute.config import load_study
    from tests.study_fixture import write_study
    folder = tmp_path_factory.mktemp("tiny")
    path = folder / "tiny.duckdb"
    build_store(load_study(write_study(folder, "")), path, show_progress=False)
    return path


def _sql(*statements):
    def damage(path):
        con = duckdb.connect(str(path))
        for s in statements:
            con.execute(s)
        con.close()
    return damage


def _cut_in_half(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


# (name, damage, what the message says, whether the cheap check at open sees it)
DAMAGES = [
    ("cut in half", _cut_in_half, "damaged or truncated", True),
    ("table dropped", _sql("DROP TABLE task_cards"), "table task_cards is missing", True),
    ("column dropped", _sql("ALTER TABLE runs DROP COLUMN settings"), "table runs lacks column settings", True),
    ("column retyped", _sql("ALTER TABLE runs ALTER COLUMN temperature TYPE VARCHAR"),
     "column runs.temperature is VARCHAR, the manifest says DOUBLE", True),
    ("rows changed", _sql("UPDATE human_dist SET n_annotators = n_annotators + 1 WHERE item_id = 't1'"),
     "table human_dist: its rows differ from those written at build", False),
    ("row deleted", _sql("DELETE FROM items WHERE item_id = 't2'"), "table items has 5 rows, the manifest says 6",
     False),
    ("manifest dropped", _sql("DROP TABLE store_manifest"), "table store_manifest is missing", True),
    ("text file", lambda p: p.write_text("id,label\n1,a\n", encoding="utf-8"), "not a readable DuckDB file", True),
    ("empty file", lambda p: p.write_bytes(b""), "not a readable DuckDB file", True),
    ("foreign DuckDB file", lambda p: (p.unlink(), _sql("CREATE TABLE sales (id INT)")(p)),
     "not a Disagreement Atlas store", True),
    ("future schema", _sql(f"UPDATE build_info SET schema_version = {SCHEMA_VERSION + 1}"),
     f"schema version {SCHEMA_VERSION + 1}, newer than {SCHEMA_VERSION}", True),
]
IDS = [d[0] for d in DAMAGES]


@pytest.fixture(params=DAMAGES, ids=IDS)
def damaged(request, tiny_store, tmp_path):
    name, damage, message, seen_at_open = request.param
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(tiny_store.read_bytes())
    damage(path)
    return path, message, seen_at_open


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "precompute", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_a_whole_store_passes_the_check(tiny_store):
    done = _cli("info", str(tiny_store), "--check")
    assert done.returncode == 0, done.stderr
    hashed = len([t for t in TABLES if t not in ("build_info", "store_manifest")])  # neither is hashed
    assert f"OK: schema, {hashed} tables" in done.stdout and "content checksum" in done.stdout
    checksum = duckdb.connect(str(tiny_store), read_only=True).execute(
        "SELECT content_checksum FROM build_info").fetchone()[0]
    assert checksum in done.stdout


def test_check_names_the_damage_in_one_line_per_problem(damaged):
    path, message, _ = damaged
    done = _cli("info", str(path), "--check")
    assert done.returncode == 5
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    assert any(message in line for line in lines), done.stderr


def test_info_refuses_what_open_sees_without_a_traceback(damaged):
    path, message, seen_at_open = damaged
    done = _cli("info", str(path))
    assert "Traceback" not in done.stderr
    if seen_at_open:
        assert done.returncode == 5 and len(done.stderr.strip().splitlines()) == 1
        assert message in done.stderr and f"python -m precompute demo --out {path}" in done.stderr
    else:  # the cheap check reads no rows; --check (above) is what finds changed rows
        assert done.returncode == 0


def test_store_open_refuses_with_every_problem(damaged):
    path, message, seen_at_open = damaged
    if not seen_at_open:
        Store(path).close()
        return
    with pytest.raises(StoreError) as e:
        Store(path)
    assert any(message in p for p in e.value.problems) and "python -m precompute build" in str(e.value)


def test_app_shows_one_page_saying_what_is_wrong_and_how_to_rebuild(damaged, monkeypatch):
    path, message, seen_at_open = damaged
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("ATLAS_STORE", str(path))
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if not seen_at_open:  # changed rows: the cheap check reads none, the pages open (info --check finds them)
        assert "reasoning models" in at.title[0].value
        assert not any("cannot be opened" in e.value for e in at.error)
        st.cache_resource.clear()
        return
    assert [e.value for e in at.error] == ["The store cannot be opened, so there is nothing to show. What is wrong:"]
    codes = [c.value for c in at.code]
    assert any(message in c for c in codes[:1]), codes
    assert f"python -m precompute demo --out {path}" in codes[1]
    assert f"python -m precompute build --config study.toml --out {path}" in codes[1]
    st.cache_resource.clear()
