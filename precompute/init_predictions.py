"""`init --predictions` and `import`: an import [[run]] drafted from a predictions file, its columns
recognised (item, model, vector, per-label, sampled-label, positive-share columns) and what it cannot
tell (training, pair, raw label codes) left as QUESTION comments."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from precompute.init_draft import ITEM_NAMES, Draft, find_column, sorted_labels, toml_key
from precompute.study import HumanData, StudyError, TaskSpec
from precompute.study_schema import RUN_IMPORT

MODEL_NAMES = ("model", "model_id", "model_name")
PROBS_NAMES = ("probs", "probabilities", "distribution", "soft_label", "prediction_probs")
SAMPLE_NAMES = ("label", "prediction", "predicted_label", "answer", "sample")
POS_NAMES = ("pos_share", "p_positive", "positive_share")
PAIR_LINE = '# pair_id = "pair-1"'  # uncommented by init when its models are one rlvr and one rlhf
RLVR_HINTS = ("r1", "reason", "think", "qwq", "o1", "o3", "o4", "rl")


def draft_import_run(path: Path, study_dir: Path, tasks: list[HumanData], taken: set[str]) -> Draft:
    """An import [[run]] for one predictions file, against the study's tasks."""
    from precompute.sources.imported import SUFFIX_FORMAT, label_columns, read_predictions
    fmt = SUFFIX_FORMAT.get(path.suffix.lower(), "csv")
    frame = read_predictions(path, fmt, [*ITEM_NAMES, *MODEL_NAMES, *SAMPLE_NAMES])  # ids kept as written
    task = tasks[0].task
    d = Draft()
    name = _unique(re.sub(r"[^A-Za-z0-9_.:-]+", "-", path.stem), taken)
    d.lines += ["", "[[run]]"]
    d.key("source", "import")
    d.key("name", name)
    d.key("path", os.path.relpath(path.resolve(), study_dir.resolve()))
    if len(tasks) > 1:
        d.key("task", task.task_id)
        d.ask(f"which task are {path.name}'s predictions for? I took the first, {task.task_id!r} "
              f"(tasks: {', '.join(h.task.task_id for h in tasks)}).")
    item = find_column(frame.columns, ITEM_NAMES)
    if item is None:
        raise StudyError(f"{path}: no item id column (looked for {', '.join(ITEM_NAMES)})")
    if str(item) != RUN_IMPORT.key("item_column").default:
        d.key("item_column", str(item))
    _kind_keys(frame, task, d, label_columns)
    model = find_column(frame.columns, MODEL_NAMES)
    if model is None:
        d.key("model_id", path.stem)
        _training(d, path.stem)
        return d
    d.key("model_column", str(model), "one run per model")
    for value in sorted(frame[model].astype(str).str.strip().unique()):
        d.lines += ["", f"[run.models.{toml_key(value)}]"]
        _training(d, value)
    return d


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}-{n}", n + 1
    taken.add(out)
    return out


def _training(d: Draft, name: str) -> None:
    guess = "rlvr" if any(h in name.lower() for h in RLVR_HINTS) else "rlhf"
    d.key("training", guess, "rlvr | rlhf | sft | base | finetuned")
    d.ask(f"was {name!r} trained with verifiable rewards (rlvr) or from human feedback (rlhf)? "
          f"I guessed {guess} from its name.")
    d.trainings.append(guess)
    d.lines.append(f"{PAIR_LINE}  # an rlvr and an rlhf model with the same pair_id form a pair")


def _kind_keys(frame: pd.DataFrame, task: TaskSpec, d: Draft, label_columns) -> None:
    if find_column(frame.columns, PROBS_NAMES) is not None:
        col = find_column(frame.columns, PROBS_NAMES)
        if str(col) != "probs":
            d.key("probs_column", str(col))
        return
    if label_columns(frame.columns, task.labels):
        return  # per-label columns are found by the import itself
    mapping = _prefix_map([str(c) for c in frame.columns if str(c).lower().startswith(("p_", "prob_"))],
                          task.labels, strip=True)
    if mapping and label_columns(frame.columns, task.labels, mapping):
        d.key("label_map", mapping, "column codes -> labels, guessed from their first letters: check")
        return
    sample = find_column(frame.columns, SAMPLE_NAMES)
    if sample is not None:
        if str(sample) != "label":
            d.key("label_column", str(sample))
        codes = sorted_labels(frame[sample].dropna().tolist())
        unknown = [c for c in codes if c not in task.labels]
        if unknown:
            mapping = _prefix_map(unknown, task.labels)
            if mapping:
                d.key("label_map", mapping, "raw codes -> labels, guessed from their first letters: check")
            else:
                d.ask(f"the predicted labels {unknown} are not among the task's labels {task.labels}: "
                      "map them with label_map = { CODE = \"LABEL\" }.")
        return
    if find_column(frame.columns, POS_NAMES) is None:
        d.ask(f"which columns hold the predictions? Found {list(map(str, frame.columns))}; see kind, "
              "probs_column, probs_columns and label_column in docs/study-file.md.")


def _prefix_map(codes: list[str], labels: list[str], strip: bool = False) -> dict | None:
    """{code: label} when every code is the start of exactly one label ("n" -> "neutral")."""
    out = {}
    for code in codes:
        raw = re.sub(r"^(p|prob)_", "", code, flags=re.I) if strip else code
        match = [lab for lab in labels if raw and lab.lower().startswith(raw.lower())]
        if len(match) != 1:
            return None
        out[raw] = match[0]
    return out or None
