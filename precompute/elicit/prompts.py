"""Our prompt templates: one per method x reasoning mode, with the task's guideline text, its
label options as letters, and (steering = "few") k examples shown with their human shares.

Everything goes into one user message (some chat templates, e.g. Gemma's, have no system
role). `prompt_id` hashes the template version and every template a run uses, so a change of
wording gives a new `runs.prompt_id` and new cache keys.

With `predict = "annotators"` the prompt describes one annotator (ANNOTATOR, or NO_DESCRIPTION
when nothing is known of them; persona.py) and asks which option this annotator chose (ASK_ANNOTATOR),
under its own template version, so these prompts never share an id or a cache key with crowd prompts.
"""
from __future__ import annotations

import hashlib
import json
import string

import numpy as np

from precompute.study import HumanData, TaskSpec, keyed_rng

TEMPLATE_VERSION = "2026-11-elicit-1"
ANNOTATOR_TEMPLATE_VERSION = "2026-12-annotator-1"
LETTERS = string.ascii_uppercase

INTRO = ("Several human annotators labelled the text below independently. They often disagree.\n"
         "Task: {guideline}\nOptions:\n{options}")
EXAMPLES = "Examples, each with the share of annotators who chose each option:\n{examples}"
ITEM = "Text:\n{text}"
CONTEXT = "Context:\n{context}"

ASK = {
    ("verbalized", "none"): ("Estimate the share of annotators who chose each option. Reply with only a "
                             "JSON object that maps every option letter to a share between 0 and 1, "
                             "for example {example}."),
    ("verbalized", "cot"): ("Estimate the share of annotators who chose each option. Think step by step "
                            "first, then end with a JSON object that maps every option letter to a share "
                            "between 0 and 1, for example {example}."),
    ("verbalized", "native"): ("Estimate the share of annotators who chose each option. Reply with only a "
                               "JSON object that maps every option letter to a share between 0 and 1, "
                               "for example {example}."),
    ("choice", "none"): "Which option did most annotators choose? Reply with the option letter only.",
    ("choice", "cot"): ("Which option did most annotators choose? Think step by step, then end with a "
                        "final line of the form \"Answer: <letter>\"."),
    ("choice", "native"): "Which option did most annotators choose? Reply with the option letter only.",
}

# predict = "annotators": one annotator, described by their demographics (persona.describe)
ANNOTATOR = "The question is about one of these annotators, described as: {description}."
NO_DESCRIPTION = "The question is about one of these annotators; no description of this annotator is available."
ASK_ANNOTATOR = {
    "none": "Which option did this annotator choose? Reply with the option letter only.",
    "cot": ("Which option did this annotator choose? Think step by step, then end with a final line of the "
            "form \"Answer: <letter>\"."),
    "native": "Which option did this annotator choose? Reply with the option letter only.",
}


def letters(task: TaskSpec) -> list[str]:
    return list(LETTERS[:len(task.labels)])


def options_block(task: TaskSpec) -> str:
    return "\n".join(f"{letter} = {name}" for letter, name in zip(letters(task), task.label_names, strict=False))


def ask_text(task: TaskSpec, method: str, reasoning: str, predict: str = "crowd") -> str:
    if predict == "annotators":
        return ASK_ANNOTATOR[reasoning]
    kind = "verbalized" if method == "verbalized" else "choice"
    k = len(task.labels)
    example = json.dumps({letter: round(1 / k, 2) for letter in letters(task)})
    return ASK[(kind, reasoning)].format(example=example)


def guideline(task: TaskSpec) -> str:
    return (task.guideline or task.description or task.name).strip()


def shares_text(task: TaskSpec, counts: np.ndarray) -> str:
    probs = counts / max(counts.sum(), 1)
    return ", ".join(f"{letter} = {p:.0%}" for letter, p in zip(letters(task), probs, strict=False))


def few_shot_examples(hd: HumanData, pool: list[str], item_id: str, k: int, seed: int) -> list[int]:
    """Rows of k pool items (never the item itself), drawn reproducibly per item."""
    ids = hd.items["item_id"].astype(str)
    rows = [int(r) for r in np.flatnonzero(ids.isin(set(pool)).to_numpy()) if ids.iloc[r] != item_id]
    rng = keyed_rng(seed, hd.task.task_id, item_id)
    return sorted(rng.choice(rows, size=min(k, len(rows)), replace=False).tolist()) if rows else []


def user_message(hd: HumanData, row: int, method: str, reasoning: str, example_rows: list[int],
                 annotator: str | None = None, predict: str = "crowd") -> str:
    """The prompt; with predict = "annotators", `annotator` is the annotator's description (None:
    nothing is known of them)."""
    task = hd.task
    parts = [INTRO.format(guideline=guideline(task), options=options_block(task))]
    if predict == "annotators":
        parts.append(ANNOTATOR.format(description=annotator) if annotator else NO_DESCRIPTION)
    if example_rows:
        shown = [f"Text: {_text(hd, r)}\nShares: {shares_text(task, np.asarray(hd.counts[r]))}"
                 for r in example_rows]
        parts.append(EXAMPLES.format(examples="\n\n".join(shown)))
    context = hd.items["context"].iloc[row] if "context" in hd.items.columns else None
    if isinstance(context, str) and context.strip() and context != "null":
        parts.append(CONTEXT.format(context=context.strip()))
    parts.append(ITEM.format(text=_text(hd, row)))
    parts.append(ask_text(task, method, reasoning, predict))
    return "\n\n".join(parts)


def _text(hd: HumanData, row: int) -> str:
    return str(hd.items["text"].iloc[row]).strip()


def prompt_id(tasks: list[TaskSpec], method: str, reasoning: str, steering: str, k: int,
              predict: str = "crowd") -> str:
    """Hash of the template version and every rendered template (without item text)."""
    persona = ({"annotator_version": ANNOTATOR_TEMPLATE_VERSION, "annotator": ANNOTATOR,
                "no_description": NO_DESCRIPTION} if predict == "annotators" else {})  # crowd ids unchanged
    blob = json.dumps({"version": TEMPLATE_VERSION, "intro": INTRO, "examples": EXAMPLES, "item": ITEM,
                       "context": CONTEXT, "method": method, "reasoning": reasoning, "steering": steering,
                       "k": k, **persona,
                       "tasks": {t.task_id: [guideline(t), options_block(t), ask_text(t, method, reasoning, predict)]
                                 for t in tasks}}, sort_keys=True)
    return "p-" + hashlib.sha256(blob.encode()).hexdigest()[:12]


def response_format(task: TaskSpec, method: str, reasoning: str, style: str) -> dict | None:
    """Constrained output for verbalized (shares per letter) and sampling (one letter); with cot
    a "reasoning" string comes first. None for the logprob method or style "none"."""
    if style == "none" or method == "logprob":
        return None
    if method == "verbalized":
        answer = {"type": "object", "additionalProperties": False, "required": letters(task),
                  "properties": {letter: {"type": "number", "minimum": 0, "maximum": 1}
                                 for letter in letters(task)}}
        key = "shares"
    else:
        answer = {"type": "string", "enum": letters(task)}
        key = "answer"
    schema = answer if method == "verbalized" else {
        "type": "object", "additionalProperties": False, "required": [key], "properties": {key: answer}}
    if reasoning == "cot":
        schema = {"type": "object", "additionalProperties": False, "required": ["reasoning", key],
                  "properties": {"reasoning": {"type": "string"}, key: answer}}
    if style == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "label_answer", "strict": True, "schema": schema}}
