"""What a run asks: one `ItemPlan` per (task, item) with its messages, request parameters and
one cache key per sample; with `predict = "annotators"`, one per (task, item, annotator asked), the
annotator's description in its messages (persona.py). The same plan drives `elicit` (what to fetch)
and `build` (what to read)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from precompute.elicit.cache import request_key
from precompute.elicit.persona import annotators_asked, descriptions
from precompute.elicit.prompts import few_shot_examples, prompt_id, response_format, user_message
from precompute.elicit.spec import ElicitSpec
from precompute.study import HumanData, StudyError


@dataclass
class ItemPlan:
    task_id: str
    item_id: str
    messages: list[dict]
    params: dict  # request body fields that define the answer (not model, n, seed)
    keys: list[str]  # one per sample index
    annotator_id: str | None = None  # predict = "annotators": whose label is asked for
    described: bool = True  # predict = "annotators": False when nothing is known of the annotator


def unique_keys(plans: list[ItemPlan]) -> list[str]:
    """Every planned sample's key once, in plan order. Two plans can share a prompt, and so its keys
    and answers: two annotators of an item described alike (or both without a description), or two
    items of a task with the same text; each such sample is asked and counted once."""
    return list(dict.fromkeys(k for p in plans for k in p.keys))


def chosen_tasks(spec: ElicitSpec, human: list[HumanData]) -> list[HumanData]:
    known = {h.task.task_id for h in human}
    for t in spec.tasks or ():
        if t not in known:
            raise StudyError(f"run {spec.name!r}, field tasks: unknown task {t!r}; known: {sorted(known)}")
    return [h for h in human if not spec.tasks or h.task.task_id in spec.tasks]


def request_params(spec: ElicitSpec, hd: HumanData) -> dict:
    params: dict = {"temperature": spec.temperature, "max_tokens": spec.max_tokens}
    kwargs = dict(spec.chat_template_kwargs)
    if spec.reasoning == "native":
        kwargs.setdefault("enable_thinking", True)
    if kwargs:
        params["chat_template_kwargs"] = kwargs
    if spec.method == "logprob":
        params["logprobs"] = True
        params["top_logprobs"] = spec.top_logprobs
    fmt = response_format(hd.task, spec.method, spec.reasoning, spec.response_format)
    if fmt:
        params["response_format"] = fmt
    return params


def plan_run(spec: ElicitSpec, human: list[HumanData], min_annotators: int = 1) -> tuple[list[ItemPlan], str]:
    """(item plans, prompt_id). Items with fewer than `min_annotators` ratings are skipped,
    as the builder drops them."""
    tasks = chosen_tasks(spec, human)
    plans: list[ItemPlan] = []
    for hd in tasks:
        params = request_params(spec, hd)
        pool = spec.pool_for(hd.task.task_id)
        ids = hd.items["item_id"].astype(str)
        missing = sorted(set(pool) - set(ids))
        if missing:
            raise StudyError(f"run {spec.name!r}, field few_shot_pool: unknown item {missing[0]!r} "
                             f"in task {hd.task.task_id!r}")
        n_ratings = np.asarray(hd.counts).sum(axis=1)
        if spec.predict == "annotators":
            asked = annotators_asked(hd, spec.name, spec.seed, spec.max_annotators_per_item)
            described = descriptions(hd)
        for row, item_id in enumerate(ids):
            if n_ratings[row] < min_annotators:
                continue
            examples = []
            if spec.steering == "few":
                examples = few_shot_examples(hd, pool, item_id, spec.few_shot_k, spec.seed)
            if spec.predict != "annotators":
                plans.append(_plan(spec, hd, row, item_id, params, examples))
                continue
            for person in asked.get(item_id, []):
                plans.append(_plan(spec, hd, row, item_id, params, examples, person, described.get(person)))
    pid = prompt_id([h.task for h in tasks], spec.method, spec.reasoning, spec.steering,
                    spec.few_shot_k if spec.steering == "few" else 0, spec.predict)
    return plans, pid


def _plan(spec: ElicitSpec, hd: HumanData, row: int, item_id: str, params: dict, examples: list[int],
          annotator_id: str | None = None, description: str | None = None) -> ItemPlan:
    text = user_message(hd, row, spec.method, spec.reasoning, examples, description, spec.predict)
    messages = [{"role": "user", "content": text}]
    keys = [request_key(spec.api_model, messages, params, i) for i in range(spec.n_samples)]
    return ItemPlan(hd.task.task_id, item_id, messages, params, keys, annotator_id, description is not None)
