"""`source = "import"`: model predictions made elsewhere, validated like human data.

Every key is declared in `precompute.study_schema.RUN_IMPORT` (docs/study-file.md). For example:

    [[run]]
    source = "import"
    name = "gpt-x-verbalized"
    model_id = "gpt-x"
    training = "rlhf"
    path = "predictions/gpt-x.csv"     # .csv, .jsonl, .parquet, or .tsv (LeWiDi submission)

Kinds: `probs` = one probability vector per item in the task's label order (a list, a JSON list
string, a label -> probability object, or one column per label: `probs_columns`, or columns named
after the labels, found on their own); `samples` = one row per sampled label; `pos_share` = the share
of the positive (second) label of a binary task; `annotator_labels` = each annotator's own label
predicted (sources/annotator_labels.py). LeWiDi soft-label submissions: tab-separated lines
`item_id <TAB> [p1, p2, ...]` or `item_id <TAB> {"label": p, ...}`; task B ones (`*_pe.tsv`):
`item_id <TAB> [label of each annotator]`.

Strict by default: unknown items, unknown labels, wrong vector lengths, negative values or sums off 1
by more than 0.001 raise a StudyError naming the file, row and field; nothing is written. Forgiving on
request, and counted: `renormalise` rescales vectors within `renormalise_tolerance` of 1, `label_map`
maps raw codes to the task's labels, `model_column` splits a file holding several models into one run
per model. Predictions for items the build drops (too few ratings) are counted, not used.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from data_layer.registry import suggestion
from precompute.annotator_predictions import dists_from_labels
from precompute.config import run_source
from precompute.formats.common import resolve_path
from precompute.runs_check import SUM_TOLERANCE
from precompute.sources.annotator_labels import predicted_labels
from precompute.study import HumanData, ModelSpec, RunData, RunSpec, StudyError, TaskSpec
from precompute.study_schema import RUN_IMPORT, with_defaults

SUFFIX_FORMAT = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".tsv": "lewidi"}
FORMATS = RUN_IMPORT.key("format").choices
MODEL_FIELDS = ("model_id", "display_name", "training", "family", "base_model", "pair_id", "params_b",
                "provider")
LABEL_COLUMN_PATTERNS = ("{}", "p_{}", "prob_{}", "probs_{}", "p({})")


@run_source("import")
def imported(section: dict, base: Path, human: list[HumanData], seed: int) -> list[RunData]:
    s = with_defaults(RUN_IMPORT, section)  # keys and types were checked by config.read_config
    path = resolve_path(s["path"], base)
    fmt = s.get("format") or SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise StudyError(f"import [[run]] {s['name']!r}, key 'format': cannot tell the format of {path.name}; "
                         f"set format to one of {', '.join(FORMATS)}")
    text_columns = [s["item_column"], s["task_column"], s.get("model_column"), s["label_column"],
                    s["annotator_column"]]
    frame = read_predictions(path, fmt, [c for c in text_columns if c])
    if s.get("item_prefix"):  # e.g. "test-": LeWiDi 2025 items are "<split>-<id>" here, "<id>" in a submission
        item_col = "item_id" if fmt == "lewidi" else s["item_column"]
        if item_col in frame.columns:
            frame[item_col] = s["item_prefix"] + frame[item_col].astype(str).str.strip()
    tasks = {h.task.task_id: h for h in human}
    frame = _with_task(frame, s, tasks, path)
    min_ann = int(s.get("_study", {}).get("min_annotators", 2))
    return [_run(run, part, tasks, path, fmt, min_ann) for run, part in _split_by_model(frame, s, path)]


def read_predictions(path: Path, fmt: str, text_columns: list[str] = ("item_id",)) -> pd.DataFrame:
    """The file as a frame whose index + 1 is the row number in messages; `text_columns` are kept as
    written (an item id "007" stays "007")."""
    try:
        if fmt == "csv":
            return pd.read_csv(path, dtype={c: str for c in text_columns})
        if fmt == "jsonl":
            return pd.read_json(path, lines=True, dtype={c: str for c in text_columns})
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


def _with_task(frame: pd.DataFrame, s: dict, tasks: dict, path: Path) -> pd.DataFrame:
    task_col = s["task_column"]
    if task_col in frame.columns:
        return frame
    task = s.get("task") or (next(iter(tasks)) if len(tasks) == 1 else None)
    if isinstance(task, list):  # one task per inner list of a task B file (checked there)
        if (s.get("kind") or _kind_from_name(path)) != "annotator_labels":
            raise StudyError(f"import [[run]] {s['name']!r}, key 'task': a list of tasks is only for per-annotator "
                             "predictions whose lines hold one list per task (VariErrNLI); name one task here")
        return frame.assign(**{task_col: task[0] if task else None})
    if task not in tasks:
        raise StudyError(f"{path}: name the task with `task = ...` in import [[run]] {s['name']!r} "
                         f"(known: {sorted(tasks)}), or give a {task_col!r} column")
    return frame.assign(**{task_col: task})


def _split_by_model(frame: pd.DataFrame, s: dict, path: Path) -> list[tuple[dict, pd.DataFrame]]:
    """One (run section, rows) per model: the whole file, or with model_column one part per value,
    each run's keys being the [[run]]'s overridden by its [run.models.VALUE] table."""
    col = s.get("model_column")
    if not col:
        return [(s, frame)]
    if col not in frame.columns:
        raise StudyError(f"{path}: no {col!r} column (model_column); columns are {list(frame.columns)}")
    values = frame[col].astype(str).str.strip()
    declared = {str(k): v for k, v in s["models"].items()}
    for row, value in zip(frame.index + 1, values, strict=True):
        if value not in declared:
            raise StudyError(f"{path}, row {row}, field {col}: model {value!r} has no [run.models.{value}] table "
                             f"in import [[run]] {s['name']!r}.{suggestion(value, list(declared))} "
                             f"Declared: {', '.join(declared)}")
    absent = [v for v in declared if v not in set(values)]
    if absent:
        raise StudyError(f"{path}, field {col}: no row for declared model(s) {', '.join(absent)} "
                         f"(import [[run]] {s['name']!r})")
    shared = {k: v for k, v in s.items() if k not in ("models", "name", "model_id")}
    return [({**shared, "name": f"{s['name']}-{value}", "model_id": value, **declared[value]},
             frame.loc[(values == value).to_numpy()]) for value in declared]


def _run(s: dict, frame: pd.DataFrame, tasks: dict, path: Path, fmt: str, min_ann: int) -> RunData:
    for task_id in frame[s["task_column"]].astype(str).unique():
        if task_id in tasks:
            _check_label_map(s, tasks[task_id].task)
    kind = s.get("kind") or _infer_kind(frame, s, tasks, path)
    labels = None
    if kind == "annotator_labels":
        kept = {t: _kept_items(h, min_ann)[1] for t, h in tasks.items()}
        labels, notes = predicted_labels(frame, s, tasks, path, fmt, kept, _norm, lambda raw: _mapped(raw, s))
        dists = dists_from_labels(labels, tasks)
    else:
        dists, notes = _to_dists(frame, kind, s, tasks, path, min_ann)
    model = ModelSpec(model_id=str(s["model_id"]), display_name=str(s.get("display_name", s["model_id"])),
                      training=str(s["training"]), family=str(s.get("family", "")),
                      base_model=str(s.get("base_model", "")), pair_id=s.get("pair_id"),
                      params_b=float(s["params_b"]) if s.get("params_b") is not None else None,
                      provider=str(s.get("provider", "")))
    settings = {"path": str(s["path"]), "format": fmt, "kind": kind}
    if s.get("model_column"):
        settings["model_column"] = s["model_column"]
    run = RunSpec(run_id=str(s["name"]), model_id=model.model_id, method=s["method"], reasoning=s["reasoning"],
                  steering=s["steering"], source="imported", temperature=s.get("temperature"),
                  n_samples=int(dists["n_valid"].max()) if kind == "samples" and len(dists) else None,
                  prompt_id=s.get("prompt_id"), created_at=s.get("created_at"), settings=settings)
    return RunData(model, run, dists, notes=notes, annotator_labels=labels)


def _check_label_map(s: dict, task: TaskSpec) -> None:
    for code, label in s.get("label_map", {}).items():
        if str(label) not in task.labels:
            raise StudyError(f"import [[run]] {s['name']!r}, key 'label_map': {code!r} maps to {label!r}, "
                             f"which is not a label of task {task.task_id!r} {task.labels}"
                             f"{suggestion(label, task.labels)}")


def _mapped(raw, s: dict):
    """A raw label code through label_map (unmapped values stay as they are)."""
    label_map = s.get("label_map")
    if not label_map:
        return raw
    return label_map.get(str(raw).strip(), raw)


def label_columns(columns, labels: list[str], label_map: dict | None = None) -> list[str] | None:
    """Per-label probability columns of a file, in label order: columns named after each label (or
    p_LABEL, prob_LABEL, probs_LABEL, p(LABEL), or a raw code that label_map maps to the label);
    None unless every label has exactly one."""
    label_map = label_map or {}
    out = []
    for label in labels:
        names = {p.format(label) for p in LABEL_COLUMN_PATTERNS}
        names |= {p.format(code) for code, lab in label_map.items() if str(lab) == label
                  for p in LABEL_COLUMN_PATTERNS}
        found = [c for c in columns if str(c).strip() in names]
        if len(found) != 1:
            return None
        out.append(found[0])
    return out


def _probs_columns(frame: pd.DataFrame, s: dict, task: TaskSpec) -> list[str] | None:
    if s.get("probs_columns"):
        return list(s["probs_columns"])
    if s["probs_column"] in frame.columns:
        return None
    return label_columns(frame.columns, task.labels, s.get("label_map"))


def _kind_from_name(path: Path) -> str | None:
    """A LeWiDi 2025 task B submission is named `<Dataset>_test_pe.tsv` (pe: perspectivist)."""
    return "annotator_labels" if path.name.lower().endswith("_pe.tsv") else None


def _infer_kind(frame: pd.DataFrame, s: dict, tasks: dict, path: Path) -> str:
    if _kind_from_name(path):
        return "annotator_labels"
    if s["annotator_column"] in frame.columns and s["label_column"] in frame.columns:
        return "annotator_labels"
    task_ids = frame[s["task_column"]].astype(str).unique()
    per_label = [t in tasks and _probs_columns(frame, s, tasks[t].task) for t in task_ids]
    if s["probs_column"] in frame.columns or s.get("probs_columns") or (per_label and all(per_label)):
        return "probs"
    if s["label_column"] in frame.columns:
        return "samples"
    if s["pos_column"] in frame.columns:
        return "pos_share"
    labels = tasks[task_ids[0]].task.labels if len(task_ids) and task_ids[0] in tasks else []
    raise StudyError(f"{path}: cannot tell what import [[run]] {s['name']!r} holds from its columns "
                     f"{list(frame.columns)}: give a {s['probs_column']!r} column of vectors, one column per "
                     f"label ({', '.join(labels)}; or name them with probs_columns), a {s['label_column']!r} "
                     f"column of sampled labels or a {s['pos_column']!r} column, or set kind")


def _to_dists(frame, kind, s, tasks, path, min_ann) -> tuple[pd.DataFrame, list[str]]:
    item_col, task_col = s["item_column"], s["task_column"]
    if item_col not in frame.columns:
        raise StudyError(f"{path}: no {item_col!r} column (item_column); columns are {list(frame.columns)}")
    frame = frame.assign(**{item_col: frame[item_col].astype(str).str.strip()})
    known = {t: _kept_items(h, min_ann) for t, h in tasks.items()}
    for row, (task, item) in zip(frame.index + 1, zip(frame[task_col], frame[item_col], strict=True),
                                 strict=True):
        if task not in tasks:
            raise StudyError(f"{path}, row {row}, field {task_col}: unknown task {task!r}"
                             f"{suggestion(task, list(tasks))}")
        if item not in known[task][0]:
            raise StudyError(f"{path}, row {row}, field {item_col}: unknown item {item!r} in task {task!r}")
    keep = np.array([known[t][1].get(i, False) for t, i in zip(frame[task_col], frame[item_col], strict=True)],
                    dtype=bool)
    notes = []
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} prediction row(s) for items dropped for fewer than {min_ann} "
                     "ratings not used")
    frame = frame.loc[keep]
    if kind == "samples":
        return _from_samples(frame, s, tasks, path, item_col, task_col), notes
    rows, touched, worst = [], 0, 0.0
    for row, rec in zip(frame.index + 1, frame.to_dict("records"), strict=True):
        task = tasks[rec[task_col]].task
        probs, off = _vector(rec, kind, s, task, frame, f"{path}, row {row}")
        touched, worst = touched + (off > 0), max(worst, off)
        rows.append((rec[task_col], rec[item_col], probs, None, 0, None))
    out = pd.DataFrame(rows, columns=["task_id", "item_id", "probs", "n_valid", "n_failed", "covered_mass"])
    if out.duplicated(["task_id", "item_id"]).any():
        dup = out[out.duplicated(["task_id", "item_id"])].iloc[0]
        raise StudyError(f"{path}: item {dup['item_id']!r} appears twice")
    if touched:
        notes.append(f"renormalised {touched} probability vector(s) whose sums were off 1 by up to {worst:.4f} "
                     f"(renormalise, tolerance {s['renormalise_tolerance']})")
    return out, notes


def _kept_items(hd: HumanData, min_ann: int) -> tuple[set, dict]:
    ids = hd.items["item_id"].astype(str).tolist()
    n = np.asarray(hd.counts).sum(axis=1)
    return set(ids), {i: bool(c >= min_ann) for i, c in zip(ids, n, strict=True)}


def _vector(rec: dict, kind: str, s: dict, task: TaskSpec, frame: pd.DataFrame,
            where: str) -> tuple[np.ndarray, float]:
    """The item's probability vector and how far off 1 its sum was if renormalise rescaled it (else 0)."""
    k = len(task.labels)
    if kind == "pos_share":
        col = s["pos_column"]
        if k != 2:
            raise StudyError(f"{where}, field {col}: a positive share needs a binary task, "
                             f"{task.task_id!r} has {k} labels")
        p = _number(rec.get(col), f"{where}, field {col}")
        if not 0 <= p <= 1:
            raise StudyError(f"{where}, field {col}: share must be within [0, 1], got {p}")
        return np.array([1 - p, p]), 0.0
    cols = _probs_columns(frame, s, task)
    if cols:
        field, value = ",".join(cols), [rec.get(c) for c in cols]
    else:
        field = s["probs_column"]
        if field not in rec:
            raise StudyError(f"{where}: no {field!r} column (probs_column) and no column per label "
                             f"({', '.join(task.labels)}); name the columns with probs_columns = [...]")
        value = rec.get(field)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise StudyError(f"{where}, field {field}: not a JSON list ({e})") from e
    if isinstance(value, dict):
        value = _from_label_dict(value, task, s, f"{where}, field {field}")
    p = np.asarray([_number(v, f"{where}, field {field}") for v in np.atleast_1d(value)], dtype=float)
    if p.shape != (k,):
        raise StudyError(f"{where}, field {field}: expected {k} probabilities, got {p.size}")
    if (p < 0).any():
        raise StudyError(f"{where}, field {field}: negative probability in {p.tolist()}")
    return _sum_to_one(p, s, f"{where}, field {field}")


def _sum_to_one(p: np.ndarray, s: dict, where: str) -> tuple[np.ndarray, float]:
    off = abs(p.sum() - 1)
    if off <= SUM_TOLERANCE:
        return p, 0.0
    tol = s["renormalise_tolerance"]
    if not s["renormalise"]:
        hint = (f"; if another tool rounded them, set renormalise = true in this [[run]] to rescale sums "
                f"within {tol} of 1" if off <= tol and p.sum() > 0 else "")
        raise StudyError(f"{where}: probabilities sum to {p.sum():.4f}, not 1 (tolerance {SUM_TOLERANCE}){hint}")
    if off > tol or p.sum() <= 0:
        raise StudyError(f"{where}: probabilities sum to {p.sum():.4f}, off 1 by more than "
                         f"renormalise_tolerance ({tol}); not rescaled")
    return p / p.sum(), float(off)


def _from_label_dict(value: dict, task: TaskSpec, s: dict, where: str) -> list:
    index = {_norm(lab): i for i, lab in enumerate(task.labels)}
    out = [0.0] * len(task.labels)
    for key, p in value.items():
        label = _norm(_mapped(key, s))
        if label not in index:
            raise StudyError(f"{where}: unknown label {key!r}; labels are {task.labels}"
                             + ("" if s.get("label_map") else " (map raw codes with label_map)"))
        out[index[label]] = p
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


def _from_samples(frame, s, tasks, path, item_col, task_col) -> pd.DataFrame:
    col = s["label_column"]
    if col not in frame.columns:
        raise StudyError(f"{path}: no {col!r} column (label_column)")
    rows = []
    for (task_id, item), part in frame.groupby([task_col, item_col], sort=False):
        task = tasks[task_id].task
        index = {_norm(lab): i for i, lab in enumerate(task.labels)}
        counts, failed = np.zeros(len(task.labels)), 0
        for row, label in zip(part.index + 1, part[col], strict=True):
            if label is None or (isinstance(label, float) and np.isnan(label)) or str(label).strip() == "":
                failed += 1  # an unparseable sample recorded elsewhere: counted, not dropped
                continue
            if _norm(_mapped(label, s)) not in index:
                raise StudyError(f"{path}, row {row}, field {col}: unknown label {label!r}; "
                                 f"labels are {task.labels}"
                                 + ("" if s.get("label_map") else " (map raw codes with label_map)"))
            counts[index[_norm(_mapped(label, s))]] += 1
        if counts.sum():
            rows.append((task_id, item, counts / counts.sum(), int(counts.sum()), failed, None))
    return pd.DataFrame(rows, columns=["task_id", "item_id", "probs", "n_valid", "n_failed", "covered_mass"])
