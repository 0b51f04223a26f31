"""`python -m precompute elicit`: fill the request cache for the elicited runs of a study."""
from __future__ import annotations

from pathlib import Path

from precompute.config import load_human, read_config
from precompute.elicit.cache import RequestCache
from precompute.elicit.engine import Engine, RunReport
from precompute.elicit.parse import interpret
from precompute.elicit.plan import plan_run, unique_keys
from precompute.elicit.spec import parse_spec
from precompute.study import StudyError


def elicit_study(config: str | Path, only: set[str] | None = None, show_progress: bool = True,
                 echo=print) -> list[RunReport]:
    path = Path(config)
    cfg = read_config(path)
    meta = cfg.get("study", {})
    sections = [s for s in cfg.get("run", []) if s.get("source", "elicited") == "elicited"]
    names = {s.get("name") for s in sections}
    if only and only - names:
        raise StudyError(f"{path}: no elicited [[run]] named {sorted(only - names)[0]!r}; "
                         f"elicited runs: {sorted(n for n in names if n)}")
    specs = [parse_spec(s, path.parent, int(meta.get("seed", 0)))
             for s in sections if not only or s.get("name") in only]
    if not specs:
        raise StudyError(f"{path}: declares no [[run]] with source = 'elicited'")
    human = load_human(cfg, path)
    labels = {h.task.task_id: h.task.label_names for h in human}
    reports = []
    for spec in specs:
        plans, pid = plan_run(spec, human, int(meta.get("min_annotators", 2)))
        with RequestCache(spec.cache) as cache:
            try:
                report = Engine(spec, cache, labels, show_progress).run(plans)
            except BaseException as e:  # Ctrl-C or SIGTERM (precompute.__main__ reads `kept`)
                keys = unique_keys(plans)
                e.kept = (f"{len(cache.present(keys))} of {len(keys)} answers of run {spec.name} are cached "
                          f"in {spec.cache}; run the same command again to fetch the rest")
                raise
            _count_held(report, cache, plans, spec, labels)
        echo(f"{report.text()}\n  prompt_id {pid}, cache {spec.cache}")
        reports.append(report)
    return reports


def _count_held(report: RunReport, cache: RequestCache, plans, spec, labels: dict) -> None:
    """What the cache holds for the run, read back and interpreted as `build` will: answers
    cached by earlier calls count too (a rerun of a run whose answers all failed fetches
    nothing, and must still say they failed)."""
    task_of = {k: p.task_id for p in plans for k in p.keys}  # a shared prompt is counted once
    records = cache.get_many(list(task_of))
    report.held = len(records)
    for k, record in records.items():
        names = labels[task_of[k]]
        if "error" in record:
            report.held_rejected += 1
        elif not interpret(spec.method, record, len(names), names, spec.reasoning).ok:
            report.held_unparseable += 1
