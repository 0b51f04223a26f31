"""Facet dimension registry: the ways a slice can be cut, with their SQL columns.

The `column` of each facet is the *only* way a column name reaches SQL built from user
input: slices look facets up here (an allow-list) and pass values as parameters.
Columns refer to the `item_scores` relation (one row per run x item, see store schema),
whose item-level columns also exist in `human_dist`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from data_layer.registry import Registry


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    description: str
    column: str
    scope: Literal["item", "run"]  # item facets also filter human-only views
    kind: Literal["multi", "range"] = "multi"
    url_key: str = ""


FACETS: Registry[Facet] = Registry("facet")
for _f in [
    Facet("task", "Task", "Annotation task (one dataset may yield several).", "task_id", "item",
          url_key="tasks"),
    Facet("band", "Disagreement band", "Band of human disagreement under the chosen banding scheme; "
          "the column depends on the scheme.", "band_{scheme}", "item", url_key="bands"),
    Facet("training", "Training", "How the model was post-trained: rlvr (verifiable-reward RL, e.g. "
          "DeepSeek-R1 and its distills), rlhf (preference-tuned chat models), sft, base, finetuned, "
          "or baseline (reference predictors).", "training", "run", url_key="training"),
    Facet("reasoning", "Reasoning mode", "none (answer directly), cot (prompted chain of thought) "
          "or native (the model's own thinking phase).", "reasoning", "run", url_key="reasoning"),
    Facet("method", "Elicitation method", "How the model distribution was obtained: verbalized "
          "(stated shares), sampling (N answers counted), logprob (next-token probabilities), "
          "import (made elsewhere) or baseline.", "method", "run", url_key="method"),
    Facet("steering", "Steering", "zero-shot or few-shot (k examples shown with their human "
          "shares).", "steering", "run", url_key="steering"),
    Facet("model", "Model", "Specific models.", "model_id", "run", url_key="models"),
    Facet("size", "Model size (B params)", "Parameter count in billions.", "params_b", "run",
          kind="range", url_key="size"),
    Facet("source", "Run source", "elicited, imported, baseline or simulated.", "source", "run",
          url_key="source"),
]:
    FACETS.register(_f)

TRAINING_LABELS = {"rlvr": "RLVR", "rlhf": "RLHF", "sft": "SFT", "base": "Base",
                   "finetuned": "Fine-tuned", "baseline": "Baseline"}
REASONING_LABELS = {"none": "no CoT", "cot": "CoT", "native": "thinking"}
METHOD_LABELS = {"verbalized": "verbalized", "sampling": "sampling", "logprob": "logprob",
                 "import": "imported", "baseline": "baseline"}
STEERING_LABELS = {"zero": "zero-shot", "few": "few-shot"}


def training_label(value: str) -> str:
    base = value.removeprefix("simulated-")
    label = TRAINING_LABELS.get(base, base)
    return f"{label} (simulated)" if value.startswith("simulated-") else label


def model_type_label(training: str, reasoning: str) -> str:
    """'RLVR · thinking', 'RLHF · CoT', ... — the unit of comparison on every page."""
    if training.removeprefix("simulated-") == "baseline":
        return "Baseline"
    return f"{TRAINING_LABELS.get(training, training)} · {REASONING_LABELS.get(reasoning, reasoning)}"


# One colour per model type, the same on every page, and used for nothing else (ui/colours.py
# holds every other colour of the app). Okabe–Ito hues (colour-blind safe), darkened where the
# original fell under WCAG's 3:1 contrast for graphics against the white plot background (its
# yellow was 1.32:1, its sky blue 2.31:1): RLVR warm (vermillion, rust, dark gold), RLHF cool
# (blue, lighter blue, teal), other trainings pink/wine, baselines grey. Every value is >= 3.6:1
# on white (tests/test_colours.py checks).
MODEL_TYPE_COLOURS = {
    "RLVR · thinking": "#D55E00", "RLVR · CoT": "#A63A00", "RLVR · no CoT": "#9A7400",
    "RLHF · no CoT": "#0072B2", "RLHF · CoT": "#3C8DC4", "RLHF · thinking": "#00856A",
    "SFT · no CoT": "#B4468F", "Base · no CoT": "#B4468F", "Fine-tuned · no CoT": "#882255",
    "Baseline": "#767676",
}
# Model types the study names but the table above does not (hues away from RLVR's and RLHF's).
FALLBACK_COLOURS = ["#117733", "#2C7F75", "#5C5C8A", "#8C5A3C", "#332288", "#4B5320"]


def colour_for(model_type: str) -> str:
    if model_type in MODEL_TYPE_COLOURS:
        return MODEL_TYPE_COLOURS[model_type]
    return FALLBACK_COLOURS[sum(map(ord, model_type)) % len(FALLBACK_COLOURS)]
