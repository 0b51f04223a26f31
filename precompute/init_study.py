"""`python -m precompute init RATINGS` and `python -m precompute import PREDICTIONS`: a first study file
from the files a researcher already has.

`init` reads a ratings file (CSV, TSV, JSON, JSONL, Parquet), tells its layout (long: one row per
rating; label-lists: a list of labels per item; counts: label counts per item), recognises columns by
their names and contents, and writes a commented study file: what it recognised as keys, what it could
not answer as `# QUESTION:` comments. Every predictions file becomes an import run. `import` adds one
import run to an existing study file. The written file is checked against the declared schema
(precompute/study_schema.py) and loaded once, so it is ready to build or says why not.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from precompute.formats.common import parse_list, read_table
from precompute.study import HumanData, StudyError, TaskSpec
from precompute.study_schema import RUN_IMPORT, validate_config

# column names we recognise, most specific first (compared lower-cased)
ITEM_NAMES = ("item_id", "item", "id", "instance_id", "uid", "example_id", "text_id", "sample_id", "qid")
ANNOTATOR_NAMES = ("annotator_id", "annotator", "worker_id", "worker", "rater_id", "rater", "user_id",
                   "annotator_ids", "coder")
LABEL_NAMES = ("label", "rating", "score", "annotation", "answer", "response", "class", "value")
LIST_NAMES = ("labels", "annotations", "ratings", "label_list", "soft_label_list")
ANNOTATOR_LIST_NAMES = ("annotators", "annotator_ids", "raters", "workers")
COUNTS_NAMES = ("counts", "label_counts", "label_counter", "label_count", "count", "distribution")
TEXT_NAMES = ("text", "sentence", "comment", "content", "post", "utterance", "question", "prompt")
DEMOGRAPHIC_NAMES = ("age", "gender", "sex", "race", "ethnicity", "education", "country", "nationality",
                     "income", "political_affiliation", "religion")
MODEL_NAMES = ("model", "model_id", "model_name")
PROBS_NAMES = ("probs", "probabilities", "distribution", "soft_label", "prediction_probs")
SAMPLE_NAMES = ("label", "prediction", "predicted_label", "answer", "sample")
POS_NAMES = ("pos_share", "p_positive", "positive_share")
PAIR_LINE = '# pair_id = "pair-1"'  # uncommented by init when its models are one rlvr and one rlhf
RLVR_HINTS = ("r1", "reason", "think", "qwq", "o1", "o3", "o4", "rl")


@dataclass
class Draft:
    """A study file being written: lines of TOML and the questions left for the user."""
    lines: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    trainings: list[str] = field(default_factory=list)  # the guessed training of each model drafted

    def key(self, name: str, value, comment: str = "") -> None:
        self.lines.append(f"{name} = {toml_value(value)}" + (f"  # {comment}" if comment else ""))

    def ask(self, question: str) -> None:
        self.questions.append(question)
        self.lines.append(f"# QUESTION: {question}")


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def toml_key(k) -> str:
    return str(k) if re.fullmatch(r"[A-Za-z0-9_-]+", str(k)) else json.dumps(str(k), ensure_ascii=False)


def _find(columns, names) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _is_listish(v) -> bool:
    return isinstance(v, list | tuple | np.ndarray) or (isinstance(v, str) and v.strip().startswith("["))


def _is_mapping(v) -> bool:
    return isinstance(v, dict) or (isinstance(v, str) and v.strip().startswith("{"))


def _sample(s: pd.Series, n: int = 50) -> list:
    return [v for v in s.head(n).tolist() if v is not None and not (isinstance(v, float) and np.isnan(v))]


def sorted_labels(values) -> list[str]:
    """Distinct label values, numerically sorted when they are all numbers ("1.0" and "1" are one)."""
    text = {str(v).strip() for v in values if str(v).strip() != ""}
    try:
        nums = {t: float(t) for t in text}
    except ValueError:
        return sorted(text)
    by_value = {}
    for t, x in sorted(nums.items(), key=lambda kv: (kv[1], len(kv[0]))):
        by_value.setdefault(x, t if not t.endswith(".0") else t[:-2])
    return [by_value[x] for x in sorted(by_value)]


# ---------------------------------------------------------------- ratings

def draft_dataset(path: Path, study_dir: Path) -> Draft:
    """The [study] and [[dataset]] part of a study file for one ratings file."""
    table = read_table(path)
    frame = table.frame
    d = Draft()
    d.lines += [f"# Study file written by `python -m precompute init {path.name}`. Every key is explained in",
                "# docs/study-file.md. Answer the QUESTION lines, then:",
                "#   python -m precompute build --config THIS_FILE --out my.duckdb", "", "[study]"]
    d.key("name", path.stem)
    d.key("min_annotators", 2, "items with fewer ratings are dropped and counted")
    d.lines += ["", "[[dataset]]"]
    layout = _layout(frame)
    d.key("format", layout, {"long": "one row per rating", "label-lists": "one row per item, a list of labels",
                             "counts": "one row per item, label counts"}[layout])
    d.key("task", re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "task")
    d.key("path", os.path.relpath(path.resolve(), study_dir.resolve()))
    columns = {"long": _long_columns, "label-lists": _lists_columns, "counts": _counts_columns}[layout](frame, d)
    d.lines += ["", "[dataset.columns]"]
    for k, v in columns.items():
        d.key(k, v)
    return d


def _layout(frame: pd.DataFrame) -> str:
    for col in frame.columns:
        values = _sample(frame[col])
        if values and all(_is_mapping(v) for v in values) and _find([col], COUNTS_NAMES + LIST_NAMES):
            return "counts"
        if values and all(_is_listish(v) for v in values) and _find([col], LIST_NAMES + COUNTS_NAMES):
            return "counts" if _find([col], COUNTS_NAMES) else "label-lists"
    return "long"


def _item_and_text(frame: pd.DataFrame, d: Draft, skip: set) -> dict:
    cols = {}
    item = _find(frame.columns, ITEM_NAMES)
    if item is None:
        item = frame.columns[0]
        d.ask(f"which column holds the item ids? I took the first column, {str(item)!r}.")
    cols["item_id"] = str(item)
    text = _find(frame.columns, TEXT_NAMES)
    if text is None:
        candidates = [c for c in frame.columns if c not in skip | {item}
                      and all(isinstance(v, str) for v in _sample(frame[c]))]
        lengths = {c: frame[c].astype(str).str.len().mean() for c in candidates}
        text = max(lengths, key=lengths.get) if lengths else item
        d.ask(f"which column holds the item text? I took {str(text)!r}"
              + (" (the longest text column)." if lengths else " (no text column found: the ids are shown)."))
    cols["text"] = str(text)
    return cols


def _labels_key(d: Draft, labels: list[str], where: str) -> None:
    """labels, and scale with a question when the labels look like a rating scale."""
    d.key("labels", labels, f"every value found in {where}, in order; check the order and add any unused label")
    numeric = all(re.fullmatch(r"-?\d+", x) for x in labels)
    if numeric and len(labels) > 2:
        d.key("scale", "ordinal", "the labels are whole numbers")
        d.ask("is this a rating scale (ordinal)? If the numbers are only codes, set scale = \"nominal\".")
    d.ask("under what licence may this data be shared? Set license = \"...\" (and source, citation) "
          "before `publish`.")


def _long_columns(frame: pd.DataFrame, d: Draft) -> dict:
    label = _find(frame.columns, LABEL_NAMES)
    annotator = _find(frame.columns, ANNOTATOR_NAMES)
    if label is None:
        small = [c for c in frame.columns if frame[c].astype(str).nunique() <= 20]
        label = small[-1] if small else frame.columns[-1]
        d.ask(f"which column holds the label of each rating? I took {str(label)!r}.")
    cols = _item_and_text(frame, d, {label, annotator})
    _labels_key(d, sorted_labels(frame[label].tolist()), f"column {label!r}")
    cols["label"] = str(label)
    if annotator is None:
        d.ask("is there an annotator id column? Without one, the annotator views and the check that "
              "nobody rated an item twice are off; name it as columns.annotator_id.")
    else:
        cols["annotator_id"] = str(annotator)
        demo = [str(c) for c in frame.columns if str(c).strip().lower() in DEMOGRAPHIC_NAMES]
        if demo:
            cols["demographics"] = demo
    return cols


def _lists_columns(frame: pd.DataFrame, d: Draft) -> dict:
    labels_col = next(c for c in frame.columns if _find([c], LIST_NAMES) and all(
        _is_listish(v) for v in _sample(frame[c])))
    annotators = _find(frame.columns, ANNOTATOR_LIST_NAMES)
    cols = _item_and_text(frame, d, {labels_col, annotators})
    values = [v for cell in frame[labels_col].tolist() for v in parse_list(cell, "init", "labels")]
    _labels_key(d, sorted_labels(values), f"column {labels_col!r}")
    cols["labels"] = str(labels_col)
    if annotators is not None:
        cols["annotators"] = str(annotators)
    return cols


def _counts_columns(frame: pd.DataFrame, d: Draft) -> dict:
    counts = _find(frame.columns, COUNTS_NAMES + LIST_NAMES)
    cols = _item_and_text(frame, d, {counts})
    keys = set()
    for cell in _sample(frame[counts], len(frame)):
        cell = json.loads(cell) if isinstance(cell, str) else cell
        if isinstance(cell, dict):
            keys |= set(map(str, cell))
        else:
            d.ask(f"the counts in {counts!r} are lists: name the labels in the order of the counts.")
            keys |= {str(i) for i in range(len(cell))}
    _labels_key(d, sorted_labels(keys), f"column {counts!r}")
    cols["counts"] = str(counts)
    return cols


# ---------------------------------------------------------------- predictions

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
    item = _find(frame.columns, ITEM_NAMES)
    if item is None:
        raise StudyError(f"{path}: no item id column (looked for {', '.join(ITEM_NAMES)})")
    if str(item) != RUN_IMPORT.key("item_column").default:
        d.key("item_column", str(item))
    _kind_keys(frame, task, d, label_columns)
    model = _find(frame.columns, MODEL_NAMES)
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
    if _find(frame.columns, PROBS_NAMES) is not None:
        col = _find(frame.columns, PROBS_NAMES)
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
    sample = _find(frame.columns, SAMPLE_NAMES)
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
    if _find(frame.columns, POS_NAMES) is None:
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


# ---------------------------------------------------------------- the commands

def init_study(ratings: str | Path, predictions: list[str | Path], out: str | Path,
               force: bool = False) -> list[str]:
    """Write the study file; return the questions left for the user."""
    out = Path(out)
    if out.is_dir():
        raise StudyError(f"{out}: is a folder; --out names the study file to write")
    if out.exists() and not force:
        raise StudyError(f"{out}: already exists (use --force to replace it, or --out another name)")
    draft = draft_dataset(Path(ratings), out.parent)
    text = "\n".join(draft.lines) + "\n"
    human = _human_of(text, out)
    questions = list(draft.questions)
    taken: set[str] = set()
    runs = [draft_import_run(Path(p), out.parent, human, taken) for p in predictions]
    for run in runs:
        text += "\n".join(run.lines) + "\n"
        questions += run.questions
    if sorted(t for run in runs for t in run.trainings) == ["rlhf", "rlvr"]:  # one of each: pair them
        text = text.replace(PAIR_LINE, PAIR_LINE.removeprefix("# "))
        questions.append("are the two models siblings (the same base, RLVR vs RLHF)? init paired them with "
                         "pair_id = \"pair-1\"; comment it out if they are not.")
    _check(text, out)
    out.write_text(text, encoding="utf-8")
    return questions


def add_import_run(config: str | Path, predictions: str | Path) -> list[str]:
    """Append an import [[run]] for `predictions` to an existing study file; return the questions."""
    from precompute.config import load_human, read_config
    config = Path(config)
    cfg = read_config(config)
    human = load_human(cfg, config)
    taken = {str(r.get("name")) for r in cfg.get("run", [])}
    run = draft_import_run(Path(predictions), config.parent, human, taken)
    text = cfg["_text"].rstrip("\n") + "\n" + "\n".join(run.lines) + "\n"
    _check(text, config)
    config.write_text(text, encoding="utf-8")
    return run.questions


def _human_of(text: str, out: Path) -> list[HumanData]:
    import tomllib

    from precompute.config import load_human
    cfg = tomllib.loads(text)
    validate_config(cfg, out)
    return load_human(cfg, out)


def _check(text: str, path: Path) -> None:
    """The written file must pass the schema (a failure here is a bug of init, said plainly)."""
    import tomllib
    try:
        validate_config(tomllib.loads(text), path)
    except (StudyError, tomllib.TOMLDecodeError) as e:
        raise StudyError(f"init wrote a study file the schema refuses ({e}); please report this") from e


def report_questions(questions: list[str], path) -> int:
    """Print what was written and the open questions; check that the study loads. Exit code: 0 when it
    loads, 1 when it is written but does not load yet (the message says why)."""
    from precompute.config import load_study
    print(f"Wrote {path}. Every key is explained in docs/study-file.md.")
    for q in questions:
        print(f"  QUESTION: {q}")
    try:
        load_study(path)
    except StudyError as e:
        print(f"It does not build yet: {e}")
        return 1
    print(f"Ready: python -m precompute build --config {path} --out my.duckdb")
    return 0


def init_command(args) -> int:
    return report_questions(init_study(args.ratings, args.predictions or [], args.out, args.force), args.out)


def import_command(args) -> int:
    return report_questions(add_import_run(args.config, args.predictions), args.config)


def add_parsers(sub) -> None:
    """The `init` and `import` subcommands (kept here so the CLI module stays a list of commands)."""
    p = sub.add_parser("init", help="write a commented study file from a ratings file (and predictions files)",
                       description="Reads RATINGS (CSV, TSV, JSON, JSONL or Parquet; one row per rating, a list "
                       "of labels per item, or label counts per item), recognises its columns and writes a study "
                       "file with what it recognised and QUESTION comments for what it could not tell. Each "
                       "--predictions file becomes an import run. Keys: docs/study-file.md.")
    p.add_argument("ratings", help="the ratings file")
    p.add_argument("--predictions", action="append", metavar="FILE",
                   help="a model's predictions for the items (repeatable; one import run each)")
    p.add_argument("--out", default="study.toml", help="the study file to write (default study.toml)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=init_command)
    i = sub.add_parser("import", help="add an import run for a predictions file to a study file",
                       description="Appends a [[run]] with source = \"import\" for PREDICTIONS to the study file, "
                       "with the columns it recognised and QUESTION comments (training, pair). Keys: "
                       "docs/study-file.md.")
    i.add_argument("predictions", help="the predictions file (CSV, JSONL, Parquet, LeWiDi TSV)")
    i.add_argument("--config", required=True, help="the study file to add the run to")
    i.set_defaults(func=import_command)
