"""`source = "import"`: model predictions made elsewhere, validated like human data.

    [[run]]
    source = "import"
    name = "gpt-x-verbalized"          # run id; model keys as for elicited runs
    model_id = "gpt-x"
    training = "rlhf"
    path = "predictions/gpt-x.csv"     # .csv, .jsonl, .parquet, or .tsv (LeWiDi submission)
    format = "csv"                     # csv | jsonl | parquet | lewidi (default: from the suffix)
    kind = "probs"                     # probs | samples | pos_share (default: from the columns)
    task = "md_agreement"              # or a task_id column (task_column)
    method = "import"                  # or the method used elsewhere: verbalized | sampling | logprob

Kinds: `probs` = one probability vector per item in the task's label order (a list, a JSON
list string, or one column per label via `probs_columns`); `samples` = one row per sampled
label (label values as in the dataset; `label_column`); `pos_share` = the share of the
positive (second) label of a binary task. LeWiDi soft-label submissions: tab-separated lines
`item_id <TAB> [p1, p2, ...]` or `item_id <TAB> {"label": p, ...}`.

Unknown items, unknown labels, wrong vector lengths, negative values or sums off 1 by more
than 0.001 raise a StudyError naming the file, row and field; nothing is written.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from precompute.config import run_source
from precompute.runs_check import SUM_TOLERANCE
from precompute.study import HumanData, ModelSpec, RunData, RunSpec, StudyError

SUFFIX_FORMAT = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".tsv": "lewidi"}


@run_source("import")
def imported(section: dict, base: Path, human: list[HumanData], seed: int) -> list[RunData]:
    where = f"import [[run]] {section.get('name', '?')!r}"
    missing = [k for k in ("name", "model_id", "training", "path") if k not in section]
    if missing:
        raise StudyError(f"{where}: missing key(s) {missing}")
    path = (base / section["path"]).resolve()
    fmt = section.get("format") or SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt not in ("csv", "jsonl", "parquet", "lewidi"):
        raise StudyError(f"{where}, field format: csv, jsonl, parquet or lewidi, not {fmt!r}")
    frame = read_predictions(path, fmt)
    tasks = {h.task.task_id: h for h in human}
    task_col = section.get("task_column", "task_id")
    if task_col not in frame.columns:
        task = section.get("task") or (next(iter(tasks)) if len(tasks) == 1 else None)
        if task not in tasks:
            raise StudyError(f"{path}: name the task with `task = ...` (known: {sorted(tasks)}), "
                             f"or give a {task_col!r} column")
        frame[task_col] = task
    kind = section.get("kind") or _infer_kind(frame, section)
    min_ann = int(section.get("_study", {}).get("min_annotators", 2))
    dists = _to_dists(frame, kind, section, tasks, path, min_ann)
    model = ModelSpec(model_id=str(section["model_id"]),
                      display_name=str(section.get("display_name", section["model_id"])),
                      training=str(section["training"]), family=str(section.get("family", "")),
                      base_model=str(section.get("base_model", "")), pair_id=section.get("pair_id"),
                      params_b=float(section["params_b"]) if section.get("params_b") is not None else None,
                      provider=str(section.get("provider", "")))
    run = RunSpec(run_id=str(section["name"]), model_id=model.model_id,
                  method=section.get("method", "import"), reasoning=section.get("reasoning", "none"),
                  steering=section.get("steering", "zero"), source="imported",
                  temperature=section.get("temperature"),
                  n_samples=int(dists["n_valid"].max()) if kind == "samples" and len(dists) else None,
                  prompt_id=section.get("prompt_id"), created_at=section.get("created_at"),
                  settings={"path": str(section["path"]), "format": fmt, "kind": kind})
    return [RunData(model, run, dists)]


def read_predictions(path: Path, fmt: str) -> pd.DataFrame:
    if not path.exists():
        raise StudyError(f"{path}: file not found")
    try:
        if fmt == "csv":
            return pd.read_csv(path, dtype={"item_id": str})
        if fmt == "jsonl":
            return pd.read_json(path, lines=True, dtype={"item_id": str})
        if fmt == "parquet":
            return pd.read_parquet(path)
    except (ValueError, OSError) as e:
        raise StudyError(f"{path}: cannot read as {fmt} ({e})") from e
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise StudyError(f"{path}, row {n}: expected `item_id<TAB>soft label`, got {len(parts)} fields")
        try:
            rows.append({"item_id": parts[0].strip(), "probs": json.loads(parts[1])})
        except ValueError as e:
            raise StudyError(f"{path}, row {n}, field soft label: not JSON ({e})") from e
    return pd.DataFrame(rows, columns=["item_id", "probs"])


def _infer_kind(frame: pd.DataFrame, section: dict) -> str:
    for kind, key, default in (("probs", "probs_column", "probs"), ("samples", "label_column", "label"),
                               ("pos_share", "pos_column", "pos_share")):
        if section.get(key, default) in frame.columns:
            return kind
    if section.get("probs_columns"):
        return "probs"
    raise StudyError(f"import [[run]] {section.get('name')!r}: set `kind` (probs, samples, pos_share); "
                     f"columns are {list(frame.columns)}")


def _to_dists(frame, kind, section, tasks, path, min_ann) -> pd.DataFrame:
    item_col, task_col = section.get("item_column", "item_id"), section.get("task_column", "task_id")
    if item_col not in frame.columns:
        raise StudyError(f"{path}: no {item_col!r} column (item_column); columns are {list(frame.columns)}")
    frame = frame.assign(**{item_col: frame[item_col].astype(str)})
    known = {t: _kept_items(h, min_ann) for t, h in tasks.items()}
    for row, (task, item) in enumerate(zip(frame[task_col], frame[item_col], strict=False), start=1):
        if task not in tasks:
            raise StudyError(f"{path}, row {row}, field {task_col}: unknown task {task!r}")
        if item not in known[task][0]:
            raise StudyError(f"{path}, row {row}, field {item_col}: unknown item {item!r} in task {task!r}")
    keep = [known[t][1].get(i, False) for t, i in zip(frame[task_col], frame[item_col], strict=False)]
    frame = frame.loc[keep]  # items the builder drops for too few ratings
    if kind == "samples":
        return _from_samples(frame, section, tasks, path, item_col, task_col)
    rows = []
    for row, rec in zip(frame.index + 1, frame.to_dict("records"), strict=False):
        task = tasks[rec[task_col]].task
        probs = _vector(rec, kind, section, task, f"{path}, row {row}")
        rows.append((rec[task_col], rec[item_col], probs, None, 0, None))
    out = pd.DataFrame(rows, columns=["task_id", "item_id", "probs", "n_valid", "n_failed", "covered_mass"])
    if out.duplicated(["task_id", "item_id"]).any():
        dup = out[out.duplicated(["task_id", "item_id"])].iloc[0]
        raise StudyError(f"{path}: item {dup['item_id']!r} appears twice")
    return out


def _kept_items(hd: HumanData, min_ann: int) -> tuple[set, dict]:
    ids = hd.items["item_id"].astype(str).tolist()
    n = np.asarray(hd.counts).sum(axis=1)
    return set(ids), {i: bool(c >= min_ann) for i, c in zip(ids, n, strict=False)}


def _vector(rec: dict, kind: str, section: dict, task, where: str) -> np.ndarray:
    k = len(task.labels)
    if kind == "pos_share":
        col = section.get("pos_column", "pos_share")
        if k != 2:
            raise StudyError(f"{where}, field {col}: a positive share needs a binary task, "
                             f"{task.task_id!r} has {k} labels")
        p = _number(rec.get(col), f"{where}, field {col}")
        if not 0 <= p <= 1:
            raise StudyError(f"{where}, field {col}: share must be within [0, 1], got {p}")
        return np.array([1 - p, p])
    if section.get("probs_columns"):
        cols = list(section["probs_columns"])
        field, value = ",".join(cols), [rec.get(c) for c in cols]
    else:
        field = section.get("probs_column", "probs")
        value = rec.get(field)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise StudyError(f"{where}, field {field}: not a JSON list ({e})") from e
    if isinstance(value, dict):
        value = _from_label_dict(value, task, f"{where}, field {field}")
    p = np.asarray([_number(v, f"{where}, field {field}") for v in np.atleast_1d(value)], dtype=float)
    if p.shape != (k,):
        raise StudyError(f"{where}, field {field}: expected {k} probabilities, got {p.size}")
    if (p < 0).any():
        raise StudyError(f"{where}, field {field}: negative probability in {p.tolist()}")
    if abs(p.sum() - 1) > SUM_TOLERANCE:
        raise StudyError(f"{where}, field {field}: probabilities sum to {p.sum():.4f}, not 1 "
                         f"(tolerance {SUM_TOLERANCE})")
    return p


def _from_label_dict(value: dict, task, where: str) -> list:
    index = {_norm(lab): i for i, lab in enumerate(task.labels)}
    out = [0.0] * len(task.labels)
    for key, p in value.items():
        if _norm(key) not in index:
            raise StudyError(f"{where}: unknown label {key!r}; labels are {task.labels}")
        out[index[_norm(key)]] = p
    return out


def _norm(label) -> str:
    s = str(label).strip()
    try:
        return repr(float(s))  # "1", "1.0" and 1 are the same label
    except ValueError:
        return s


def _number(v, where: str) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise StudyError(f"{where}: not a number: {v!r}") from None
    if not np.isfinite(x):
        raise StudyError(f"{where}: not a finite number: {v!r}")
    return x


def _from_samples(frame, section, tasks, path, item_col, task_col) -> pd.DataFrame:
    col = section.get("label_column", "label")
    if col not in frame.columns:
        raise StudyError(f"{path}: no {col!r} column (label_column)")
    rows = []
    for (task_id, item), part in frame.groupby([task_col, item_col], sort=False):
        task = tasks[task_id].task
        index = {_norm(lab): i for i, lab in enumerate(task.labels)}
        counts, failed = np.zeros(len(task.labels)), 0
        for row, label in zip(part.index + 1, part[col], strict=False):
            if label is None or (isinstance(label, float) and np.isnan(label)) or str(label).strip() == "":
                failed += 1  # an unparseable sample recorded elsewhere: counted, not dropped
                continue
            if _norm(label) not in index:
                raise StudyError(f"{path}, row {row}, field {col}: unknown label {label!r}; "
                                 f"labels are {task.labels}")
            counts[index[_norm(label)]] += 1
        if counts.sum():
            rows.append((task_id, item, counts / counts.sum(), int(counts.sum()), failed, None))
    return pd.DataFrame(rows, columns=["task_id", "item_id", "probs", "n_valid", "n_failed", "covered_mass"])
