"""examples/study/ is a complete small study that builds with the real pipeline: its files are what
examples/make_example_study.py writes, the two imported models form an RLVR/RLHF pair, and the elicited
run without a cache is skipped and said so (missing_elicited = "skip")."""
import importlib

from data_layer.queries import paired
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.__main__ import main
from tests.conftest import ROOT

STUDY = ROOT / "examples" / "study" / "study.toml"


def test_committed_example_files_are_what_the_script_writes(tmp_path):
    make = importlib.import_module("examples.make_example_study")
    for written in make.write(tmp_path):
        committed = STUDY.parent / written.relative_to(tmp_path)
        assert committed.read_bytes() == written.read_bytes(), \
            f"{committed} is stale: run `python -m examples.make_example_study`"


def test_the_example_study_builds_and_its_pair_is_compared(tmp_path, capsys):
    out = tmp_path / "example.duckdb"
    assert main(["build", "--config", str(STUDY), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "skipped (missing_elicited = \"skip\"): run 'qwen3-8b-sampling'" in printed
    assert "sim-chat-8b: predictions for 50 of 60 items" in printed
    assert "sim-r1-distill-8b: predictions for 60 of 60 items; renormalised" in printed
    assert not (STUDY.parent / "elicit-cache.sqlite").exists()  # building asked no server
    store = Store(out)
    try:
        res = paired.paired_comparisons(store, Slice(), (), kinds=("rlvr_vs_rlhf",))
        assert res.ok, res.message
        row = res.frame.iloc[0]
        assert (row["left_label"], row["right_label"], row["n"], row["n_run_pairs"]) == \
            ("RLVR", "RLHF sibling", 50, 1)  # compared on the 50 items both models predicted
        assert store.scalar("SELECT count(*) FROM runs WHERE source = 'elicited'") == 0
    finally:
        store.close()
