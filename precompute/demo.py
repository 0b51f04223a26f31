"""The demo study: four simulated tasks and seventeen simulated runs, built in seconds.

Tasks (texts templated by `demo_texts`): a binary offensiveness task, a 3-way NLI task, a
5-point ordinal offensiveness scale and a 6-point ordinal sarcasm scale, 320 items each.
Annotator panels have 3 to 100 members; each item's latent human distribution is drawn
from an ambiguity level, so items range from unanimous to evenly split.

Three tasks have simulated annotators with simulated demographics in which some groups really
rate differently (precompute/demo_annotators.py); the binary task keeps label counts only. Two runs
also carry simulated per-annotator predictions (precompute/demo_persona.py).

Models (see `simulate` for what the parameters mean) are all marked simulated. RLVR models
are given stronger sharpening than their RLHF siblings, which is the pattern Ni et al.
report; the demo shows what the dashboard reveals, it is not evidence of anything.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from precompute import demo_texts
from precompute.demo_annotators import LEANINGS, POOL_SIZE, annotator_pool, assign_ratings
from precompute.demo_persona import with_persona_predictions
from precompute.simulate import SimModel, SimRun, simulated_run_data
from precompute.study import HumanData, Study, TaskSpec, to_json

N_ITEMS = 320
PANEL_SIZES = np.array([3, 5, 7, 10, 20, 50, 100])
PANEL_WEIGHTS = np.array([0.2, 0.25, 0.15, 0.15, 0.1, 0.1, 0.05])
CREATED_AT = "2026-01-01T00:00:00+00:00"  # fixed so that a demo build is byte-for-byte repeatable

_DEMO_SOURCE = "Simulated by Disagreement Atlas (precompute/demo.py); no real annotators."
TASKS = [
    TaskSpec("demo-offensive", "demo", "Offensive comment (binary, simulated)", ["0", "1"],
             "nominal", ["not offensive", "offensive"],
             "Is this social media comment offensive? Simulated panels of 3–100 annotators.",
             _DEMO_SOURCE, "CC0-1.0", "Disagreement Atlas demo", "Label the comment as offensive "
             "if a reasonable reader could feel insulted or attacked by it."),
    TaskSpec("demo-nli", "demo", "Natural language inference (3-way, simulated)",
             ["entailment", "neutral", "contradiction"], "nominal", None,
             "Does the premise entail, contradict or say nothing about the hypothesis?",
             _DEMO_SOURCE, "CC0-1.0", "Disagreement Atlas demo",
             "Decide whether the hypothesis follows from the premise."),
    TaskSpec("demo-offensiveness-scale", "demo", "Offensiveness 1–5 (ordinal, simulated)",
             ["1", "2", "3", "4", "5"], "ordinal",
             ["1 not at all", "2 slightly", "3 moderately", "4 very", "5 extremely"],
             "How offensive is this reply, from 1 (not at all) to 5 (extremely)?",
             _DEMO_SOURCE, "CC0-1.0", "Disagreement Atlas demo", "Rate how offensive the reply is."),
    TaskSpec("demo-sarcasm", "demo", "Sarcasm 1–6 (ordinal, simulated)",
             ["1", "2", "3", "4", "5", "6"], "ordinal", None,
             "How sarcastic is the response in its context, from 1 (not at all) to 6 (completely)?",
             _DEMO_SOURCE, "CC0-1.0", "Disagreement Atlas demo", "Rate how sarcastic the response is."),
]


def _latent_human(rng: np.random.Generator, n: int, k: int, ordinal: bool) -> np.ndarray:
    ambiguity = rng.beta(0.9, 1.1, size=n)
    centre = rng.integers(k, size=n)
    out = np.empty((n, k))
    for i in range(n):
        if ordinal:
            spread = 0.25 + 2.6 * ambiguity[i]
            w = np.exp(-0.5 * ((np.arange(k) - centre[i]) / spread) ** 2)
        else:
            w = rng.dirichlet(np.ones(k)) * ambiguity[i] * 1.6
            w[centre[i]] += 1.0 - ambiguity[i] * 0.6
        out[i] = w / w.sum()
    return out


def demo_human(seed: int) -> list[HumanData]:
    out, pool = [], annotator_pool(seed)
    for t_index, task in enumerate(TASKS):
        rng = np.random.default_rng([seed, 1000 + t_index])
        k = len(task.labels)
        latent = _latent_human(rng, N_ITEMS, k, task.scale == "ordinal")
        panels = rng.choice(PANEL_SIZES, size=N_ITEMS, p=PANEL_WEIGHTS)
        counts = np.stack([rng.multinomial(n, p) for n, p in zip(panels, latent)])
        texts, contexts = _texts(task.task_id, rng)
        items = pd.DataFrame({
            "item_id": [f"{task.task_id}-{i:04d}" for i in range(N_ITEMS)], "text": texts,
            "context": [to_json(c) for c in contexts],
            "metadata": [to_json({"panel_size": int(n), "split": "demo"}) for n in panels]})
        if task.task_id in LEANINGS:  # simulated people with simulated demographics (demo_annotators)
            ratings = assign_ratings(task.task_id, items["item_id"], counts, pool, task.labels, seed, t_index)
            out.append(HumanData(task, items, counts, ratings, pool[["annotator_id", "dataset", "demographics"]],
                                 notes=[f"simulated annotator panels from a pool of {POOL_SIZE} simulated "
                                        "annotators with simulated demographics"]))
        else:  # label counts only, as a source without annotator ids
            out.append(HumanData(task, items, counts, notes=["simulated annotator panels (label counts only)"]))
    return out


def _texts(task_id: str, rng: np.random.Generator) -> tuple[list[str], list[dict | None]]:
    if task_id == "demo-nli":
        pairs = demo_texts.nli_items(rng, N_ITEMS)
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if task_id == "demo-sarcasm":
        pairs = demo_texts.sarcasm_items(rng, N_ITEMS)
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if task_id == "demo-offensive":
        return demo_texts.toxicity_texts(rng, N_ITEMS), [None] * N_ITEMS
    return demo_texts.offensiveness_texts(rng, N_ITEMS), [None] * N_ITEMS


def _m(mid, name, training, size, family, pair, sharpen, noise, bias=0.0, cot=1.0) -> SimModel:
    return SimModel(mid, f"{name} (simulated)", training, size, family, pair, sharpen, noise, bias, cot)


CHAT_8B = _m("sim-chat-8b", "Sim-Chat-8B", "rlhf", 8, "sim-llama", "sim-8b", 1.3, 25, 0.2, 0.8)
R1_8B = _m("sim-r1-distill-8b", "Sim-R1-Distill-8B", "rlvr", 8, "sim-llama", "sim-8b", 2.6, 20, 0.1)
INSTRUCT_14B = _m("sim-instruct-14b", "Sim-Instruct-14B", "rlhf", 14, "sim-qwen", "sim-14b", 1.2, 35, 0.0, 0.8)
R1_14B = _m("sim-r1-distill-14b", "Sim-R1-Distill-14B", "rlvr", 14, "sim-qwen", "sim-14b", 2.4, 30)
CHAT_70B = _m("sim-chat-70b", "Sim-Chat-70B", "rlhf", 70, "sim-llama", "sim-70b", 1.1, 60, 0.0, 0.85)
R1_70B = _m("sim-r1-distill-70b", "Sim-R1-Distill-70B", "rlvr", 70, "sim-llama", "sim-70b", 2.0, 50)
HYBRID_32B = _m("sim-hybrid-32b", "Sim-Hybrid-32B", "rlvr", 32, "sim-qwen", None, 1.6, 40)
BASE_8B = _m("sim-base-8b", "Sim-Base-8B", "base", 8, "sim-llama", None, 0.6, 6, 0.4)

RUNS = [
    SimRun(CHAT_8B, "verbalized"), SimRun(CHAT_8B, "verbalized", "cot"),
    SimRun(R1_8B, "verbalized", "native"), SimRun(CHAT_8B, "logprob"),
    SimRun(INSTRUCT_14B, "verbalized", steering="few"), SimRun(INSTRUCT_14B, "verbalized", "cot", "few"),
    SimRun(R1_14B, "verbalized", "native", "few"), SimRun(INSTRUCT_14B, "sampling"),
    SimRun(R1_14B, "sampling", "native"), SimRun(INSTRUCT_14B, "logprob", steering="few"),
    SimRun(CHAT_70B, "verbalized"), SimRun(CHAT_70B, "sampling", "cot"),
    SimRun(R1_70B, "verbalized", "native"), SimRun(R1_70B, "sampling", "native"),
    SimRun(HYBRID_32B, "verbalized", "native"), SimRun(HYBRID_32B, "verbalized", "none"),
    SimRun(BASE_8B, "logprob"),
]


def demo_study(seed: int = 0) -> Study:
    human = demo_human(seed)
    runs = [with_persona_predictions(simulated_run_data(human, sim, seed, CREATED_AT), human, seed) for sim in RUNS]
    return Study(name="Disagreement Atlas demo (simulated)", human=human, runs=runs, seed=seed,
                 simulated=True, config_text=f"demo seed={seed} items={N_ITEMS} runs={len(RUNS)}")
