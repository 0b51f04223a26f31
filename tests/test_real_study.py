"""The committed real study (examples/real-study): its answers rebuild the store offline, without
a server, to the per-run means recorded when it was elicited; the answers hold no dataset text; the
README's table is what the store shows. Needs ../shared/datasets (skipped without it)."""
from __future__ import annotations

import gzip
import importlib.util
import json
import re

import pytest

from data_layer.store import Store
from precompute.__main__ import main
from tests.conftest import DATASETS, ROOT, datasets_or_skip

pytestmark = pytest.mark.slow

FOLDER = ROOT / "examples" / "real-study"
ANSWERS = sorted((FOLDER / "answers").glob("*.jsonl.gz"))


def _summary():
    spec = importlib.util.spec_from_file_location("real_study_summary", FOLDER / "summary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """The study built from the committed answers alone: datasets from ../shared wherever it is,
    and a cache path that does not exist, so nothing but the answers files can be read."""
    datasets_or_skip()
    folder = tmp_path_factory.mktemp("real-study")
    text = (FOLDER / "study.toml").read_text()
    text = text.replace("../../../shared/datasets", str(DATASETS))
    text = text.replace('answers = "answers/', f'answers = "{FOLDER}/answers/')
    text = text.replace('cache = "elicit-cache.sqlite"', f'cache = "{folder}/no-such-cache.sqlite"')
    study = folder / "study.toml"
    study.write_text(text)
    out = folder / "real-study.duckdb"
    assert main(["build", "--config", str(study), "--out", str(out), "--quiet"]) == 0
    assert not (folder / "no-such-cache.sqlite").exists()
    store = Store(out)
    yield store
    store.close()


def test_every_run_has_committed_answers_and_provenance():
    runs = re.findall(r'^name = "(gemma[^"]+)"', (FOLDER / "study.toml").read_text(), flags=re.M)
    assert len(runs) == 4 and [p.name for p in ANSWERS] == sorted(f"{r}.jsonl.gz" for r in runs)
    provenance = json.loads((FOLDER / "answers" / "provenance.json").read_text())
    for key in ("date", "elapsed_s", "model", "server", "hardware", "runs"):
        assert provenance[key], key
    assert provenance["model"]["quantisation"] == "Q4_K_M"


def test_the_rebuilt_store_has_the_recorded_means(rebuilt):
    recorded = json.loads((FOLDER / "answers" / "means.json").read_text())
    now = _summary().run_means(rebuilt)
    assert set(now) == set(recorded)
    for run, values in recorded.items():
        assert now[run]["n"] == values["n"], run
        for metric, value in values.items():
            if metric != "n":
                assert now[run][metric] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), (run, metric)


def test_the_answers_hold_no_dataset_text(rebuilt):
    texts = rebuilt.df("SELECT text FROM items")["text"].astype(str)
    raw = " ".join(gzip.open(p, "rt", encoding="utf-8").read() for p in ANSWERS)
    quoted = [t for t in texts if len(t) >= 40 and any(t[i:i + 40] in raw for i in range(0, len(t) - 39, 5))]
    assert not quoted, quoted[:3]
    assert '"messages"' not in raw


def test_every_method_and_both_reasoning_modes_are_real(rebuilt):
    runs = rebuilt.df("SELECT method, reasoning, count(*) AS n FROM runs WHERE source = 'elicited' GROUP BY ALL")
    assert {"verbalized", "sampling", "logprob"} <= set(runs["method"])
    assert {"none", "cot"} <= set(runs["reasoning"])
    traces = rebuilt.scalar("SELECT count(*) FROM generations WHERE reasoning_text IS NOT NULL")
    assert traces > 0


def test_the_readme_table_is_what_the_store_shows(rebuilt):
    table = _summary().table(rebuilt)
    assert table in (ROOT / "README.md").read_text(), "README's real-study table is stale: run summary.py"
