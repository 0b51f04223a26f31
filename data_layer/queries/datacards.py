"""What the Data page documents: the tasks, how items were banded, the metrics, and how the
store was built. Glossaries come from the registries, numbers from the store."""
from __future__ import annotations

import json

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.store import Result, Store


def task_cards(store: Store) -> Result:
    """One row per task: labels, label_names, scale, description, source, license, citation,
    guideline, n_items, n_ratings, n_annotators, annotators per item (min/median/max), dropped."""
    df = store.df("SELECT t.task_id, t.name, t.dataset, t.description, t.labels, t.label_names, t.scale, "
                  "t.source, t.license, t.citation, t.guideline, c.n_items, c.n_ratings, c.n_annotators, "
                  "c.annotators_per_item_min, c.annotators_per_item_median, c.annotators_per_item_max, "
                  "c.n_dropped_items, c.dropped_reason FROM tasks t LEFT JOIN task_cards c USING (task_id) "
                  "ORDER BY t.task_id")
    return Result.of(df, "This store has no tasks.")


def band_edges(store: Store, scheme: str) -> Result:
    """Edges of one banding scheme per task and band (in scheme order), with n_items."""
    s = BAND_SCHEMES.get(scheme)
    df = store.df("SELECT task_id, band, lower, upper, n_items FROM band_edges WHERE scheme = ? "
                  "ORDER BY task_id", [s.name])
    df["order"] = df["band"].map({b: i for i, b in enumerate(s.bands)})
    df = df.sort_values(["task_id", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    return Result.of(df, f"The store records no edges for the {s.label.lower()} scheme.")


def build_info(store: Store) -> Result:
    """One row per build record: built_at, schema_version, config_hash, study_name, seed,
    packages and report (parsed JSON), git_commit, simulated."""
    df = store.df("SELECT built_at, schema_version, config_hash, study_name, seed, packages, git_commit, "
                  "simulated, report FROM build_info ORDER BY built_at DESC")
    for col in ("packages", "report"):
        df[col] = [json.loads(v) if isinstance(v, str) and v else None for v in df[col]]
    return Result.of(df, "The store has no build record.")


def task_notes(store: Store) -> dict[str, tuple[str, ...]]:
    """What the dataset readers did to each task (filters, quirks, the items a stratified sample
    left out), from the newest build report: {task_id: notes}."""
    info = build_info(store)
    report = info.frame["report"].iloc[0] if info.ok else None
    tasks = (report or {}).get("tasks", {})
    return {t: tuple(str(n) for n in v.get("notes") or ()) for t, v in tasks.items() if isinstance(v, dict)}


def metric_glossary() -> pd.DataFrame:
    """The METRICS registry as a table (no store needed): one row per metric."""
    return pd.DataFrame([{"name": m.name, "label": m.label, "direction": m.direction_text,
                          "level": "per item" if m.level == "item" else "over a slice",
                          "definition": m.definition, "unit": m.unit, "applies_to": m.applies_to,
                          "description": m.description, "citation": m.citation} for m in METRICS])


def band_glossary() -> pd.DataFrame:
    """The BAND_SCHEMES registry as a table: name, label, bands, definition, description."""
    return pd.DataFrame([{"name": s.name, "label": s.label, "bands": " < ".join(s.bands),
                          "definition": s.definition, "description": s.description}
                         for s in BAND_SCHEMES])
