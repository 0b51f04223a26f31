"""In-memory study model: what dataset readers and run sources hand to the builder.

Dataset formats (human annotations) produce `HumanData`; run sources (simulation,
elicitation from LLM servers, import) produce `RunData`. `build.build_store` turns a
`Study` into a store.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

TRAININGS = ("rlvr", "rlhf", "sft", "base", "finetuned", "baseline")
REASONING = ("none", "cot", "native")
METHODS = ("verbalized", "sampling", "logprob", "import", "baseline")
STEERING = ("zero", "few")
SOURCES = ("elicited", "imported", "baseline", "simulated")


class StudyError(ValueError):
    """Bad study input. The message names the file, row and field where it can."""


@dataclass
class TaskSpec:
    task_id: str
    dataset: str
    name: str
    labels: list[str]  # label values in scale order, as strings
    scale: Literal["nominal", "ordinal"] = "nominal"
    label_names: list[str] | None = None  # display names, default = labels
    description: str = ""
    source: str = ""
    license: str = ""
    citation: str = ""
    guideline: str = ""  # annotation instruction, used in prompts

    def __post_init__(self):
        self.labels = [str(x) for x in self.labels]
        if len(self.labels) < 2:
            raise StudyError(f"task {self.task_id!r}: at least two labels are needed")
        if len(set(self.labels)) != len(self.labels):
            raise StudyError(f"task {self.task_id!r}: labels repeat: {self.labels}")
        if self.scale not in ("nominal", "ordinal"):
            raise StudyError(f"task {self.task_id!r}: scale must be nominal or ordinal, not {self.scale!r}")
        self.label_names = [str(x) for x in (self.label_names or self.labels)]
        if len(self.label_names) != len(self.labels):
            raise StudyError(f"task {self.task_id!r}: {len(self.label_names)} label names for "
                             f"{len(self.labels)} labels")


@dataclass
class HumanData:
    """One task's human side. `items` has item_id, text, context (JSON str|None),
    metadata (JSON str|None); `counts[i]` are the label counts of items row i."""
    task: TaskSpec
    items: pd.DataFrame
    counts: np.ndarray
    annotations: pd.DataFrame | None = None  # item_id, annotator_id, label
    annotators: pd.DataFrame | None = None  # annotator_id, dataset, demographics (JSON str)
    notes: list[str] = field(default_factory=list)  # what the reader did (filters, quirks)


@dataclass
class ModelSpec:
    model_id: str
    display_name: str
    training: str
    family: str = ""
    base_model: str = ""
    pair_id: str | None = None
    params_b: float | None = None
    provider: str = ""
    simulation: dict | None = None  # the documented parameters of a simulated model

    def __post_init__(self):
        if self.training.removeprefix("simulated-") not in TRAININGS:
            raise StudyError(f"model {self.model_id!r}: training must be one of {TRAININGS}, "
                             f"not {self.training!r}")


@dataclass
class RunSpec:
    run_id: str
    model_id: str
    method: str
    reasoning: str = "none"
    steering: str = "zero"
    source: str = "elicited"
    temperature: float | None = None
    n_samples: int | None = None
    prompt_id: str | None = None
    created_at: str | None = None
    settings: dict | None = None

    def __post_init__(self):
        for name, allowed in (("method", METHODS), ("reasoning", REASONING),
                              ("steering", STEERING), ("source", SOURCES)):
            if getattr(self, name) not in allowed:
                raise StudyError(f"run {self.run_id!r}: {name} must be one of {allowed}, "
                                 f"not {getattr(self, name)!r}")


# annotator_id: whose label the sample predicts (elicited runs with predict = "annotators"; else
# None); sample_idx then numbers the item's samples across its annotators, so it stays unique per item
GENERATION_COLUMNS = ["task_id", "item_id", "sample_idx", "output_text", "reasoning_text", "parsed",
                      "finish_reason", "prompt_tokens", "completion_tokens", "error", "annotator_id"]


@dataclass
class RunData:
    """One run's model side. `dists` has task_id, item_id, probs (sequence of floats aligned
    with the task labels), n_valid, n_failed and optionally covered_mass; `generations`
    has GENERATION_COLUMNS (one row per raw sample); `notes` go to the build report."""
    model: ModelSpec
    run: RunSpec
    dists: pd.DataFrame
    generations: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)  # what the source repaired or left out, counted
    # per-annotator predictions (task_id, item_id, annotator_id, predicted), for runs that make them
    annotator_labels: pd.DataFrame | None = None


@dataclass
class Study:
    name: str
    human: list[HumanData]
    runs: Iterable[RunData] = field(default_factory=list)  # a generator keeps memory flat
    seed: int = 0
    min_annotators: int = 2
    simulated: bool = False
    config_text: str = ""  # hashed into build_info.config_hash
    baselines: bool = True
    notes: list[str] = field(default_factory=list)  # what loading decided (skipped runs), for the report


def to_json(value) -> str | None:
    """Stable JSON for context/metadata/demographics columns (sorted keys, None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def keyed_rng(*parts) -> np.random.Generator:
    """A random generator seeded from a key (`seed|task|item|...` joined by '|'): one stream per key,
    so adding a task or an item to a study does not change another's draw."""
    digest = hashlib.sha256("|".join(str(x) for x in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
