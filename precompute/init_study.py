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
from pathlib import Path

import pandas as pd

from precompute.formats.common import parse_list, read_table
from precompute.init_draft import (
    ANNOTATOR_LIST_NAMES,
    ANNOTATOR_NAMES,
    COUNTS_NAMES,
    DEMOGRAPHIC_NAMES,
    ITEM_NAMES,
    LABEL_NAMES,
    LIST_NAMES,
    TEXT_NAMES,
    Draft,
    find_column,
    is_listish,
    is_mapping,
    sample_cells,
    sorted_labels,
)
from precompute.init_predictions import PAIR_LINE, draft_import_run
from precompute.study import HumanData, StudyError
from precompute.study_schema import validate_config

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
        values = sample_cells(frame[col])
        if values and all(is_mapping(v) for v in values) and find_column([col], COUNTS_NAMES + LIST_NAMES):
            return "counts"
        if values and all(is_listish(v) for v in values) and find_column([col], LIST_NAMES + COUNTS_NAMES):
            return "counts" if find_column([col], COUNTS_NAMES) else "label-lists"
    return "long"


def _item_and_text(frame: pd.DataFrame, d: Draft, skip: set) -> dict:
    cols = {}
    item = find_column(frame.columns, ITEM_NAMES)
    if item is None:
        item = frame.columns[0]
        d.ask(f"which column holds the item ids? I took the first column, {str(item)!r}.")
    cols["item_id"] = str(item)
    text = find_column(frame.columns, TEXT_NAMES)
    if text is None:
        candidates = [c for c in frame.columns if c not in skip | {item}
                      and all(isinstance(v, str) for v in sample_cells(frame[c]))]
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
    label = find_column(frame.columns, LABEL_NAMES)
    annotator = find_column(frame.columns, ANNOTATOR_NAMES)
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
    labels_col = next(c for c in frame.columns if find_column([c], LIST_NAMES) and all(
        is_listish(v) for v in sample_cells(frame[c])))
    annotators = find_column(frame.columns, ANNOTATOR_LIST_NAMES)
    cols = _item_and_text(frame, d, {labels_col, annotators})
    values = [v for cell in frame[labels_col].tolist() for v in parse_list(cell, "init", "labels")]
    _labels_key(d, sorted_labels(values), f"column {labels_col!r}")
    cols["labels"] = str(labels_col)
    if annotators is not None:
        cols["annotators"] = str(annotators)
    return cols


def _counts_columns(frame: pd.DataFrame, d: Draft) -> dict:
    counts = find_column(frame.columns, COUNTS_NAMES + LIST_NAMES)
    cols = _item_and_text(frame, d, {counts})
    keys = set()
    for cell in sample_cells(frame[counts], len(frame)):
        cell = json.loads(cell) if isinstance(cell, str) else cell
        if isinstance(cell, dict):
            keys |= set(map(str, cell))
        else:
            d.ask(f"the counts in {counts!r} are lists: name the labels in the order of the counts.")
            keys |= {str(i) for i in range(len(cell))}
    _labels_key(d, sorted_labels(keys), f"column {counts!r}")
    cols["counts"] = str(counts)
    return cols


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
