"""Human names for the columns of the tables the pages show, declared once.

Query results keep short machine names (`model_type`, `n_runs`, `display_name_rlhf`): they are
what CSV downloads and code use. On screen every column has a researcher's name, looked up here
(metric columns take the metric registry's labels), and facet values such as reasoning modes take
the facet registry's labels. `column_label` never fails (a new column must not break a page), but
`is_named` tells the test which headers would fall back to a spelled-out machine name.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from data_layer.facets import METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, training_label
from data_layer.metrics import METRICS
from data_layer.registry import Registry


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    description: str = ""


COLUMNS: Registry[Column] = Registry("column")
for _name, _label in [
    ("model_type", "Model type"), ("band", "Band"), ("task_id", "Task"), ("task", "Task"),
    ("item_id", "Item"), ("lower", "Lower edge"), ("upper", "Upper edge"), ("n_items", "Items"),
    ("n_runs", "Runs"), ("n", "n"), ("mean", "Mean"), ("lo", "CI low"), ("hi", "CI high"),
    ("small_n", "Small n ⚠"), ("noise_floor", "Noise floor"), ("over", "Over-confident"),
    ("under", "Under-confident"), ("display_name", "Model"), ("model", "Model"),
    ("training", "Training"), ("reasoning", "Reasoning mode"), ("method", "Elicitation method"),
    ("steering", "Steering"), ("source", "Run source"), ("coverage", "Items predicted"),
    ("run_id", "Run id"), ("samples", "Samples"), ("failed", "No label"),
    ("failed_share", "Share without label"), ("truncated", "Cut off by max_tokens"),
    ("items_asked", "Items asked"), ("items_without_answer", "Items without a distribution"), ("run", "Run"), ("comparison", "Comparison"), ("left", "Left"),
    ("right", "Right"), ("diff", "Difference"), ("n_run_pairs", "Run pairs"), ("p", "Wilcoxon p"),
    ("p_holm", "p (Holm-adjusted)"), ("reading", "Reading"), ("subset", "Subset"), ("metric", "Metric"),
    ("direction", "Better is"), ("win_rate", "Win rate"), ("wins", "Wins"), ("ties", "Ties"),
    ("mean_diff", "Mean difference (left − right)"), ("better", "Better"), ("group_name", "Group"),
    ("n_annotators", "Annotators"), ("n_ratings", "Ratings"), ("n_items_thin", "Items with few ratings"),
    ("few_annotators", "Few annotators"), ("unknown", "Unknown value"), ("floor", "Noise floor"),
    ("floor_lo", "Noise floor CI low"), ("floor_hi", "Noise floor CI high"),
    ("beyond_floor", "Beyond the noise floor"), ("closest_group", "Closest group"),
    ("closest", "Closest value"), ("farthest_group", "Farthest group"), ("farthest", "Farthest value"),
    ("spread", "Spread"), ("n_groups", "Groups"), ("interval_method", "Interval method"),
    ("left_label", "Left"), ("right_label", "Right"), ("verdict", "Verdict"), ("dataset", "Dataset"),
    ("annotator_id", "Annotator"), ("loo_agreement", "Agreement with the other annotators"),
    ("demographics", "Demographics"), ("few_items", "Few items"), ("model_agreement", "Agreement with the model"),
    ("dist_expr", "Distribution"), ("model_pair", "Model pair"), ("value", "Value"),
    ("rlhf_model", "RLHF model"), ("rlvr_model", "RLVR model"), ("params_b", "Size (B params)"),
    ("label", "Label"), ("display name", "Display name"), ("package", "Package"), ("version", "Version"),
    ("failed_generations", "Failed generations"), ("failed_samples", "Failed samples"), ("items", "Items"),
    ("notes", "Notes"), ("task_items", "Items in the task"), ("valid_samples", "Valid samples"),
    ("crowd_probs", "Crowd distribution"), ("removed_by", "Removed by"), ("removed_at", "Removed at"),
    ("review", "Review"), ("statistic", "Statistic"), ("share", "Share"), ("count", "Count"),
    ("label_name", "Label name"), ("n_valid", "Valid answers"), ("n_failed", "Failed answers"),
    ("thin", "Few ratings"), ("link", "Link"),
]:
    COLUMNS.register(Column(_name, _label))

SIDES = {"rlhf": "RLHF", "rlvr": "RLVR"}
_ARROW = re.compile(r"^(\S+)( [↓↑]| →0)$")  # a metric column named with its direction arrow

# Facet values shown under their registry labels (the stored values stay in CSV downloads).
VALUE_LABELS: dict[str, Callable[[str], str]] = {
    "training": training_label, "reasoning": lambda v: REASONING_LABELS.get(v, v),
    "steering": lambda v: STEERING_LABELS.get(v, v), "method": lambda v: METHOD_LABELS.get(v, v),
}


def _known(name: str) -> str | None:
    if name in COLUMNS:
        return COLUMNS.get(name).label
    if name in METRICS:
        return METRICS.get(name).label
    if m := _ARROW.match(name):
        base = _known(m.group(1))
        return None if base is None else base + m.group(2)
    if name.startswith("n_") and name[2:] in METRICS:  # the n of one metric where it differs
        return f"n ({METRICS.get(name[2:]).label})"
    stem, _, side = name.rpartition("_")
    if side in SIDES and (base := _known(stem)):
        return f"{base} ({SIDES[side]})"
    return None


def is_named(name: str) -> bool:
    """True when the column has a declared human name (directly or by a rule above)."""
    return _known(str(name)) is not None


def column_label(name: str) -> str:
    """The column's human name; an undeclared one spelled out ('n_widgets' -> 'N widgets')."""
    name = str(name)
    known = _known(name)
    if known is not None:
        return known
    spelled = name.replace("_", " ").strip()
    return spelled[:1].upper() + spelled[1:]
