"""The words the pages use for the comparison itself, declared once: the Overview defines them
where they first appear, and the glossary lists them (data_layer.glossary)."""
from __future__ import annotations

from dataclasses import dataclass

from data_layer.registry import Registry


@dataclass(frozen=True)
class Term:
    name: str
    label: str
    description: str


TERMS: Registry[Term] = Registry("term")
for _t in [
    Term("rlvr", "RLVR", "Reinforcement learning with verifiable rewards: models post-trained to reach checkable "
         "answers (e.g. DeepSeek-R1 and its distills); they usually think before answering."),
    Term("rlhf", "RLHF", "Reinforcement learning from human feedback: preference-tuned chat models."),
    Term("cot", "CoT", "Chain of thought: the model is prompted to reason step by step before it answers. "
         "“no CoT” answers directly; “thinking” is a model's own built-in reasoning phase."),
    Term("sibling_pair", "Sibling pair", "An RLVR model and the RLHF model built on the same base model "
         "(same pair id), elicited with the same method and steering. Comparing siblings holds the base "
         "model fixed, so the difference is the post-training."),
    Term("model_type", "Model type", "Training × reasoning mode (e.g. “RLVR · thinking”, “RLHF · no CoT”): "
         "all runs of that kind pooled, whatever their base model. Comparing model types is not paired."),
    Term("noise_floor", "Noise floor", "What a model that knew each item's true label distribution would "
         "still score against a panel of annotators of the same size, because the panel is itself a small "
         "sample. Differences near the floor are within annotator-sampling noise."),
    Term("paired_gap", "Paired gap", "RLVR minus its RLHF sibling on the items both scored, averaged over the "
         "matched run pairs; read through the metric's direction."),
]:
    TERMS.register(_t)


def define(*names: str) -> str:
    """'RLVR: …; RLHF: …' for the named terms (code-written text, safe as markdown)."""
    return " ".join(f"**{TERMS.get(n).label}**: {TERMS.get(n).description}" for n in names)
