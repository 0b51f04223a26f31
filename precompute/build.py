"""Turn a Study into a store: validate, compute, write a temporary file, rename atomically."""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data_layer import text_search
from data_layer.bands import entropy_bins
from data_layer.metrics import compute_item_metrics, model_helper_columns
from data_layer.schema import (
    ANNOTATOR_PREDICTIONS_DDL,
    ANNOTATOR_SUMS_TABLES,
    DDL,
    GROUP_DDL,
    GROUP_PAIR_ITEMS_TABLE,
    GROUP_SUMS_TABLES,
    ITEM_RUNS_TABLE,
    ITEM_SCORES_TABLE,
    SCHEMA_VERSION,
    SCORE_SUMS_TABLE,
)
from data_layer.store_check import write_manifest
from precompute.annotator_predictions import RAW_DDL as PREDICTED_LABELS_DDL
from precompute.annotator_predictions import write_annotator_predictions
from precompute.group_dists import write_group_cluster_sums, write_group_tables
from precompute.human import assign_bands, human_frame
from precompute.noise_floor import noise_floor_frame
from precompute.output import check_output, remove_stale_temporaries, temporary_path
from precompute.progress import progress, progress_step
from precompute.published import write_published
from precompute.runs_check import validate_run
from precompute.slice_sums import one_thread, write_slice_sums
from precompute.study import GENERATION_COLUMNS, RunData, Study, StudyError
from precompute.unit_aggregates import write_unit_aggregates

PACKAGES = ("duckdb", "numpy", "pandas", "pyarrow", "scipy", "streamlit")


@dataclass
class BuildReport:
    tasks: dict[str, dict] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"tasks": self.tasks, "runs": self.runs, "notes": self.notes}, sort_keys=True)


def build_store(study: Study, out: str | os.PathLike, show_progress: bool = True) -> BuildReport:
    """Build `study` into `out`. On any error or interruption the temporary file is removed and
    an existing store at `out` is left untouched."""
    out = check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for p in remove_stale_temporaries(out):
        print(f"removed {p}, left by an earlier build that was stopped", file=sys.stderr)
    tmp = temporary_path(out)
    _remove(tmp)
    try:
        con = duckdb.connect(str(tmp))
        con.execute("SET enable_progress_bar = false")  # our own progress lines instead
        # Large builds sort millions of rows; let DuckDB spill to disk rather than take the machine.
        con.execute(f"SET memory_limit = '{os.environ.get('ATLAS_BUILD_MEMORY', '3GB')}'")
        try:
            report = _write_all(con, study, show_progress)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, out)  # atomic on POSIX within one folder
    except BaseException:
        _remove(tmp)
        raise
    return report


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()


def _write_all(con: duckdb.DuckDBPyConnection, study: Study, show: bool) -> BuildReport:
    report = BuildReport(notes=list(study.notes))
    con.execute(DDL)
    con.execute(GROUP_DDL)
    con.execute(ANNOTATOR_PREDICTIONS_DDL)
    con.execute(PREDICTED_LABELS_DDL)
    dist, probs_by_task = _write_human(con, study, report, show)
    runs = study.runs  # may be a generator: large studies produce one run at a time
    total = len(runs) if hasattr(runs, "__len__") else None
    if study.baselines:
        from precompute.baselines import BASELINES, baseline_runs
        runs = itertools.chain(runs, baseline_runs(study, dist))
        total = total + len(BASELINES) if total is not None else None
    _write_runs(con, runs, probs_by_task, report, show, total)
    ordinal = {hd.task.task_id for hd in study.human if hd.task.scale == "ordinal"}
    _insert(con, "noise_floor", noise_floor_frame(dist, ordinal, study.seed))
    write_published(con, _insert)
    with progress_step("materialising item scores", show):
        con.execute(ITEM_SCORES_TABLE)
        con.execute(SCORE_SUMS_TABLE)
    with progress_step("item-major copy for the Item page", show):
        con.execute(ITEM_RUNS_TABLE)
    with progress_step("aggregate metrics per run x task x band filter", show):
        write_unit_aggregates(con)
    with progress_step("sums for statistics on large slices", show):
        write_slice_sums(con)
    with progress_step("annotator groups: distributions, floors and run scores", show):
        report.notes += [f"groups of {t}: {a}" for t, a in write_group_tables(con, _insert).items()]
        with one_thread(con):  # sums of doubles: the same store bytes for the same input
            con.execute(GROUP_SUMS_TABLES)
            write_group_cluster_sums(con)
            con.execute(GROUP_PAIR_ITEMS_TABLE)
            con.execute(ANNOTATOR_SUMS_TABLES)
    with progress_step("per-annotator predictions scored", show):
        if n := write_annotator_predictions(con, _insert):
            report.notes.append(f"per-annotator predictions: {n:,} ratings scored (LeWiDi 2025 task B)")
    _write_build_info(con, study, report)
    return report


def _write_human(con, study: Study, report: BuildReport, show: bool):
    seen: set[str] = set()
    dists, texts, probs_by_task = [], [], {}
    for hd in progress(study.human, "human distributions", show):
        t = hd.task
        if t.task_id in seen:
            raise StudyError(f"task id {t.task_id!r} is declared twice")
        seen.add(t.task_id)
        items, dist, dropped = human_frame(hd, study.min_annotators)
        if not len(items):
            raise StudyError(f"task {t.task_id!r}: no item has at least {study.min_annotators} ratings")
        _insert_task(con, hd, items, dist, dropped, study.min_annotators)
        report.tasks[t.task_id] = {"items": len(items), "dropped_below_min_annotators": dropped,
                                   "ratings": int(dist["n_annotators"].sum()), "notes": hd.notes}
        dists.append(dist)
        texts.append(pd.DataFrame({"task_id": t.task_id, "item_id": items["item_id"].astype(str),
                                   "text": items["text"].astype(str)}))
        probs_by_task[t.task_id] = (pd.Index(dist["item_id"].astype(str)),
                                    np.stack(dist["probs"].to_numpy()), t)
    dist, edges = assign_bands(pd.concat(dists, ignore_index=True))
    dist["item_key"] = item_keys(dist["task_id"], dist["item_id"])
    ent, key = dist["entropy_norm"].to_numpy(dtype=float), dist["item_key"].to_numpy()
    for name, order in (("entropy_rank_desc", np.lexsort((key, -ent))), ("entropy_rank_asc", np.lexsort((key, ent)))):
        rank = np.empty(len(dist), dtype=np.int32)  # the Items table's default orders, for previous/next
        rank[order] = np.arange(len(dist), dtype=np.int32)
        dist[name] = rank
    dist["entropy_bin"] = entropy_bins(dist["entropy_norm"])
    dist["search_text"] = search_text(dist, pd.concat(texts, ignore_index=True))
    dist["search_sig_lo"], dist["search_sig_hi"] = text_search.signatures(dist["search_text"].tolist())
    # stored in item_key order: point lookups by key or by (task_id, item_id) read one row group
    _insert(con, "human_dist", dist.sort_values("item_key"))
    _insert(con, "band_edges", edges)
    return dist, probs_by_task


def search_text(dist: pd.DataFrame, texts: pd.DataFrame) -> list[str]:
    """Per row of `dist`, what the Items page's text search matches: the item's text and id,
    lower-cased in Python as the search is (data_layer.text_search), so a search is one
    contains() on one column (a third of ILIKE over both columns, and no join with items)."""
    found = dict(zip(zip(texts["task_id"], texts["item_id"], strict=True), texts["text"], strict=True))
    return [text_search.search_text(found[(t, i)], i) for t, i in zip(dist["task_id"], dist["item_id"].astype(str),
                                                                      strict=True)]


def item_keys(task_ids: pd.Series, item_ids: pd.Series) -> np.ndarray:
    """Dense 0-based integer ids numbering the items in (task_id, item_id) order: the order DuckDB
    sorts the two strings in (code points, as UTF-8 bytes compare), so queries may break ties
    by item_key instead of by the two strings."""
    key = np.empty(len(task_ids), dtype=np.int32)
    key[np.lexsort((item_ids.astype(str).to_numpy(), task_ids.astype(str).to_numpy()))] = \
        np.arange(len(task_ids), dtype=np.int32)
    return key


def _insert_task(con, hd, items: pd.DataFrame, dist: pd.DataFrame, dropped: int, min_ann: int) -> None:
    t = hd.task
    con.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [t.task_id, t.dataset, t.name, t.description, t.labels, t.label_names, t.scale,
                 t.source, t.license, t.citation, t.guideline])
    frame = pd.DataFrame({"task_id": t.task_id, "item_id": items["item_id"],
                          "text": items["text"].astype(str),
                          "context": items.get("context"), "metadata": items.get("metadata")})
    _insert(con, "items", frame)
    if hd.annotations is not None and len(hd.annotations):
        ann = hd.annotations.assign(task_id=t.task_id, item_id=hd.annotations["item_id"].astype(str))
        ann = ann[ann["item_id"].isin(set(items["item_id"]))]
        _insert(con, "annotations", ann[["task_id", "item_id", "annotator_id", "label"]])
    if hd.annotators is not None and len(hd.annotators):
        con.register("_ann", hd.annotators[["annotator_id", "dataset", "demographics"]])
        con.execute("INSERT INTO annotators SELECT * FROM _ann WHERE (dataset, annotator_id) NOT IN "
                    "(SELECT (dataset, annotator_id) FROM annotators)")
        con.unregister("_ann")
    n = dist["n_annotators"]
    n_annot = (hd.annotations["annotator_id"].nunique()
               if hd.annotations is not None and "annotator_id" in hd.annotations else None)
    con.execute("INSERT INTO task_cards VALUES (?,?,?,?,?,?,?,?,?)",
                [t.task_id, len(items), int(n.sum()), n_annot, int(n.min()), float(n.median()),
                 int(n.max()), dropped, f"fewer than {min_ann} ratings" if dropped else None])


def _write_runs(con, runs: Iterable[RunData], probs_by_task, report: BuildReport, show: bool,
                total: int | None) -> None:
    models_seen: dict[str, object] = {}
    run_ids: set[str] = set()
    for rd in progress(runs, "model runs and item metrics", show, total=total):
        if rd.run.run_id in run_ids:
            raise StudyError(f"run id {rd.run.run_id!r} appears twice")
        run_ids.add(rd.run.run_id)
        if rd.model.model_id in models_seen and models_seen[rd.model.model_id] != rd.model:
            raise StudyError(f"model {rd.model.model_id!r} is declared twice with different details")
        if rd.model.model_id not in models_seen:
            models_seen[rd.model.model_id] = rd.model
            _insert_model(con, rd.model)
        _insert_run(con, rd)
        report.runs[rd.run.run_id] = _write_run_rows(con, rd, probs_by_task)


def _insert_model(con, m) -> None:
    con.execute("INSERT INTO models VALUES (?,?,?,?,?,?,?,?,?)",
                [m.model_id, m.display_name, m.family, m.base_model, m.pair_id, m.params_b,
                 m.training, m.provider, json.dumps(m.simulation, sort_keys=True) if m.simulation else None])


def _insert_run(con, rd: RunData) -> None:
    r = rd.run
    con.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [r.run_id, r.model_id, r.method, r.reasoning, r.steering, r.temperature, r.n_samples,
                 r.prompt_id, r.source, r.created_at,
                 json.dumps(r.settings, sort_keys=True) if r.settings else None])


def _write_run_rows(con, rd: RunData, probs_by_task) -> dict:
    validate_run(rd, probs_by_task)
    dists, metrics = [], []
    for task_id, part in rd.dists.groupby("task_id", sort=True):
        index, human, task = probs_by_task[task_id]
        ids = part["item_id"].astype(str).to_numpy()
        model = np.stack([np.asarray(p, dtype=float) for p in part["probs"]])
        model = model / model.sum(axis=1, keepdims=True)
        dists.append(pd.DataFrame({"run_id": rd.run.run_id, "task_id": task_id, "item_id": ids,
                                   "probs": list(model), "n_valid": part.get("n_valid"),
                                   "n_failed": part.get("n_failed"),
                                   "covered_mass": part.get("covered_mass")}))
        scores = compute_item_metrics(human[index.get_indexer(ids)], model,
                                      task.scale == "ordinal")
        metrics.append(pd.DataFrame({"run_id": rd.run.run_id, "task_id": task_id, "item_id": ids,
                                     **scores, **model_helper_columns(model)}))
    if dists:  # a run whose every answer failed has no distribution, only counted generations
        _insert(con, "model_dist", pd.concat(dists, ignore_index=True))  # one insert per run and table
        _insert(con, "item_metrics", pd.concat(metrics, ignore_index=True))
    if rd.annotator_labels is not None and len(rd.annotator_labels):
        _insert(con, "_predicted_labels", rd.annotator_labels[["task_id", "item_id", "annotator_id", "predicted"]]
                .assign(run_id=rd.run.run_id))
    if rd.generations is not None and len(rd.generations):
        gen = rd.generations.reindex(columns=GENERATION_COLUMNS).assign(run_id=rd.run.run_id)
        gen["item_id"] = gen["item_id"].astype(str)
        _insert(con, "generations", gen[["run_id", *GENERATION_COLUMNS]])
        failed_generations = int(gen["error"].notna().sum())  # incl. items left without a dist
    else:
        failed_generations = 0
    # coverage: `items` with a prediction of the `task_items` its tasks keep ("50 of 1,599")
    task_items = sum(len(probs_by_task[t][0]) for t in rd.dists["task_id"].unique()) if len(rd.dists) else 0
    return {"items": len(rd.dists), "task_items": int(task_items), "failed_samples": _total(rd.dists, "n_failed"),
            "valid_samples": _total(rd.dists, "n_valid"), "failed_generations": failed_generations,
            "notes": list(rd.notes)}


def _total(frame: pd.DataFrame, column: str) -> int:
    if column not in frame:
        return 0
    return int(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame by column name; list-valued columns go through Arrow for speed."""
    if not len(frame):
        return
    cols = list(frame.columns)
    arrays = {c: _arrow_column(frame[c]) for c in cols}
    con.register("_frame", pa.table(arrays))
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _frame")
    finally:
        con.unregister("_frame")


def _arrow_column(s: pd.Series) -> pa.Array:
    if len(s) and isinstance(s.iloc[0], np.ndarray):
        values = np.concatenate(s.to_numpy()) if len(s) else np.zeros(0)
        lengths = np.fromiter((len(v) for v in s), dtype=np.int32, count=len(s))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))
    return pa.array(s.tolist() if s.dtype == object else s, from_pandas=True)


def _write_build_info(con, study: Study, report: BuildReport) -> None:
    """build_info's row, then the manifest of every table (written last, so it covers them all)."""
    checksum = write_manifest(con)
    packages = {}
    for p in PACKAGES:
        try:
            packages[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            packages[p] = None
    con.execute("INSERT INTO build_info VALUES (?,?,?,?,?,?,?,?,?,?)",
                [SCHEMA_VERSION, datetime.now(UTC).isoformat(timespec="seconds"),
                 hashlib.sha256(study.config_text.encode()).hexdigest()[:16], study.name, study.seed,
                 json.dumps(packages, sort_keys=True), _git_commit(), report.to_json(), study.simulated,
                 checksum])


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
