"""What the Item page puts first: the runs that brought the user to the item (the RLVR–RLHF pair
the Items list ranks by, or the runs picked in the URL), their gap on this item under every
per-item metric, their sampled answers counted per label, and every run's distance to the humans.
These work on the frames the Item page already loaded (item.model_dists, item.generations,
items.pair_choices), so they add no query."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from data_layer.facets import METHOD_LABELS, STEERING_LABELS
from data_layer.metrics import ITEM_METRICS, METRICS
from data_layer.queries.item_order import ItemOrder
from data_layer.store import Result

PICKED_KEY = "runs"  # Item-page URL key: run ids the user picked to compare, comma-separated
MAX_PICKED = 4  # more series than this make the compact chart unreadable again
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # logprob answers name labels by letter, in scale order
NO_ANSWER = "no parsable answer"


@dataclass(frozen=True)
class Focus:
    """The runs shown first and why. `runs`: run ids in display order (RLVR first for a pair);
    `rlvr`/`rlhf`: set when the focus is a sibling pair (the gap is then defined); `source`:
    'pair' (from the URL), 'default pair', 'picked' (the `runs` URL key) or 'spread' (no pair
    scored the item: the closest and farthest run); `sentence`: what is shown, for the reader."""
    runs: tuple[str, ...]
    source: str
    sentence: str
    rlvr: str | None = None
    rlhf: str | None = None

    @property
    def is_pair(self) -> bool:
        return bool(self.rlvr and self.rlhf)

    def to_params(self) -> dict[str, str]:
        """The URL keys that reproduce this focus on another item (picked runs only: a pair
        travels in the order's `pair` key)."""
        return {PICKED_KEY: ",".join(self.runs)} if self.source == "picked" else {}


def run_label(row) -> str:
    """A run as researchers name it: model · type · method · steering."""
    return (f"{row['display_name']} · {row['model_type']} · {METHOD_LABELS.get(row['method'], row['method'])}"
            f" · {STEERING_LABELS.get(row['steering'], row['steering'])}")


def picked_runs(value: str | None) -> tuple[str, ...]:
    """Run ids from the `runs` URL value, in order, without repeats, at most MAX_PICKED."""
    runs = [r.strip() for r in (value or "").split(",") if r.strip()]
    return tuple(dict.fromkeys(runs))[:MAX_PICKED]


def choose_focus(models: pd.DataFrame, order: ItemOrder, picked: tuple[str, ...],
                 pairs: pd.DataFrame | None, metric: str) -> Focus:
    """The runs to show first, among those that scored the item (`models`, item.model_dists):
    the runs picked in the URL; else the URL's pair; else the slice's first sibling pair that
    scored the item (the Items page's default pair); else its closest and farthest run."""
    here = set(models["run_id"])
    names = dict(zip(models["run_id"], (run_label(r) for _, r in models.iterrows()), strict=True))
    chosen = tuple(r for r in picked if r in here)
    if chosen:
        missing = len(picked) - len(chosen)
        kinds = dict(zip(models["run_id"], models["training"].str.removeprefix("simulated-"), strict=True))
        sides = {kinds[r]: r for r in chosen}  # one RLVR and one RLHF run picked: their gap is defined
        pair = (sides.get("rlvr"), sides.get("rlhf")) if len(chosen) == 2 and set(sides) == {"rlvr", "rlhf"} \
            else (None, None)
        return Focus(chosen, "picked", "The runs picked for this view" + (
            f" ({missing} picked run{'s' * (missing > 1)} did not score this item in this slice)"
            if missing else "") + ".", *pair)
    if order.rlvr in here and order.rlhf in here:
        return Focus((order.rlvr, order.rlhf), "pair", "The RLVR–RLHF pair whose gap orders the Items list: "
                     f"{names[order.rlvr]} vs {names[order.rlhf]}.", order.rlvr, order.rlhf)
    for a, b in ([] if pairs is None else zip(pairs["rlvr_run"], pairs["rlhf_run"], strict=True)):
        if a in here and b in here:
            why = ("The link's pair did not score this item; shown instead" if order.rlvr or order.rlhf
                   else "No pair in the link; shown")
            return Focus((a, b), "default pair", f"{why}: the slice's first RLVR–RLHF sibling pair that "
                         f"scored this item, {names[a]} vs {names[b]}.", a, b)
    ranked = runs_by_distance(models, metric)
    ends = tuple(dict.fromkeys([ranked["run_id"].iloc[0], ranked["run_id"].iloc[-1]]))
    return Focus(ends, "spread", "No RLVR model and its RLHF sibling both scored this item in this slice; "
                 f"shown: the run closest to the humans and the farthest, by {METRICS.get(metric).label}.")


def _closer(rlvr: float, rlhf: float, direction: str) -> str:
    a, b = (abs(rlvr), abs(rlhf)) if direction == "zero" else (rlvr, rlhf)
    if a == b:
        return "tie"
    return "RLVR" if (a > b) == (direction == "higher") else "RLHF"


GAP_MEANS = {"lower": "positive: the RLVR run is further from the humans",
             "higher": "positive: the RLVR run is better",
             "zero": "compare each side's distance from 0 (the Better column says which is closer to 0)"}


def pair_gaps(models: pd.DataFrame, focus: Focus, first: str) -> Result:
    """One row per per-item metric (the slice's metric `first`): metric name, label, direction,
    rlvr and rlhf values, gap = RLVR − RLHF (the Items list's gap column), `better` (RLVR, RLHF,
    tie; None where the metric is undefined on this item) and what a positive gap means."""
    if not focus.is_pair:
        return Result(None, "The runs shown are not an RLVR model and its RLHF sibling, so there is no "
                            "pair gap; their metrics are in the table of all runs.")
    by_run = models.set_index("run_id")
    rows = []
    for name in sorted(ITEM_METRICS, key=lambda m: m != first):
        m = METRICS.get(name)
        v, f = (by_run.at[focus.rlvr, name], by_run.at[focus.rlhf, name])
        defined = not (pd.isna(v) or pd.isna(f))
        rows.append({"metric": name, "label": m.label, "direction": m.direction_text,
                     "rlvr": None if pd.isna(v) else float(v), "rlhf": None if pd.isna(f) else float(f),
                     "gap": float(v) - float(f) if defined else None,
                     "better": _closer(float(v), float(f), m.direction) if defined else None,
                     "means": GAP_MEANS[m.direction] if defined else "not defined on this item"})
    return Result(pd.DataFrame(rows))


def gap_sentence(gaps: pd.DataFrame, names: dict[str, str], focus: Focus) -> str:
    """The headline: the first metric's gap in words, with both values and its direction."""
    g = gaps.iloc[0]
    if g["gap"] is None or pd.isna(g["gap"]):
        return f"{g['label']} is not defined on this item, so the pair has no gap by it; see the other metrics below."
    verdict = ("both runs are equally close to the humans" if g["better"] == "tie" else
               f"the {g['better']} run, {names[focus.rlvr if g['better'] == 'RLVR' else focus.rlhf]}, "
               "is closer to the humans")
    return (f"Gap (RLVR − RLHF) by {g['label']} ({g['direction']}): {g['gap']:+.3f} "
            f"({g['rlvr']:.3f} vs {g['rlhf']:.3f}); on this item {verdict}.")


def runs_by_distance(models: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Every run that scored the item, best first by `metric` (a per-item metric; runs where it
    is undefined last): run_id, run, model_type, value, n_valid, probs."""
    m = METRICS.get(metric)
    out = models.assign(run=[run_label(r) for _, r in models.iterrows()], value=models[m.name].astype("float64"))
    key = out["value"].abs() if m.direction == "zero" else out["value"]
    out = out.assign(_k=key).sort_values("_k", ascending=m.direction != "higher", na_position="last", kind="stable")
    return out[["run_id", "run", "model_type", "value", "n_valid", "probs"]].reset_index(drop=True)


def _answer_label(parsed, names: list[str]) -> tuple[str | None, bool]:
    """(label name, whether it is the top label of a stated distribution rather than one answer)
    for one sample's stored `parsed` JSON, in any of the pipeline's shapes: {"label": index} or a
    label name (one sampled answer); {"probs": [...]} or a list of shares (verbalized); letters to
    log-probabilities (logprob). None when the sample has no parsable answer."""
    if not isinstance(parsed, str) or not parsed:
        return None, False
    try:
        value = json.loads(parsed)
    except ValueError:
        return None, False
    if isinstance(value, dict) and "label" in value:
        value = value["label"]
    if isinstance(value, int) and not isinstance(value, bool):
        return (names[value] if 0 <= value < len(names) else str(value)), False
    if isinstance(value, str):
        return value, False
    if isinstance(value, dict) and "probs" in value:
        value = value["probs"]
    if isinstance(value, dict):  # logprob: {"A": -0.1, "B": -2.3}
        value = {LETTERS.index(k): v for k, v in value.items() if k in LETTERS and LETTERS.index(k) < len(names)}
        value = [value.get(i, -math.inf) for i in range(len(names))]
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        top = max(range(len(value)), key=value.__getitem__)
        return (names[top] if top < len(names) else str(top)), True
    return None, False


def answer_counts(gens: pd.DataFrame, run_id: str, names: list[str]) -> Result:
    """One run's samples of the item counted per answer: label, k, n (all its samples) and `kind`
    ('answer', or 'top label' when the samples state distributions). Labels in scale order,
    then labels outside the scale, then the samples with no parsable answer (counted, not dropped)."""
    g = gens[gens["run_id"] == run_id]
    if not len(g):
        return Result(None, "No raw samples are stored for this run on this item (imported runs and "
                            "baselines have none).")
    got = [_answer_label(p, names) for p in g["parsed"]]
    counts = pd.Series([label if label is not None else NO_ANSWER for label, _ in got]).value_counts()
    order = [*names, *sorted(set(counts.index) - {*names, NO_ANSWER}), NO_ANSWER]
    kind = "top label" if any(top for _, top in got) else "answer"
    rows = [{"label": lab, "k": int(counts[lab]), "n": len(g), "kind": kind} for lab in order if lab in counts]
    return Result(pd.DataFrame(rows))
