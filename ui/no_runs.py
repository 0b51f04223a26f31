"""The notice every page shows when the store has human data but no model runs.

Without it a store built from ratings alone looks broken: charts hold only the baselines and the
Overview's verdict finds no RLVR/RLHF pair, and no sidebar filter can change that. The notice
says why and names the two ways to add runs. The text is ours, not data, so it may be markdown.
"""
from __future__ import annotations

import streamlit as st

from data_layer.queries.store_contents import model_run_count
from ui.data import q

NO_MODEL_RUNS = (
    "**This store has no model runs yet**, only human label distributions and the reference "
    "baselines (uniform, task prior, majority), so there is no model to compare with the humans. "
    "Add `[[run]]` entries to your study file, then rebuild with "
    "`atlas build --config study.toml --out my.duckdb`, either way:\n"
    "- **import** predictions you already have (`source = \"import\"`: probability vectors, sampled "
    "labels or a positive share per item, in CSV, JSONL or Parquet);\n"
    "- **elicit** them from any OpenAI-compatible server (`source = \"elicited\"`, then "
    "`atlas elicit --config study.toml` before the build).\n\n"
    "A complete study with two imported models forming an RLVR/RLHF pair is in the project's "
    "`examples/` folder; every key is explained in the README, section \"Model distributions: "
    "elicitation and import\", and `atlas --help` lists the commands. Give an RLVR model and an RLHF "
    "model the same `pair_id` to get the Overview's verdict.")


def note_if_no_model_runs() -> bool:
    """Show the notice when the store has no model runs; True if it was shown."""
    if q(model_run_count):
        return False
    st.info(NO_MODEL_RUNS, icon="🧭")
    return True
