"""`python -m precompute info STORE`: what a store holds, in plain text."""
from __future__ import annotations

import json

from data_layer.bands import BAND_SCHEMES
from data_layer.store import Store


def _table(rows: list[tuple], header: tuple) -> str:
    cells = [tuple("" if v is None else str(v) for v in r) for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def coverage_lines(runs: dict[str, dict]) -> list[str]:
    """"run: predictions for 50 of 1,599 items" for each run that does not cover every item of its tasks,
    and each run's notes (what an import repaired or left out), from build-report-shaped entries."""
    lines = []
    for run_id, r in sorted(runs.items()):
        n, total = r.get("items", 0), r.get("task_items", 0)
        notes = r.get("notes") or []
        if n < total or notes:
            lines.append(f"{run_id}: predictions for {n:,} of {total:,} items"
                         + (f"; {'; '.join(notes)}" if notes else ""))
    return lines


def describe(path: str) -> str:
    store = Store(path)
    try:
        out = []
        info = store.df("SELECT * FROM build_info").iloc[0]
        out.append(f"Store {path}  (schema {info.schema_version}, built {info.built_at}, "
                   f"study {info.study_name!r}, seed {info.seed}, config {info.config_hash}, "
                   f"git {info.git_commit}, content checksum {info.content_checksum}"
                   f"{', SIMULATED DATA' if info.simulated else ''})")
        out.append("\nTasks")
        out.append(_table(store.rows(
            "SELECT t.task_id, t.scale, len(t.labels), c.n_items, c.n_ratings, c.annotators_per_item_min, "
            "c.annotators_per_item_median, c.annotators_per_item_max, c.n_dropped_items, t.license "
            "FROM tasks t JOIN task_cards c USING (task_id) ORDER BY t.task_id"),
            ("task", "scale", "labels", "items", "ratings", "ann/item min", "median", "max",
             "dropped", "license")))
        out.append("\nRuns")
        out.append(_table(store.rows(
            "SELECT r.run_id, m.training, r.reasoning, r.method, r.steering, r.source, "
            "count(d.item_id), sum(d.n_failed) FROM runs r JOIN models m USING (model_id) "
            "LEFT JOIN model_dist d USING (run_id) GROUP BY ALL ORDER BY r.run_id"),
            ("run", "training", "reasoning", "method", "steering", "source", "items", "failed samples")))
        for scheme in BAND_SCHEMES:
            out.append(f"\nBands: {scheme.name} ({scheme.label})")
            out.append(_table(store.rows(
                f"SELECT task_id, {scheme.column}, count(*) FROM human_dist GROUP BY ALL ORDER BY ALL"),
                ("task", "band", "items")))
        report = json.loads(info.report or "{}")
        cover = store.rows("SELECT run_id, sum(n)::BIGINT, sum(c.n_items)::BIGINT FROM (SELECT run_id, task_id, "
                           "count(*) AS n FROM model_dist GROUP BY ALL) JOIN task_cards c USING (task_id) "
                           "GROUP BY run_id ORDER BY run_id")
        runs = {r: {"items": n, "task_items": total, "notes": report.get("runs", {}).get(r, {}).get("notes", [])}
                for r, n, total in cover}
        lines = [*report.get("notes", []), *coverage_lines(runs)]
        if lines:
            out.append("\nCoverage and notes")
            out += [f"  {line}" for line in lines]
        dropped = {t: v["dropped_below_min_annotators"] for t, v in report.get("tasks", {}).items()
                   if v.get("dropped_below_min_annotators")}
        if dropped:
            out.append(f"\nDropped for too few annotators: {dropped}")
        return "\n".join(out)
    finally:
        store.close()
