"""Whose label? The annotators an elicited run with `predict = "annotators"` asks about, and how each
is described in the prompt ("sociodemographic prompting": Beck et al., EACL 2024, "Sensitivity,
Performance, Robustness: Deconstructing the Effect of Sociodemographic Prompting"; the task is LeWiDi
2025's perspectivist task B, predicting each annotator's own label).

An annotator is described by their demographics as the dataset gives them (`HumanData.annotators`,
a JSON object per annotator), field by field in the dataset's own words: `age: 23; gender: Woman`.
Values that say nothing about the person (empty, "DATA_EXPIRED", "prefer not to say", ...:
`data_layer.groups.is_unknown`) are left out; an annotator with no field left, or missing from the
annotators file, has no description, and the prompt says so (prompts.NO_DESCRIPTION).

`max_annotators_per_item` caps the annotators asked per item: a reproducible draw per item (the
run's seed, task and item), kept in the dataset's order.
"""
from __future__ import annotations

import json

from data_layer.groups import is_unknown
from precompute.annotator_predictions import raters_in_order
from precompute.study import HumanData, StudyError, keyed_rng


def describe(demographics: str | dict | None) -> str | None:
    """`field: value; field: value` of the known demographic values, or None when none is known."""
    if isinstance(demographics, str):
        try:
            demographics = json.loads(demographics)
        except ValueError:
            return None
    if not isinstance(demographics, dict):
        return None
    parts = [f"{str(k).strip()}: {str(v).strip()}" for k, v in sorted(demographics.items(), key=lambda kv: str(kv[0]))
             if not is_unknown(v) and str(k).strip()]
    return "; ".join(parts) or None


def descriptions(hd: HumanData) -> dict[str, str | None]:
    """annotator_id -> description (None: nothing known) of the task's annotators file."""
    a = hd.annotators
    if a is None or not len(a):
        return {}
    return {str(i): describe(d) for i, d in zip(a["annotator_id"], a["demographics"], strict=True)}


def annotators_asked(hd: HumanData, run: str, seed: int, cap: int | None) -> dict[str, list[str]]:
    """item_id -> the annotators the run asks about (at most `cap` per item, drawn reproducibly), in
    the dataset's order. A task without annotator ids is refused, naming it."""
    raters = raters_in_order(hd)
    if not raters:
        raise StudyError(f"run {run!r}, key 'predict': predict = \"annotators\" needs annotator ids, and task "
                         f"{hd.task.task_id!r} has none (its dataset gives no annotator per rating); limit the "
                         "run to tasks with annotator ids with `tasks = [...]`")
    if cap is None:
        return raters
    out = {}
    for item, people in raters.items():
        if len(people) > cap:
            rng = keyed_rng(seed, hd.task.task_id, item, "annotators")
            keep = sorted(rng.choice(len(people), size=cap, replace=False).tolist())
            people = [people[i] for i in keep]
        out[item] = people
    return out
