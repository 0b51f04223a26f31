"""The Overview's one-sentence answer, generated from the paired RLVR vs RLHF comparison.

Rules (thresholds), applied to the mean difference RLVR − RLHF sibling on the items both
scored, with its 95% percentile bootstrap interval over items (`data_layer.stats`):
- "worse" / "better" only when the whole interval lies on one side of zero, read through the
  metric's direction (lower-, higher- or closer-to-zero-is-better);
- otherwise "no clear difference";
- fewer than MIN_ITEMS items: no verdict, the sentence says there are too few items;
- metrics where closer to 0 is better (entropy gap): the signed difference is reported, no verdict;
- every sentence states n (items), the interval and, for per-item metrics, the Wilcoxon p.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from data_layer.metrics import METRICS
from data_layer.queries.large_n import METHOD_BOOTSTRAP
from data_layer.queries.paired import NO_INTERVAL_VERDICT, paired_comparison
from data_layer.slice import Slice
from data_layer.stats import CONFIDENCE, N_RESAMPLES
from data_layer.store import Store

MIN_ITEMS = 30
RULES = (f"How the sentence is decided: the difference is RLVR minus its RLHF sibling (same pair id, "
         f"same method and steering), on the items both scored: per item averaged over the matched run "
         f"pairs, or for metrics computed over a set of items the difference of the two sides' values. The {CONFIDENCE:.0%} interval is a percentile bootstrap over items "
         f"({N_RESAMPLES:,} resamples, fixed seed). \"Worse\" or \"better\" (read through the metric's "
         f"direction) only when the whole interval lies on one side of zero; otherwise \"no clear "
         f"difference\". Fewer than {MIN_ITEMS} items: no verdict. Metrics where closer to 0 is better "
         f"get the signed difference and no verdict. p: Wilcoxon signed-rank test over the per-item "
         f"differences (per-item metrics only).")


@dataclass(frozen=True)
class Verdict:
    word: str | None  # "worse", "better", "no clear difference", or None (no verdict possible)
    sentence: str
    diff: float | None = None
    lo: float | None = None
    hi: float | None = None
    n: int = 0
    n_run_pairs: int = 0
    p: float | None = None
    method: str = METHOD_BOOTSTRAP  # how lo, hi and p were computed (large slices: normal approximation)


def _fmt_p(p: float | None) -> str:
    if p is None:
        return ""
    return "; Wilcoxon p < 0.001" if p < 0.001 else f"; Wilcoxon p = {p:.3f}"


def word_for(lo: float, hi: float, direction: str) -> str:
    """'worse', 'better' or 'no clear difference' for an interval of RLVR − RLHF."""
    if lo <= 0 <= hi or direction == "zero":
        return "no clear difference"
    rlvr_higher = lo > 0
    return "better" if rlvr_higher == (direction == "higher") else "worse"


def sentence(metric: str, diff: float, lo: float, hi: float, n: int, n_run_pairs: int,
             p: float | None) -> Verdict:
    """The sentence for given numbers (pure: no store)."""
    m = METRICS.get(metric)
    stat = f"mean {m.label}" if m.level == "item" else m.label  # labels keep their capitals (Jensen–Shannon)
    ci = f"{CONFIDENCE:.0%} CI {lo:+.3f} to {hi:+.3f}"
    tail = (f"on {n:,} items both scored ({n_run_pairs} matched run pair{'s' * (n_run_pairs != 1)}"
            f"{_fmt_p(p)}).")
    if n < MIN_ITEMS:
        return Verdict(None, f"Too few items for a verdict: RLVR − RLHF {stat} is {diff:+.3f} ({ci}; "
                             f"{m.direction_text}), " + tail, diff, lo, hi, n, n_run_pairs, p)
    if m.direction == "zero":
        return Verdict(None, f"RLVR − RLHF {stat} is {diff:+.3f} ({ci}); for this metric closer to 0 is "
                             "better, so a signed difference is not read as better or worse, " + tail,
                       diff, lo, hi, n, n_run_pairs, p)
    word = word_for(lo, hi, m.direction)
    if word == "no clear difference":
        head = "No clear difference between RLVR models and their RLHF siblings"
    else:
        head = f"RLVR models are {word} than their RLHF siblings"
    body = f": {stat} differs by {diff:+.3f} (RLVR − RLHF; {ci}; {m.direction_text}), "
    return Verdict(word, head + body + tail, diff, lo, hi, n, n_run_pairs, p)


def verdict(store: Store, sl: Slice) -> Verdict:
    """The verdict for the slice (its items, bands and run filters other than training and
    reasoning, which the RLVR vs RLHF pairing sets itself)."""
    res = paired_comparison(store, sl, "rlvr_vs_rlhf")
    if not res.ok:
        return Verdict(None, res.message)
    r = res.frame.iloc[0]
    if (v := _without_interval(sl, r, "")) is not None:
        return v
    if r["diff"] is None or r["lo"] is None:
        return Verdict(None, f"{METRICS.get(sl.metric).label} is undefined on the items both sides "
                             f"scored (n = {int(r['n'])}), so there is no verdict.", n=int(r["n"]))
    p = None if r["p"] is None or r["p"] != r["p"] else float(r["p"])
    return _with_method(sentence(sl.metric, float(r["diff"]), float(r["lo"]), float(r["hi"]), int(r["n"]),
                                 int(r["n_run_pairs"]), p), r["method"])


def _without_interval(sl: Slice, r, where: str) -> Verdict | None:
    """No verdict, but the exact difference, when a large slice's aggregate metric has no interval."""
    if r["verdict"] != NO_INTERVAL_VERDICT:
        return None
    label, n, pairs = METRICS.get(sl.metric).label, int(r["n"]), int(r["n_run_pairs"])
    return Verdict(None, f"RLVR − RLHF sibling{where}: {label} differs by {float(r['diff']):+.3f} on {n:,} items "
                         f"({pairs} run pair{'s' * (pairs != 1)}); no verdict, because there is no interval: "
                         f"{r['method']}.",
                   diff=float(r["diff"]), n=n, n_run_pairs=pairs, method=r["method"])


def _with_method(v: Verdict, method: str) -> Verdict:
    """The verdict with its method; a sentence from a large slice says how it was computed."""
    if method == METHOD_BOOTSTRAP:
        return v
    return replace(v, method=method, sentence=f"{v.sentence} Interval and p: {method}.")


def verdicts_by_band(store: Store, sl: Slice) -> list[tuple[str, Verdict]]:
    """(band, verdict) for each band of the slice's scheme with matched items, in scheme order,
    under the same rules as `verdict`."""
    res = paired_comparison(store, sl, "rlvr_vs_rlhf", by=("band",))
    if not res.ok:
        return []
    out = []
    for r in res.frame.itertuples(index=False):
        if (v := _without_interval(sl, r._asdict(), f" ({r.band} items)")) is not None:
            out.append((r.band, v))
            continue
        if r.diff is None or r.lo is None or r.diff != r.diff:
            out.append((r.band, Verdict(None, f"{METRICS.get(sl.metric).label} is undefined on the "
                                              f"{r.band} items both sides scored (n = {r.n}).", n=int(r.n))))
            continue
        p = None if r.p is None or r.p != r.p else float(r.p)
        out.append((r.band, _with_method(sentence(sl.metric, float(r.diff), float(r.lo), float(r.hi),
                                                  int(r.n), int(r.n_run_pairs), p), r.method)))
    return out
