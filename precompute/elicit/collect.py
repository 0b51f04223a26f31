"""Cached answers -> RunData: one generations row per sample (raw text, reasoning, parsed result,
finish_reason, tokens, error) and one distribution per item.

verbalized: mean of the valid stated share vectors; sampling: shares of the parsed labels;
logprob: letter probabilities renormalised over the options, with the covered mass. An item
without a single valid sample gets no distribution (its failures stay in `generations`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precompute.elicit.answers import read_answers
from precompute.elicit.cache import RequestCache
from precompute.elicit.parse import interpret
from precompute.elicit.plan import plan_run
from precompute.elicit.spec import ElicitSpec
from precompute.study import GENERATION_COLUMNS, HumanData, RunData, RunSpec, StudyError


class NotElicited(StudyError):
    """No answer of the run is cached yet: `elicit` has not been run for it."""


def collect_run(spec: ElicitSpec, human: list[HumanData], min_annotators: int = 1) -> RunData:
    plans, pid = plan_run(spec, human, min_annotators)
    labels = {h.task.task_id: h.task.label_names for h in human}
    records, source = _answers(spec, plans)
    missing = sum(k not in records for p in plans for k in p.keys)
    total = sum(len(p.keys) for p in plans)
    if source != spec.cache and missing:
        raise StudyError(f"run {spec.name!r}: {missing} of {total} samples have no answer in {source}: "
                         "the prompts rebuilt from the datasets and templates are not the ones that were "
                         f"answered (first: {_first_missing(plans, records)}); was the dataset or a template "
                         "changed since the answers were exported?")
    if missing and missing == total:
        raise NotElicited(f"run {spec.name!r}: none of its {total} samples is in {spec.cache}; run "
                          f"`python -m precompute elicit --config <study.toml> --run {spec.name}` first")
    if missing:
        raise StudyError(f"run {spec.name!r}: {missing} of {total} samples are not in {spec.cache}; run "
                         f"`python -m precompute elicit --config <study.toml> --run {spec.name}` "
                         "(it resumes where it stopped)")
    gens, dists = [], []
    for p in plans:
        names = labels[p.task_id]
        samples = [interpret(spec.method, records[k], len(names), names, spec.reasoning) for k in p.keys]
        for i, s in enumerate(samples):
            gens.append((p.task_id, p.item_id, i, s.output_text, s.reasoning_text, s.parsed_json(),
                         s.finish_reason, s.prompt_tokens, s.completion_tokens, s.error, None))
        row = _distribution(spec.method, samples, len(names))
        if row is not None:
            dists.append((p.task_id, p.item_id, *row))
    run = RunSpec(run_id=spec.name, model_id=spec.model.model_id, method=spec.method,
                  reasoning=spec.reasoning, steering=spec.steering, source="elicited",
                  temperature=spec.temperature, n_samples=spec.n_samples, prompt_id=pid,
                  created_at=spec.created_at or None, settings=spec.settings())
    dist_frame = pd.DataFrame(dists, columns=["task_id", "item_id", "probs", "n_valid", "n_failed",
                                              "covered_mass"])
    return RunData(spec.model, run, dist_frame, pd.DataFrame(gens, columns=GENERATION_COLUMNS))


def _answers(spec: ElicitSpec, plans) -> tuple[dict[str, dict], Path]:
    """The run's answer records and where they came from: its answers file when it has one that
    exists (the committed artefact), else the request cache."""
    if spec.answers is not None and spec.answers.exists():
        return read_answers(spec.answers, spec.name), spec.answers
    if not spec.cache.exists():
        where = f"no answers file at {spec.answers} and " if spec.answers is not None else ""
        raise NotElicited(f"run {spec.name!r}: {where}no elicitation cache at {spec.cache}; run "
                          f"`python -m precompute elicit --config <study.toml> --run {spec.name}` first")
    with RequestCache(spec.cache) as cache:
        return cache.get_many([k for p in plans for k in p.keys]), spec.cache


def _first_missing(plans, records: dict) -> str:
    for p in plans:
        for i, k in enumerate(p.keys):
            if k not in records:
                return f"task {p.task_id!r}, item {p.item_id!r}, sample {i}"
    return "none"


def _distribution(method: str, samples: list, k: int):
    valid = [s for s in samples if s.ok]
    n_failed = len(samples) - len(valid)
    if not valid:
        return None
    if method == "sampling":
        probs = np.bincount([s.label for s in valid], minlength=k) / len(valid)
        covered = None
    else:
        probs = np.mean([s.probs for s in valid], axis=0)
        covered = float(np.mean([s.covered_mass for s in valid])) if method == "logprob" else None
    return np.asarray(probs, dtype=float), len(valid), n_failed, covered
