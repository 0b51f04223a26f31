"""Simulated models: explicit, documented parameters turn a human distribution into a
model distribution, plus per-sample outputs and short reasoning texts.

For item i with observed human shares h (K labels), a simulated model with parameters
(sharpening s, noise κ, label bias b) predicts:

  1. logits_k = s · ln(h_k + 0.02) + b · (k / (K−1))     s > 1 sharpens towards the majority
     (collapse, over-confidence); s < 1 flattens. b > 0 leans towards later labels.
  2. m̃ = softmax(logits)
  3. m ~ Dirichlet(κ · m̃ + 0.01)                            per-item noise; larger κ = less noise
  4. the method turns m into what is stored:
     verbalized: shares rounded to 5% steps and renormalised (people and models state round numbers);
     sampling:   N answers drawn from m, each unparseable with probability `fail_rate` (counted in
                 n_failed, never dropped silently); the stored distribution is the parsed answers' shares;
     logprob:    softmax(1.5 · ln m) over the label letters (next-token probabilities are sharper than
                 stated shares), with a covered mass in [0.85, 1).
Run-level modifiers: prompted CoT multiplies s by `cot_sharpen` (a model parameter; < 1 means CoT
helps), few-shot steering multiplies κ by 2 (examples with human shares calibrate).

These are not findings: the demo's models are built to show what the dashboard can reveal.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from precompute.study import HumanData, ModelSpec, RunData, RunSpec

LETTERS = "ABCDEFGHIJKLMNOP"


@dataclass(frozen=True)
class SimModel:
    model_id: str
    display_name: str
    training: str  # rlvr | rlhf | base | ...
    params_b: float
    family: str
    pair_id: str | None
    sharpen: float
    noise: float  # Dirichlet concentration κ
    bias: float = 0.0
    cot_sharpen: float = 1.0

    def spec(self) -> ModelSpec:
        return ModelSpec(model_id=self.model_id, display_name=self.display_name,
                         training=self.training, family=self.family,
                         base_model=f"{self.family}-{self.params_b:g}B", pair_id=self.pair_id,
                         params_b=self.params_b, provider="simulated",
                         simulation={k: v for k, v in asdict(self).items()
                                     if k in ("sharpen", "noise", "bias", "cot_sharpen")})


@dataclass(frozen=True)
class SimRun:
    model: SimModel
    method: str  # verbalized | sampling | logprob
    reasoning: str = "none"
    steering: str = "zero"
    n_samples: int = 10
    fail_rate: float = 0.03

    @property
    def run_id(self) -> str:
        return f"{self.model.model_id}|{self.method}|{self.reasoning}|{self.steering}"


def latent(h: np.ndarray, sim: SimRun, rng: np.random.Generator) -> np.ndarray:
    m = sim.model
    s = m.sharpen * (m.cot_sharpen if sim.reasoning == "cot" else 1.0)
    kappa = m.noise * (2.0 if sim.steering == "few" else 1.0)
    k = h.shape[1]
    logits = s * np.log(h + 0.02) + m.bias * (np.arange(k) / (k - 1))
    base = np.exp(logits - logits.max(axis=1, keepdims=True))
    base /= base.sum(axis=1, keepdims=True)
    return np.stack([rng.dirichlet(kappa * row + 0.01) for row in base])


def _reasoning_text(sim: SimRun, names: list[str], p: np.ndarray) -> str | None:
    if sim.reasoning == "none":
        return None
    order = np.argsort(-p)
    top, second = names[order[0]], names[order[1]]
    if sim.model.training == "rlvr":
        return (f"Let me think. The key cue points to {top}. Could it be {second}? Checking again... "
                f"No, {top} is the correct answer.")
    return (f"Readers could see this as {top}, but some would reasonably say {second}. "
            f"I estimate most annotators pick {top}, with a sizeable minority for {second}.")


def simulate_run(hd: HumanData, sim: SimRun, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dists, generations) for one task."""
    counts = np.asarray(hd.counts, dtype=float)
    h = counts / counts.sum(axis=1, keepdims=True)
    m = latent(h, sim, rng)
    names = hd.task.label_names
    ids = hd.items["item_id"].astype(str).to_numpy()
    method = {"verbalized": _verbalized, "sampling": _sampling, "logprob": _logprob}[sim.method]
    dists, gens = method(m, names, sim, rng)
    dists.insert(0, "item_id", ids)
    dists.insert(0, "task_id", hd.task.task_id)
    gens["item_id"] = ids[gens.pop("row").to_numpy()]
    gens["task_id"] = hd.task.task_id
    gens["reasoning_text"] = [_reasoning_text(sim, names, m[i]) for i in
                              pd.Index(ids).get_indexer(gens["item_id"])]
    return dists, gens


def _verbalized(m, names, sim, rng):
    stated = np.round(m / 0.05) * 0.05
    empty = stated.sum(axis=1) == 0
    stated[empty, m[empty].argmax(axis=1)] = 1.0
    stated /= stated.sum(axis=1, keepdims=True)
    gens = pd.DataFrame({
        "row": np.arange(len(m)), "sample_idx": 0,
        "output_text": [json.dumps({n: round(float(v), 2) for n, v in zip(names, row)}) for row in stated],
        "parsed": [json.dumps([round(float(v), 4) for v in row]) for row in stated],
        "finish_reason": "stop", "prompt_tokens": 180, "completion_tokens": 12 + 4 * len(names)})
    return pd.DataFrame({"probs": list(stated), "n_valid": 1, "n_failed": 0}), gens


def _sampling(m, names, sim, rng):
    n, k = m.shape
    draws = np.stack([rng.choice(k, size=sim.n_samples, p=row) for row in m])
    failed = rng.random(draws.shape) < sim.fail_rate
    rows, probs = [], []
    for i in range(n):
        ok = draws[i][~failed[i]]
        c = np.bincount(ok, minlength=k).astype(float)
        probs.append(c / c.sum() if c.sum() else m[i])  # all samples failed: keep latent, flagged by n_valid=0
        for j in range(sim.n_samples):
            bad = bool(failed[i, j])
            rows.append({"row": i, "sample_idx": j,
                         "output_text": "I'm not able to pick one." if bad else f"Answer: {names[draws[i, j]]}",
                         "parsed": None if bad else json.dumps(names[draws[i, j]]),
                         "finish_reason": "stop", "prompt_tokens": 150, "completion_tokens": 6,
                         "error": "unparseable answer" if bad else None})
    valid = (~failed).sum(axis=1)
    return pd.DataFrame({"probs": probs, "n_valid": valid, "n_failed": sim.n_samples - valid}), pd.DataFrame(rows)


def _logprob(m, names, sim, rng):
    logits = 1.5 * np.log(np.maximum(m, 1e-9))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    covered = rng.uniform(0.85, 0.999, size=len(m))
    gens = pd.DataFrame({
        "row": np.arange(len(m)), "sample_idx": 0,
        "output_text": [LETTERS[int(row.argmax())] for row in p],
        "parsed": [json.dumps({LETTERS[j]: round(float(np.log(v * c)), 4) for j, v in enumerate(row)})
                   for row, c in zip(p, covered)],
        "finish_reason": "length", "prompt_tokens": 170, "completion_tokens": 1})
    return pd.DataFrame({"probs": list(p), "n_valid": 1, "n_failed": 0, "covered_mass": covered}), gens


def simulated_run_data(human: list[HumanData], sim: SimRun, seed: int, created_at: str) -> RunData:
    dists, gens = [], []
    for t_index, hd in enumerate(human):
        rng = np.random.default_rng([seed, t_index, _stable(sim.run_id)])
        d, g = simulate_run(hd, sim, rng)
        dists.append(d)
        gens.append(g)
    run = RunSpec(run_id=sim.run_id, model_id=sim.model.model_id, method=sim.method,
                  reasoning=sim.reasoning, steering=sim.steering, source="simulated",
                  temperature=1.0 if sim.method == "sampling" else 0.0,
                  n_samples=sim.n_samples if sim.method == "sampling" else 1,
                  prompt_id="simulated", created_at=created_at,
                  settings={"fail_rate": sim.fail_rate} if sim.method == "sampling" else None)
    return RunData(sim.model.spec(), run, pd.concat(dists, ignore_index=True),
                   pd.concat(gens, ignore_index=True))


def _stable(text: str) -> int:
    """A hash that does not change between processes (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
