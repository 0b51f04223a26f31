"""Metric registry and the vectorised per-item computations.

Each metric is declared once (name, label, description, direction, level, exact
definition). Per-item metrics are computed at build time with numpy over whole
arrays (human H and model M, shape n_items x K, rows summing to 1) and stored in
`item_metrics`; aggregate metrics are computed per slice at query time from the
helper columns stored beside them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from data_layer.registry import Registry

Direction = Literal["lower", "higher", "zero"]  # "zero": closer to 0 is better
Level = Literal["item", "aggregate"]

KL_EPS = 1e-6  # model smoothing for kl: m' = (m + eps) / (1 + K*eps)
CE_CLIP = 1e-12  # model clipping for ce: -sum h log max(m, clip)


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    direction: Direction
    level: Level
    definition: str
    unit: str = ""
    applies_to: str = "all tasks"
    citation: str = ""

    @property
    def direction_text(self) -> str:
        return {"lower": "lower is better", "higher": "higher is better",
                "zero": "closer to 0 is better"}[self.direction]

    @property
    def axis_title(self) -> str:
        return f"{self.label} ({self.direction_text})"


METRICS: Registry[Metric] = Registry("metric")

METRICS.register(Metric(
    "tvd", "Total variation distance",
    "Half the summed absolute difference between the human and model label shares. "
    "For binary tasks it equals Ni et al.'s DistAlign |p - p̂|.",
    "lower", "item", "tvd = ½ Σ_k |h_k − m_k|, in [0, 1]", citation="Ni et al. 2026 (DistAlign)"))
METRICS.register(Metric(
    "l1", "Manhattan distance",
    "Summed absolute difference between the human and model label shares (LeWiDi 2025).",
    "lower", "item", "l1 = Σ_k |h_k − m_k|, in [0, 2]", citation="LeWiDi 2025"))
METRICS.register(Metric(
    "jsd", "Jensen–Shannon divergence",
    "Symmetric divergence between the human and model distributions, in bits.",
    "lower", "item", "jsd = ½ KL₂(h‖a) + ½ KL₂(m‖a), a = (h+m)/2, log base 2, in [0, 1]", unit="bits"))
METRICS.register(Metric(
    "js_distance", "Jensen–Shannon distance",
    "Square root of the JS divergence (a true metric; what scipy's jensenshannon returns with base 2).",
    "lower", "item", "js_distance = √jsd, in [0, 1]"))
METRICS.register(Metric(
    "kl", "KL divergence (human‖model)",
    f"Information lost when the model distribution stands in for the human one. The model is smoothed "
    f"with ε={KL_EPS:g} and renormalised so a zero model share gives a large but finite value.",
    "lower", "item", f"kl = Σ_k h_k ln(h_k / m'_k), m' = (m + ε)/(1 + Kε), ε = {KL_EPS:g}, 0·ln 0 = 0",
    unit="nats"))
METRICS.register(Metric(
    "ce", "Soft cross-entropy",
    "Cross-entropy of the model distribution against the human soft label (LeWiDi 2023).",
    "lower", "item", f"ce = −Σ_k h_k ln max(m_k, {CE_CLIP:g})", unit="nats", citation="LeWiDi 2023"))
METRICS.register(Metric(
    "wasserstein", "Wasserstein distance (ordinal)",
    "Earth mover's distance between the distributions along the ordered label scale, in label steps. "
    "Only defined for ordinal tasks (NULL for nominal ones).",
    "lower", "item", "wasserstein = Σ_{k<K} |CDF_h(k) − CDF_m(k)|", unit="label steps",
    applies_to="ordinal tasks", citation="LeWiDi 2025"))
METRICS.register(Metric(
    "entropy_gap", "Entropy gap (model − human)",
    "How much more (positive) or less (negative) spread the model predicts than humans show. "
    "Negative values mean an over-confident, collapsed prediction.",
    "zero", "item", "entropy_gap = H(m) − H(h), H(p) = −Σ p_k ln p_k", unit="nats"))
METRICS.register(Metric(
    "majority_match", "Majority match",
    "Whether the model's most likely label is the human majority label. NULL when the human "
    "majority is tied; a tie in the model is resolved to the first label in scale order.",
    "higher", "item", "majority_match = 1[argmax m = argmax h], NULL if argmax h is tied"))
PER_UNIT = ("Computed within each run × task (never pooling runs, or tasks with different labels), "
            "then averaged over those units weighted by their item counts; a unit where it is "
            "undefined (fewer than 3 items for a correlation, a constant input, no positive label "
            "for F1) is left out and counted.")
METRICS.register(Metric(
    "var_corr", "Variance correlation",
    "Pearson correlation across items between human and model Gini impurity. On binary tasks this "
    "is exactly Ni et al.'s VarCorr (Pearson r of p(1−p) and p̂(1−p̂)). " + PER_UNIT,
    "higher", "aggregate", "var_corr = Σ_u n_u · pearson_r(1 − Σ h_k², 1 − Σ m_k²)_u / Σ_u n_u over the "
    "run × task units u of the slice (n_u = items of u)",
    citation="Ni et al. 2026 (VarCorr)"))
METRICS.register(Metric(
    "entropy_spearman", "Entropy rank correlation",
    "Spearman rank correlation across items between human and model entropy: does the model know "
    "which items people disagree on? Ties get average ranks. " + PER_UNIT,
    "higher", "aggregate", "entropy_spearman = Σ_u n_u · spearman_rho(H(h), H(m))_u / Σ_u n_u over the "
    "run × task units u of the slice"))
METRICS.register(Metric(
    "f1", "Majority F1",
    "Binary tasks: F1 of the positive (second) label for 1{p>0.5} vs 1{p̂>0.5}, items where either "
    "equals 0.5 dropped (as Ni et al.). Multi-class: macro-F1 of the model argmax against the human "
    "majority, tied human majorities dropped. " + PER_UNIT,
    "higher", "aggregate", "f1 = Σ_u n_u · F1_u / Σ_u n_u over the run × task units u; binary task: "
    "F1_u = F1(1[h₂ > .5], 1[m₂ > .5]); multi-class: macro-F1(argmax h, argmax m)",
    citation="Ni et al. 2026 (F1)"))

ITEM_METRICS = [m.name for m in METRICS if m.level == "item"]


# ---------------------------------------------------------------- computations
def _entropy(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=1)


def entropy_nats(p: np.ndarray) -> np.ndarray:
    return _entropy(np.asarray(p, dtype=float))


def gini(p: np.ndarray) -> np.ndarray:
    return 1.0 - np.square(p).sum(axis=1)


def majority_index(p: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """argmax per row, -1 where the maximum is shared by two or more labels."""
    top = p.max(axis=1, keepdims=True)
    tied = (np.abs(p - top) <= tol).sum(axis=1) > 1
    return np.where(tied, -1, p.argmax(axis=1))


def _xlogx_terms(p: np.ndarray) -> np.ndarray:
    """p·ln p elementwise with 0·ln 0 = 0 (one log pass, reused by several metrics)."""
    out = np.zeros_like(p)
    np.log(p, out=out, where=p > 0)
    return out * p


def compute_item_metrics(h: np.ndarray, m: np.ndarray, ordinal: bool) -> dict[str, np.ndarray]:
    """All per-item metrics for aligned rows of human shares h and model shares m.

    Written for throughput (millions of rows at build time): each log is taken once and
    JSD uses the identity JSD = H((h+m)/2) − (H(h) + H(m))/2."""
    h = np.asarray(h, dtype=float)
    m = np.asarray(m, dtype=float)
    if h.shape != m.shape or h.ndim != 2:
        raise ValueError(f"human and model arrays must have the same 2-D shape, got {h.shape} and {m.shape}")
    k = h.shape[1]
    diff = np.abs(h - m).sum(axis=1)
    h_ent = -_xlogx_terms(h).sum(axis=1)
    m_ent = -_xlogx_terms(m).sum(axis=1)
    a_ent = -_xlogx_terms((h + m) / 2).sum(axis=1)
    jsd = np.clip((a_ent - (h_ent + m_ent) / 2) / np.log(2), 0.0, 1.0)
    kl = np.maximum(-h_ent - (h * np.log((m + KL_EPS) / (1 + k * KL_EPS))).sum(axis=1), 0.0)
    ce = -(h * np.log(np.maximum(m, CE_CLIP))).sum(axis=1)
    if ordinal:
        wass = np.abs(np.cumsum(h - m, axis=1))[:, :-1].sum(axis=1)
    else:
        wass = np.full(len(h), np.nan)
    hmaj = majority_index(h)
    match = np.where(hmaj < 0, np.nan, (m.argmax(axis=1) == hmaj).astype(float))
    return {
        "tvd": diff / 2, "l1": diff, "jsd": jsd, "js_distance": np.sqrt(jsd), "kl": kl, "ce": ce,
        "wasserstein": wass, "entropy_gap": m_ent - h_ent, "majority_match": match,
    }


def model_helper_columns(m: np.ndarray) -> dict[str, np.ndarray]:
    """Columns stored beside the metrics so aggregate metrics can be computed in SQL."""
    m = np.asarray(m, dtype=float)
    pos = m[:, 1] if m.shape[1] == 2 else np.full(len(m), np.nan)
    return {"model_entropy": _entropy(m), "model_gini": gini(m),
            "model_argmax": m.argmax(axis=1), "model_pos": pos}


