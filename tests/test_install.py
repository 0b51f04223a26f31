"""The newcomer's path, for real: build a wheel of the project, install it into a fresh virtual
environment (no system site-packages, no repository on the path), and from a temporary folder
outside the clone run `atlas init` on a ratings file and two models' predictions (an RLVR/RLHF
pair, guessed from their names), build the store, start `atlas app`, and read the pair's verdict on the
Overview in a real browser.

Dependencies come from PyPI through pip's own cache (a warm cache makes the install take about a
minute; a cold one several, see README). Set ATLAS_WHEEL_CACHE to a folder of wheels to install
them from there as well (`--find-links`).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port
from tests.test_space import HOST_NETWORK_ENV

pytestmark = pytest.mark.slow

# What a wheel is built from: the packaged code and data, nothing the install must not need.
NOT_SHIPPED = shutil.ignore_patterns(".git", "tests", "bench", ".ci", "build", "dist", "*.egg-info",
                                     "__pycache__", "*.pyc", "*.duckdb", "*.duckdb.wal", ".venv",
                                     "test-artifacts", ".pytest_cache", ".ruff_cache", ".hypothesis")
ITEMS = 40  # at least data_layer.verdict.MIN_ITEMS, so the pair gets a verdict
ANNOTATORS = 6


def write_ratings_and_predictions(work: Path) -> None:
    """Forty items rated by six annotators, from unanimous to split; an RLHF model that tracks the
    human share and an RLVR model that is sure of the majority (the pattern Ni et al. report)."""
    shares = [k / (ITEMS - 1) for k in range(ITEMS)]
    with open(work / "ratings.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "text", "annotator", "label"])
        for i, share in enumerate(shares):
            toxic = round(share * ANNOTATORS)
            for a in range(ANNOTATORS):
                w.writerow([f"c{i:02d}", f"Comment number {i}", f"a{a}", int(a < toxic)])
    for name, probs in (("chat", lambda s: [1 - s, s]),
                        ("reasoner", lambda s: [0.02, 0.98] if s >= 0.5 else [0.98, 0.02])):
        with open(work / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "probs"])
            for i, share in enumerate(shares):
                human = round(share * ANNOTATORS) / ANNOTATORS
                w.writerow([f"c{i:02d}", json.dumps([round(p, 4) for p in probs(human)])])


def build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SHIPPED)  # setuptools writes build/ next to the sources
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                   check=True, capture_output=True, text=True)
    (wheel,) = dist.glob("disagreement_atlas-*.whl")
    return wheel


def fresh_venv(tmp: Path, wheel: Path, env: dict) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    links = os.environ.get("ATLAS_WHEEL_CACHE")
    t = time.perf_counter()
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel),
                           *(["--find-links", links] if links else [])],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    print(f"fresh venv install: {time.perf_counter() - t:.0f} s")  # shown with -s / in CI logs
    return venv


def atlas(venv: Path, work: Path, env: dict, *args: str) -> str:
    done = subprocess.run([str(venv / "bin" / "atlas"), *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"atlas {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def wait_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"atlas app did not answer /_stcore/health:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


def overview_text(base: str) -> str:
    """The Overview's main column as a visitor's browser shows it, once the verdict is drawn."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(90_000)
            page.goto(base)
            page.get_by_role("heading", name="Are reasoning models worse").first.wait_for()
            page.locator('[data-testid="stMain"] h4').first.wait_for()
            return page.locator('[data-testid="stMain"]').inner_text()
        finally:
            browser.close()


def test_install_build_and_open_a_study_from_outside_the_clone(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    # Only what a user's shell would have: no PYTHONPATH, no repository, pip's network settings.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(tmp_path)),
           "LANG": "C.UTF-8", "HF_HUB_OFFLINE": "1",
           **{k: v for k, v in os.environ.items() if HOST_NETWORK_ENV.match(k)}}
    venv = fresh_venv(tmp_path, build_wheel(tmp_path), env)
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    work = tmp_path / "my-study"
    work.mkdir()

    where = subprocess.run(["python", "-c", "import precompute, app; print(precompute.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(venv) and not Path(where.strip()).is_relative_to(ROOT)
    assert "app" in atlas(venv, work, env, "--help")

    write_ratings_and_predictions(work)
    # The study file comes from `atlas init`, as a user's would. Its QUESTION comments ask for a licence
    # (needed only to publish) and confirm what it guessed from the file names: reasoner -> rlvr,
    # chat -> rlhf, the two paired; those guesses are right here, so nothing is added by hand.
    said = atlas(venv, work, env, "init", "ratings.csv", "--predictions", "reasoner.csv",
                 "--predictions", "chat.csv", "--out", "study.toml")
    assert "I guessed rlvr" in said and "I guessed rlhf" in said
    study = (work / "study.toml").read_text(encoding="utf-8")
    assert study.count('pair_id = "pair-1"') == 2 and 'training = "rlvr"' in study and 'training = "rlhf"' in study
    built = atlas(venv, work, env, "build", "--config", "study.toml", "--out", "study.duckdb", "--quiet")
    assert f"1 tasks, {ITEMS} items" in built and "5 runs" in built  # two imported + three baselines
    info = atlas(venv, work, env, "info", "study.duckdb")
    assert "reasoner" in info and "chat" in info

    from data_layer.slice import Slice
    from data_layer.store import Store
    from data_layer.verdict import verdict
    store = Store(work / "study.duckdb")
    try:
        answer = verdict(store, Slice())  # what the Overview must state
    finally:
        store.close()
    assert answer.word == "worse", answer.sentence
    expected = answer.sentence

    port, log = _free_port(), tmp_path / "app.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(venv / "bin" / "atlas"), "app", "--store", "study.duckdb",
                                   "--port", str(port), "--address", "127.0.0.1"],
                                  cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server, log)
        text = overview_text(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert expected in text, text[:2000]
    assert "Simulated demo data" not in text  # the user's own store, not the demo
