"""Ni et al.'s published per-model figures, loaded into every store as `published_results`.

The CSV ships in reference_data/ (see its README.md for the citation and the columns); each
row is validated here (file, row and field named on error) and given the model names of its
pair, so the app can show which real model a figure belongs to.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from precompute.study import StudyError

CSV_PATH = Path(__file__).resolve().parents[1] / "reference_data" / "ni2025_published_results.csv"
CITATION = ("Ni, Fan, Zouhar, Rooein, Hoyle, Sachan, Leippold, Hovy, Ash. \"Can Reasoning Help Large "
            "Language Models Capture Human Annotator Disagreement?\" EACL 2026, pp. 36-54, "
            "arXiv 2506.19467 (v3); Tables 5 and 6.")

# model pair -> (RLHF model, RLVR model, parameters in billions)
PAIRS = {
    "Llama-8B": ("Llama-3.1-Tulu-3.1-8B", "DeepSeek-R1-Distill-Llama-8B", 8.0),
    "Qwen-14B": ("Qwen2.5-14B-Instruct", "DeepSeek-R1-Distill-Qwen-14B", 14.0),
    "Qwen-32B": ("Qwen2.5-32B-Instruct", "DeepSeek-R1-Distill-Qwen-32B", 32.0),
    "Llama-70B": ("Llama-3.3-70B-Instruct", "DeepSeek-R1-Distill-Llama-70B", 70.0),
    "DeepSeek-671B": ("DeepSeek-V3", "DeepSeek-R1", 671.0),
}
ALLOWED = {"subset": {"Random", "HighVar"}, "metric": {"VarCorr", "DistAlign", "F1"},
           "dist_expr": {"verbal", "sample"}, "steering": {"zero", "few"}, "model_pair": set(PAIRS),
           "reasoning": {"No-CoT", "CoT", "R1"}, "dataset": {"HS2", "GHC", "Pos", "Neg", "Amb"}}
COLUMNS = [*ALLOWED, "value"]


def load_published(path: Path = CSV_PATH) -> pd.DataFrame:
    """The validated figures with model, rlhf_model, rlvr_model, params_b and citation."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            raise StudyError(f"{path}: header must be {','.join(COLUMNS)}, got {reader.fieldnames}")
        rows = [_row(path, i, r) for i, r in enumerate(reader, start=2)]
    df = pd.DataFrame(rows, columns=COLUMNS)
    dup = df.duplicated(subset=list(ALLOWED))
    if dup.any():
        raise StudyError(f"{path}: row {int(dup.idxmax()) + 2} repeats a figure already given")
    df["rlhf_model"] = df["model_pair"].map(lambda p: PAIRS[p][0])
    df["rlvr_model"] = df["model_pair"].map(lambda p: PAIRS[p][1])
    df["model"] = df["rlvr_model"].where(df["reasoning"] == "R1", df["rlhf_model"])
    df["params_b"] = df["model_pair"].map(lambda p: PAIRS[p][2])
    df["citation"] = CITATION
    return df


def _row(path: Path, line: int, r: dict) -> dict:
    for field, allowed in ALLOWED.items():
        if r[field] not in allowed:
            raise StudyError(f"{path}, row {line}, field {field!r}: {r[field]!r} is not one of "
                             f"{sorted(allowed)}")
    try:
        value = float(r["value"])
    except ValueError:
        raise StudyError(f"{path}, row {line}, field 'value': {r['value']!r} is not a number") from None
    return {**{f: r[f] for f in ALLOWED}, "value": value}


def write_published(con, insert) -> int:
    """Insert the figures with `insert(con, table, frame)`; returns the number of rows."""
    df = load_published()
    insert(con, "published_results", df)
    return len(df)
