"""Cached answers -> RunData: one generations row per sample (raw text, reasoning, parsed result,
finish_reason, tokens, error) and one distribution per item.

verbalized: mean of the valid stated share vectors; sampling: shares of the parsed labels;
logprob: letter probabilities renormalised over the options, with the covered mass. An item
without a single valid sample gets no distribution (its failures stay in `generations`).

predict = "annotators": each annotator asked gets a predicted label (`annotator_labels`, as an
import of kind annotator_labels gives them): sampling, the most common valid sampled answer (ties:
the first option); logprob, the most likely option of the mean letter probabilities. The item's
distribution is the share of its predicted labels (`dists_from_labels`, as for the import), with
`n_failed` = its asked annotators left without a prediction (no valid sample). The notes count the
prompts without a description of the annotator, the annotators left without a prediction and the
ratings not asked (max_annotators_per_item, or no annotator id).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from precompute.annotator_predictions import dists_from_labels, raters_in_order
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
    if spec.predict == "annotators":
        return _annotator_run(spec, human, plans, pid, records, min_annotators)
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
    dist_frame = pd.DataFrame(dists, columns=["task_id", "item_id", "probs", "n_valid", "n_failed",
                                              "covered_mass"])
    return RunData(spec.model, _run_spec(spec, pid), dist_frame, pd.DataFrame(gens, columns=GENERATION_COLUMNS))


def _run_spec(spec: ElicitSpec, pid: str) -> RunSpec:
    return RunSpec(run_id=spec.name, model_id=spec.model.model_id, method=spec.method,
                   reasoning=spec.reasoning, steering=spec.steering, source="elicited",
                   temperature=spec.temperature, n_samples=spec.n_samples, prompt_id=pid,
                   created_at=spec.created_at or None, settings=spec.settings())


def _annotator_run(spec: ElicitSpec, human: list[HumanData], plans, pid: str, records: dict,
                   min_annotators: int) -> RunData:
    """predict = "annotators": one predicted label per annotator with a valid sample; generations keep
    every sample with its annotator_id (sample_idx numbered across the item's annotators)."""
    tasks = {h.task.task_id: h for h in human}
    gens, predicted, failed = [], [], Counter()
    next_idx: Counter = Counter()
    for p in plans:
        task = tasks[p.task_id].task
        samples = [interpret(spec.method, records[k], len(task.labels), task.label_names, spec.reasoning)
                   for k in p.keys]
        for s in samples:
            i = next_idx[(p.task_id, p.item_id)]
            next_idx[(p.task_id, p.item_id)] += 1
            gens.append((p.task_id, p.item_id, i, s.output_text, s.reasoning_text, s.parsed_json(),
                         s.finish_reason, s.prompt_tokens, s.completion_tokens, s.error, p.annotator_id))
        label = _annotator_label(spec.method, samples, len(task.labels))
        if label is None:
            failed[(p.task_id, p.item_id)] += 1
        else:
            predicted.append((p.task_id, p.item_id, p.annotator_id, task.labels[label]))
    labels = pd.DataFrame(predicted, columns=["task_id", "item_id", "annotator_id", "predicted"])
    dists = dists_from_labels(labels, tasks)
    dists["n_failed"] = [failed[(t, i)] for t, i in zip(dists["task_id"], dists["item_id"], strict=True)]
    return RunData(spec.model, _run_spec(spec, pid), dists, pd.DataFrame(gens, columns=GENERATION_COLUMNS),
                   notes=_annotator_notes(spec, tasks, plans, sum(failed.values()), min_annotators),
                   annotator_labels=labels)


def _annotator_label(method: str, samples: list, k: int) -> int | None:
    """The predicted option of one annotator: the most common valid sampled answer (ties: the first
    option), or the most likely option of the mean letter probabilities; None without a valid sample."""
    valid = [s for s in samples if s.ok]
    if not valid:
        return None
    if method == "sampling":
        return int(np.bincount([s.label for s in valid], minlength=k).argmax())
    return int(np.mean([s.probs for s in valid], axis=0).argmax())


def _annotator_notes(spec: ElicitSpec, tasks: dict[str, HumanData], plans, failed: int,
                     min_annotators: int) -> list[str]:
    """What the build report says about an annotator run: prompts, undescribed, unpredicted, not asked."""
    undescribed = sum(not p.described for p in plans)
    notes = [f"{len(plans):,} annotator prompts (one per rating asked), {undescribed:,} of them with no "
             "description of the annotator (no demographics known)"]
    if failed:
        notes.append(f"{failed:,} of {len(plans):,} annotators asked have no prediction: no sample of "
                     "theirs gave a label (counted in the generations' errors)")
    # ratings of the asked tasks' items (as the plan keeps them) that no prompt asked about
    kept = 0
    with_id = 0
    for task_id in dict.fromkeys(p.task_id for p in plans):
        hd = tasks[task_id]
        n = np.asarray(hd.counts).sum(axis=1)
        raters = raters_in_order(hd)
        for item_id, count in zip(hd.items["item_id"].astype(str), n, strict=True):
            if count >= min_annotators:
                kept += int(count)
                with_id += len(raters.get(item_id, []))
    if kept > with_id:
        notes.append(f"{kept - with_id:,} rating(s) have no annotator id and were not asked about")
    if with_id > len(plans):
        notes.append(f"{with_id - len(plans):,} rating(s) not asked about (max_annotators_per_item = "
                     f"{spec.max_annotators_per_item})")
    return notes


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
                who = f", annotator {p.annotator_id!r}" if p.annotator_id is not None else ""
                return f"task {p.task_id!r}, item {p.item_id!r}{who}, sample {i}"
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
