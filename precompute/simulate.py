"""Simulated models: explicit, documented parameters turn a human distribution into a
model distribution, plus per-sample outputs and short reasoning texts (each ending on the answer it comes with).

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


def _dirichlet(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise Dirichlet draws, vectorised through normalised gamma variates."""
    g = rng.standard_gamma(alpha)
    return g / np.maximum(g.sum(axis=1, keepdims=True), 1e-300)


def latent(h: np.ndarray, sim: SimRun, rng: np.random.Generator) -> np.ndarray:
    m = sim.model
    s = m.sharpen * (m.cot_sharpen if sim.reasoning == "cot" else 1.0)
    kappa = m.noise * (2.0 if sim.steering == "few" else 1.0)
    k = h.shape[1]
    logits = s * np.log(h + 0.02) + m.bias * (np.arange(k) / (k - 1))
    base = np.exp(logits - logits.max(axis=1, keepdims=True))
    base /= base.sum(axis=1, keepdims=True)
    return _dirichlet(kappa * base + 0.01, rng)


# Simulated reasoning: each trace weighs the answer it ends on against one alternative and states
# that answer last ("My answer: X."), so a trace never argues for one label and answers another.
# The phrasing rotates with the sample index, so the samples of one item read differently.
_RLVR_TRACES = [
    "Let me think. The key cue points to {answer}. Could it be {other}? Checking again... No, {answer} fits best.",
    "First impression: {other}. But re-reading the wording, the stronger signal is {answer}. Verified.",
    "Weighing {other} against {answer}: the tone settles it. {answer} is the better fit.",
    "Step by step: the literal content suggests {other}; the intent suggests {answer}. Intent wins here.",
    "Hmm, {answer} or {other}? Checking each part once more... {answer} is consistent with all of it.",
]
_RLHF_TRACES = [
    "Readers could see this as {answer}, though some would reasonably say {other}. On balance I lean to {answer}.",
    "Some annotators would pick {other}, but I think more would pick {answer}.",
    "This one is open to interpretation: {other} is plausible, {answer} slightly more so.",
    "Taking the context into account, {answer} seems the most common reading; {other} is a fair minority view.",
]
_UNDECIDED = "I keep going back and forth between {answer} and {other} and cannot settle on one."


def _trace(sim: SimRun, answer: str, other: str, turn: int, decided: bool = True) -> str | None:
    """One simulated reasoning trace ending on `answer` (None for a run without reasoning)."""
    if sim.reasoning == "none":
        return None
    if not decided:  # an unparseable sample: the trace names no final answer either
        return _UNDECIDED.format(answer=answer, other=other)
    forms = _RLVR_TRACES if sim.model.training == "rlvr" else _RLHF_TRACES
    return forms[turn % len(forms)].format(answer=answer, other=other) + f" My answer: {answer}."


def _alternative(p: np.ndarray, answer: int, rng: np.random.Generator) -> int:
    """A label other than `answer` to weigh against it, likelier when the model gives it more mass."""
    w = np.where(np.arange(len(p)) == answer, 0.0, p + 1e-6)
    return int(rng.choice(len(p), p=w / w.sum()))


def _traces(out: Simulated, gens: pd.DataFrame, names: list[str], sim: SimRun) -> list[str | None]:
    """Per generation row: sampling traces end on that sample's drawn answer, one-shot methods'
    traces on the label the stored distribution ranks first. A generator of its own (seeded by
    the run) so that the texts never change the simulated numbers."""
    if sim.reasoning == "none":
        return [None] * len(gens)
    rng = np.random.default_rng([_stable(sim.run_id), 7])
    rows, turns = gens["row"].to_numpy(), gens["sample_idx"].to_numpy()
    if out.draws is not None:
        answers, decided = out.draws.ravel(), ~out.failed.ravel()
    else:
        answers, decided = out.probs.argmax(axis=1)[rows], np.ones(len(rows), dtype=bool)
    start = rng.integers(1000, size=len(out.probs))  # each item starts the rotation somewhere else
    return [_trace(sim, names[a], names[_alternative(out.latent[r], a, rng)], start[r] + t, d)
            for r, a, t, d in zip(rows, answers, turns, decided, strict=True)]


@dataclass
class Simulated:
    """What a simulated run produced for one task (arrays aligned with the task's items)."""
    latent: np.ndarray
    probs: np.ndarray
    n_valid: np.ndarray
    n_failed: np.ndarray
    covered: np.ndarray | None = None
    draws: np.ndarray | None = None  # sampling: label index per sample
    failed: np.ndarray | None = None  # sampling: unparseable sample mask


def simulate_arrays(h: np.ndarray, sim: SimRun, rng: np.random.Generator) -> Simulated:
    m = latent(h, sim, rng)
    n, k = m.shape
    ones, zeros = np.ones(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    if sim.method == "verbalized":
        stated = np.round(m / 0.05) * 0.05
        empty = stated.sum(axis=1) == 0
        stated[empty, m[empty].argmax(axis=1)] = 1.0
        return Simulated(m, stated / stated.sum(axis=1, keepdims=True), ones, zeros)
    if sim.method == "sampling":
        cdf = np.cumsum(m, axis=1)
        u = rng.random((n, sim.n_samples)) * cdf[:, -1:]
        draws = (u[:, :, None] > cdf[:, None, :]).sum(axis=2)  # inverse-CDF sampling, all rows at once
        failed = rng.random(draws.shape) < sim.fail_rate
        counts = np.stack([((draws == j) & ~failed).sum(axis=1) for j in range(k)], axis=1).astype(float)
        valid = counts.sum(axis=1)
        # all samples failed: keep the latent distribution, flagged by n_valid = 0
        probs = np.where(valid[:, None] > 0, counts / np.maximum(valid, 1)[:, None], m)
        return Simulated(m, probs, valid.astype(np.int32), (sim.n_samples - valid).astype(np.int32),
                         draws=draws, failed=failed)
    logits = 1.5 * np.log(np.maximum(m, 1e-9))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return Simulated(m, p / p.sum(axis=1, keepdims=True), ones, zeros,
                     covered=rng.uniform(0.85, 0.999, size=n))


def simulate_run(hd: HumanData, sim: SimRun, rng: np.random.Generator,
                 with_generations: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(dists, generations) for one task."""
    counts = np.asarray(hd.counts, dtype=float)
    out = simulate_arrays(counts / counts.sum(axis=1, keepdims=True), sim, rng)
    ids = hd.items["item_id"].astype(str).to_numpy()
    dists = pd.DataFrame({"task_id": hd.task.task_id, "item_id": ids, "probs": list(out.probs),
                          "n_valid": out.n_valid, "n_failed": out.n_failed})
    if out.covered is not None:
        dists["covered_mass"] = out.covered
    if not with_generations:
        return dists, None
    names = hd.task.label_names
    gens = {"verbalized": _verbalized_rows, "sampling": _sampling_rows,
            "logprob": _logprob_rows}[sim.method](out, names, sim)
    gens["reasoning_text"] = _traces(out, gens, names, sim)
    gens["item_id"] = ids[gens.pop("row").to_numpy()]
    gens["task_id"] = hd.task.task_id
    return dists, gens


def _verbalized_rows(out: Simulated, names, sim) -> pd.DataFrame:
    return pd.DataFrame({
        "row": np.arange(len(out.probs)), "sample_idx": 0,
        "output_text": [json.dumps({n: round(float(v), 2) for n, v in zip(names, row)}) for row in out.probs],
        "parsed": [json.dumps([round(float(v), 4) for v in row]) for row in out.probs],
        "finish_reason": "stop", "prompt_tokens": 180, "completion_tokens": 12 + 4 * len(names)})


def _sampling_rows(out: Simulated, names, sim) -> pd.DataFrame:
    n, s = out.draws.shape
    bad = out.failed.ravel()
    labels = np.array(names, dtype=object)[out.draws.ravel()]
    return pd.DataFrame({
        "row": np.repeat(np.arange(n), s), "sample_idx": np.tile(np.arange(s), n),
        "output_text": np.where(bad, "I'm not able to pick one.", "Answer: " + labels.astype(str)),
        "parsed": np.where(bad, None, [json.dumps(v) for v in labels]),
        "finish_reason": "stop", "prompt_tokens": 150, "completion_tokens": 6,
        "error": np.where(bad, "unparseable answer", None)})


def _logprob_rows(out: Simulated, names, sim) -> pd.DataFrame:
    p, covered = out.probs, out.covered
    return pd.DataFrame({
        "row": np.arange(len(p)), "sample_idx": 0,
        "output_text": [LETTERS[int(row.argmax())] for row in p],
        "parsed": [json.dumps({LETTERS[j]: round(float(np.log(v * c)), 4) for j, v in enumerate(row)})
                   for row, c in zip(p, covered)],
        "finish_reason": "length", "prompt_tokens": 170, "completion_tokens": 1})


def simulated_run_data(human: list[HumanData], sim: SimRun, seed: int, created_at: str,
                       with_generations: bool = True) -> RunData:
    dists, gens = [], []
    for t_index, hd in enumerate(human):
        rng = np.random.default_rng([seed, t_index, _stable(sim.run_id)])
        d, g = simulate_run(hd, sim, rng, with_generations)
        dists.append(d)
        gens.append(g)
    run = RunSpec(run_id=sim.run_id, model_id=sim.model.model_id, method=sim.method,
                  reasoning=sim.reasoning, steering=sim.steering, source="simulated",
                  temperature=1.0 if sim.method == "sampling" else 0.0,
                  n_samples=sim.n_samples if sim.method == "sampling" else 1,
                  prompt_id="simulated", created_at=created_at,
                  settings={"fail_rate": sim.fail_rate} if sim.method == "sampling" else None)
    return RunData(sim.model.spec(), run, pd.concat(dists, ignore_index=True),
                   pd.concat(gens, ignore_index=True) if with_generations else None)


def _stable(text: str) -> int:
    """A hash that does not change between processes (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
