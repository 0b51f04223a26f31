"""Annotator group registry: which demographic fields are groupable and how raw values become groups.

Each grouping attribute is declared once (name, label, description, the demographic field names it
is read from, how a raw value maps to a group). A dataset's attributes are the ones whose field
names appear in its annotators' demographics (matched case-insensitively, first alias wins), so a
user's own `long` or `label-lists` data with an annotators file gets the same groups as the named
adapters. The build (precompute/group_dists.py) records per dataset which field each attribute
was read from (`group_attributes`).

Values that say nothing about the person ("DATA_EXPIRED", "CONSENT_REVOKED", empty, "nan",
"prefer not to say") become the group `unknown`, shown as such and never merged into another group.
Groups with fewer than MIN_GROUP_ANNOTATORS annotators in a task, and item distributions of a group
with fewer than MIN_GROUP_RATINGS ratings, are stored and marked, never merged or hidden.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from data_layer.registry import Registry

UNKNOWN = "unknown"
UNKNOWN_VALUES = frozenset({"", "nan", "none", "null", "n/a", "na", "unknown", "data_expired",
                            "consent_revoked", "prefer not to say", "prefer not to disclose",
                            "prefer not to answer", "rather not say"})
MIN_GROUP_ANNOTATORS = 3  # fewer annotators in a task: the group is marked "few annotators"
MIN_GROUP_RATINGS = 2  # fewer ratings of a group on an item: that item's group distribution is "thin"
# Age in years -> band. Bands follow the usual survey brackets; a dataset that already gives
# brackets (POPQUORN: "18-24", ..., ">65") keeps its own, since re-cutting them would mix people.
AGE_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
_BRACKET = re.compile(r"^\s*(\d+\s*[-–]\s*\d+|[<>]=?\s*\d+|\d+\s*\+)\s*$")


class GroupValueError(ValueError):
    """A raw demographic value that cannot be mapped (e.g. an age that is neither a number nor a
    bracket); the build names the dataset, annotator and field."""


def is_unknown(raw) -> bool:
    """A value that says nothing about the person (UNKNOWN_VALUES, None, NaN); also what the
    annotator descriptions of elicitation prompts leave out (precompute/elicit/persona.py)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return True
    return str(raw).strip().lower() in UNKNOWN_VALUES


def category_group(raw) -> str:
    """The value as written (trimmed), or `unknown`."""
    return UNKNOWN if is_unknown(raw) else str(raw).strip()


def age_group(raw) -> str:
    """Years -> a band of AGE_BANDS ('65+' above); a bracket the source gives is kept; unknown
    values -> `unknown`; anything else raises GroupValueError."""
    if is_unknown(raw):
        return UNKNOWN
    text = str(raw).strip()
    try:
        years = float(text)
    except ValueError:
        if _BRACKET.match(text):
            return text.replace(" ", "")
        raise GroupValueError(f"age {text!r} is neither a number of years nor a bracket like 18-24") from None
    if years < AGE_BANDS[0][0]:
        return f"under {AGE_BANDS[0][0]}"
    for lo, hi in AGE_BANDS:
        if years < hi + 1:
            return f"{lo}-{hi}"
    return f"{AGE_BANDS[-1][1] + 1}+"


@dataclass(frozen=True)
class GroupAttribute:
    name: str
    label: str
    description: str
    fields: tuple[str, ...]  # demographic field names it is read from (case-insensitive, first found wins)
    to_group: Callable[[object], str] = category_group
    url_key: str = "groupby"

    def definition(self) -> str:
        return f"read from the demographic field {' / '.join(repr(f) for f in self.fields)}"


GROUP_ATTRIBUTES: Registry[GroupAttribute] = Registry("grouping attribute")
for _a in [
    GroupAttribute("gender", "Gender", "Self-reported gender as the dataset gives it (e.g. Woman / Man / "
                   "Non-binary in POPQUORN, Female / Male in LeWiDi 2025).", ("gender", "sex")),
    GroupAttribute("age", "Age band", "Age in years mapped to the bands 18-24, 25-34, 35-44, 45-54, 55-64 "
                   "and 65+; a dataset that only gives brackets (POPQUORN) keeps its own brackets.",
                   ("age",), age_group),
    GroupAttribute("race", "Race / ethnicity", "Self-reported race or ethnicity (POPQUORN race, MultiPICo "
                   "'Ethnicity simplified').", ("race", "ethnicity", "ethnicity simplified")),
    GroupAttribute("education", "Education", "Highest education level as the dataset gives it.",
                   ("education",)),
    GroupAttribute("occupation", "Occupation / employment", "Occupation (POPQUORN) or employment status "
                   "(MultiPICo).", ("occupation", "employment status", "employment")),
    GroupAttribute("country", "Country of residence", "Country the annotator lives in (MultiPICo).",
                   ("country of residence", "country")),
    GroupAttribute("nationality", "Nationality", "Nationality as the dataset gives it.", ("nationality",)),
    GroupAttribute("student", "Student status", "Whether the annotator is a student (MultiPICo).",
                   ("student status", "student")),
    GroupAttribute("annotator_group", "Annotator group (dataset's own)", "A group the dataset itself "
                   "assigns: HS-Brexit's target group (Muslim immigrants in the UK) vs control group, "
                   "ArMIS's Moderate_Female / Liberal_Female / Conservative_Male (one annotator each).",
                   ("group", "annotator group")),
]:
    GROUP_ATTRIBUTES.register(_a)


def attribute_fields(demographic_keys) -> dict[str, str]:
    """{attribute: the demographic key it is read from} for the keys a dataset's annotators have."""
    by_lower = {}
    for k in demographic_keys:
        by_lower.setdefault(str(k).strip().lower(), k)
    out = {}
    for a in GROUP_ATTRIBUTES:
        found = next((by_lower[f] for f in a.fields if f in by_lower), None)
        if found is not None:
            out[a.name] = found
    return out


@dataclass(frozen=True)
class GroupMeasure:
    """A measure of the Perspectives page, declared once for its glossary entry."""
    name: str
    label: str
    description: str
    definition: str
    direction: str
    citation: str = ""


GROUP_MEASURES: Registry[GroupMeasure] = Registry("group measure")

for _m in [
    GroupMeasure("group_distance", "Distance to a group", "How far a run's label distribution is from the "
                 "label distribution of one annotator group on the same items, in the slice's metric (any "
                 "item metric). The group the model sides with is the one it is closest to.",
                 f"mean over items i with ≥ {MIN_GROUP_RATINGS} ratings from group g of metric(h_g,i, m_i) (every "
                 f"item of a group with fewer than {MIN_GROUP_ANNOTATORS} annotators, marked); 95% bootstrap "
                 "interval over items (above 30,000 run × item rows the normal approximation over items)",
                 "lower is better (for distances)",
                 "Santurkar et al. 2023, Whose Opinions Do Language Models Reflect? (ICML)"),
    GroupMeasure("group_floor", "Leave-group-out floor", "How close a group is to everyone else: the same "
                 "metric between the group's distribution and the distribution of the other annotators of "
                 "each item. A model closer to group g than this is closer to g than the rest of the crowd is.",
                 "mean over the same items of metric(h_g,i, h_¬g,i), h_¬g = all ratings of item i not from g",
                 "reference line", "Pei & Jurgens 2023 (POPQUORN); Santurkar et al. 2023"),
    GroupMeasure("group_spread", "Group spread", "Distance to the farthest minus distance to the closest "
                 "group, over groups that are neither `unknown` nor marked few-annotator: 0 means the run is "
                 "equally close to every group.", "max_g d(g) − min_g d(g) over the well-sampled groups",
                 "lower means more even-handed", "Santurkar et al. 2023 (representativeness across groups)"),
    GroupMeasure("group_paired_difference", "Paired difference per group", "For sibling run pairs (RLVR vs "
                 "RLHF, thinking on vs off): per item, left minus right distance to the group; mean with 95% "
                 "bootstrap interval (above 30,000 run pair × item differences the normal approximation over "
                 "items), Wilcoxon signed-rank p, Holm-adjusted over the groups compared.",
                 "mean_i [d(left_i, g) − d(right_i, g)]; p_Holm over groups", "negative: left closer to g",
                 "Holm 1979; Wilcoxon 1945"),
    GroupMeasure("annotator_loo_agreement", "Agreement with the rest of the crowd", "Per annotator: the "
                 "share of the other annotators of each item who gave the same label, averaged over the "
                 "annotator's items (leave-one-out).", "mean_i (c_i[y_ai] − 1)/(n_i − 1) over items with n_i ≥ 2",
                 "higher is more typical", "Leonardelli et al. 2025 (LeWiDi 2025 task B, perspectivist)"),
    GroupMeasure("annotator_model_agreement", "Agreement with a model's majority", "Per annotator and run: "
                 "the share of the annotator's items where the run's most likely label is the annotator's "
                 "label (task B's per-annotator error rate is one minus this on categorical tasks).",
                 "mean_i 1[argmax m_i = y_ai]", "higher is better",
                 "Leonardelli et al. 2025 (LeWiDi 2025 task B error rate)"),
    GroupMeasure("annotator_prediction_error", "Per-annotator prediction error (task B)", "For a run that "
                 "predicts each annotator's own label (imported with kind = \"annotator_labels\", or elicited with "
                 "predict = \"annotators\"): on nominal "
                 "tasks the share of predicted labels that are not the annotator's (error rate); on ordinal ones "
                 "the distance between the predicted and the annotator's label over the number of scale points "
                 "(CSC 6, Paraphrase 11). Averaged over an item's predicted annotators, then over items.",
                 "mean_i mean_a 1[ŷ_ai ≠ y_ai]; ordinal: mean_i mean_a |pos(ŷ_ai) − pos(y_ai)| / k",
                 "lower is better", "Leonardelli et al. 2025 (LeWiDi 2025 task B: error rate and normalised "
                 "absolute distance, as in the official scorer)"),
    GroupMeasure("annotator_crowd_reference", "Crowd reference (task B)", "The same error for a prediction "
                 "that ignores who the annotator is: the most common label of the item's other annotators (ties: "
                 "the first label), or their lower median on ordinal tasks; a run that models individual "
                 "annotators should beat it.", "ŷ_ai = mode (ordinal: lower median) of the item's labels "
                 "without a's", "lower is better", "Leonardelli et al. 2025 (LeWiDi 2025 task B)"),
]:
    GROUP_MEASURES.register(_m)


def measure_help(name: str) -> str:
    """A group measure's tooltip: its description, definition and citation (registry text)."""
    m = GROUP_MEASURES.get(name)
    return f"{m.description} Definition: {m.definition}. ({m.citation})"
