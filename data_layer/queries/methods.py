"""Elicitation methods compared: for each model elicited in more than one way (verbalized
shares, counted samples, next-token logprobs), the chosen metric per run."""
from __future__ import annotations

from data_layer.facets import METHOD_LABELS, REASONING_LABELS, STEERING_LABELS
from data_layer.queries.per_run import run_values
from data_layer.slice import Slice
from data_layer.store import Result, Store


def method_comparison(store: Store, sl: Slice) -> Result:
    """Runs of models with at least two elicitation methods in the slice: facets, mean, n, and
    a `variant` label (method · reasoning · steering) for the chart's axis."""
    res = run_values(store, sl)
    if not res.ok:
        return res
    df = res.frame
    df = df[df["training"] != "baseline"]
    n_methods = df.groupby("model_id")["method"].transform("nunique")
    df = df[n_methods >= 2].copy()
    if not len(df):
        return Result(None, "No model in this slice was elicited with more than one method; "
                            "include several methods (verbalized, sampling, logprob) to compare them.")
    df["variant"] = [f"{METHOD_LABELS.get(m, m)} · {REASONING_LABELS.get(r, r)} · {STEERING_LABELS.get(s, s)}"
                     for m, r, s in zip(df["method"], df["reasoning"], df["steering"], strict=True)]
    return Result(df.sort_values(["params_b", "display_name", "method", "variant"]).reset_index(drop=True),
                  res.message)
