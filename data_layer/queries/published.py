"""Ni et al.'s published figures (table `published_results`), sliced, charted and turned into
their Table 1 win rates with the same machinery as the user's own runs; and, where the user's
store holds the same dataset, the user's numbers beside them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data_layer import aggregates
from data_layer.store import Result, Store
from data_layer.winrate import Comparison, win_rate_table

FILTER_COLUMNS = {"datasets": "dataset", "subsets": "subset", "sizes": "params_b",
                  "reasoning": "reasoning", "methods": "dist_expr", "steering": "steering"}
DIRECTIONS = {"VarCorr": "higher", "DistAlign": "lower", "F1": "higher"}
SETTING = ("dataset", "model_pair", "dist_expr", "steering")
COMPARISONS = (Comparison("RLVR > RLHF", "R1", ("No-CoT", "CoT")),
               Comparison("RLHF+CoT > RLHF no-CoT", "CoT", ("No-CoT",)))
# Published dataset -> names a user's task may carry (tasks.dataset or tasks.task_id, lower case)
DATASET_MATCH = {"HS2": ("helpsteer2", "hs2"), "GHC": ("ghc", "gab_hate_corpus", "gabhate"),
                 "Pos": ("goemotions_pos", "goemotions-positive"),
                 "Neg": ("goemotions_neg", "goemotions-negative"),
                 "Amb": ("goemotions_amb", "goemotions-ambiguous")}
# Published metric -> the store's metric (DistAlign = TVD on a binary task); subset -> band filter
METRIC_MATCH = {"DistAlign": "tvd", "VarCorr": "var_corr", "F1": "f1"}
SUBSET_BAND = {"Random": None, "HighVar": "highvar"}
# the user's run settings in the paper's terms
TRAINING_REASONING = {("rlvr", "native"): "R1", ("rlvr", "cot"): "R1", ("rlvr", "none"): "R1",
                      ("rlhf", "none"): "No-CoT", ("rlhf", "cot"): "CoT"}
METHOD_MATCH = {"verbalized": "verbal", "sampling": "sample"}


@dataclass(frozen=True)
class PublishedFilter:
    """Empty tuple = no restriction. sizes are parameter counts in billions."""
    datasets: tuple[str, ...] = ()
    subsets: tuple[str, ...] = ()
    sizes: tuple[float, ...] = ()
    reasoning: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()  # dist_expr: verbal, sample
    steering: tuple[str, ...] = ()

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        for field, column in FILTER_COLUMNS.items():
            values = getattr(self, field)
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        return " AND ".join(clauses) or "TRUE", params


def published_options(store: Store) -> dict[str, list]:
    """Distinct values per filter field, in a stable order."""
    df = store.df("SELECT DISTINCT dataset, subset, params_b, reasoning, dist_expr, steering "
                  "FROM published_results")
    return {f: sorted(df[c].dropna().unique().tolist()) for f, c in FILTER_COLUMNS.items()}


def citation(store: Store) -> str:
    return store.scalar("SELECT any_value(citation) FROM published_results") or ""


def pair_models(store: Store) -> pd.DataFrame:
    """model_pair, params_b, rlhf_model, rlvr_model (one row per pair)."""
    return store.df("SELECT DISTINCT model_pair, params_b, rlhf_model, rlvr_model FROM published_results "
                    "ORDER BY params_b")


def published_figures(store: Store, filt: PublishedFilter) -> Result:
    """The figures passing the filter, one row per published number."""
    where, params = filt.where()
    df = store.df(f"SELECT * EXCLUDE (citation) FROM published_results WHERE {where} "
                  f"ORDER BY subset, metric, dataset, params_b, reasoning, dist_expr, steering", params)
    return Result.of(df, "No published figure matches these filters.")


def by_size(store: Store, filt: PublishedFilter, subset: str, metric: str) -> Result:
    """For a chart: per model size and reasoning setting, the mean of the filtered figures
    (over datasets, methods and steering) with n figures and the min and max."""
    where, params = filt.where()
    df = store.df(f"SELECT params_b, model_pair, reasoning, avg(value) AS mean, min(value) AS min, "
                  f"max(value) AS max, count(*) AS n FROM published_results WHERE subset = ? AND "
                  f"metric = ? AND {where} GROUP BY ALL ORDER BY params_b, reasoning",
                  [subset, metric, *params])
    return Result.of(df, f"No published {metric} figures on {subset} match these filters.")


def published_win_rates(store: Store, filt: PublishedFilter) -> Result:
    """Table 1 recomputed from the filtered figures: comparison, subset, metric, direction,
    win_rate (%), n (matched settings), wins, ties, p (Wilcoxon), mean_diff."""
    res = published_figures(store, filt)
    if not res.ok:
        return res
    table = win_rate_table(res.frame, SETTING, "reasoning", "value", ("subset", "metric"), COMPARISONS,
                           lambda key: DIRECTIONS[key[1]])
    if not len(table):
        return Result(None, "These filters leave no setting with both sides of a comparison.")
    order = {("Random", "VarCorr"): 0, ("Random", "DistAlign"): 1, ("Random", "F1"): 2,
             ("HighVar", "DistAlign"): 3}
    table["_o"] = [order.get((s, m), 9) for s, m in zip(table["subset"], table["metric"], strict=True)]
    return Result(table.sort_values(["comparison", "_o"], ascending=[False, True])
                  .drop(columns="_o").reset_index(drop=True))


# each declared comparison (COMPARISONS, in order) in words; a comparison added there without a
# phrase here fails at import rather than vanishing from the page's headline
WHO_WINS = dict(zip((c.name for c in COMPARISONS), ("R1 (RLVR) is closer to the humans than its RLHF siblings",
                                                    "chain of thought makes the RLHF models closer"), strict=True))


def win_rate_headline(table: pd.DataFrame) -> str:
    """The win-rate table in one sentence per comparison: the share of matched settings won on the
    high-disagreement items and the range over the random items' metrics (50% = no difference)."""
    parts = []
    for comparison, who in WHO_WINS.items():
        rows = table[table["comparison"] == comparison]
        high, rand = rows[rows["subset"] == "HighVar"], rows[rows["subset"] == "Random"]
        bits = [f"in {r.win_rate:.0f}% of {r.n} matched settings on high-disagreement items ({r.metric})"
                for r in high.itertuples(index=False)]
        if len(rand):
            lo, hi = rand["win_rate"].min(), rand["win_rate"].max()
            span = f"{lo:.0f}%" if lo == hi else f"{lo:.0f}–{hi:.0f}%"
            bits.append(f"in {span} on random items ({', '.join(rand['metric'])})")
        if bits:
            parts.append(f"{who} {' and '.join(bits)}")
    return ("; ".join(parts) + " (50% would be no difference).") if parts else ""


def matching_tasks(store: Store) -> pd.DataFrame:
    """The user's tasks matching a published dataset: published, task_id, k (labels)."""
    tasks = store.df("SELECT task_id, dataset, len(labels) AS k FROM tasks")
    rows = [{"published": pub, "task_id": t, "k": k}
            for pub, names in DATASET_MATCH.items()
            for t, d, k in zip(tasks["task_id"], tasks["dataset"], tasks["k"], strict=True)
            if str(d).lower() in names or str(t).lower() in names]
    return pd.DataFrame(rows, columns=["published", "task_id", "k"])


def no_match_message() -> str:
    names = "; ".join(f"{k}: {', '.join(v)}" for k, v in DATASET_MATCH.items())
    return ("Your store has no task from the paper's datasets, so there are no numbers of yours to "
            f"show beside the published ones. Tasks are matched by dataset or task id ({names}); "
            "DistAlign is compared with TVD on binary tasks only.")


def store_beside_published(store: Store) -> Result:
    """The user's runs on matching tasks, in the paper's terms, beside the published figures of
    the same dataset, subset, metric, reasoning setting (R1 / No-CoT / CoT), method and steering:
    published (dataset), subset, metric, run_id, display_name, training, reasoning, method,
    steering, value, n, published_mean, published_min, published_max, n_published (models)."""
    res = _store_values(store)
    if not res.ok:
        return res
    mine = res.frame.assign(
        pub_reasoning=[TRAINING_REASONING.get((t, r)) for t, r in
                       zip(res.frame["training"], res.frame["reasoning"], strict=True)],
        pub_method=res.frame["method"].map(METHOD_MATCH))
    figures = store.df("SELECT dataset AS published, subset, metric, reasoning AS pub_reasoning, "
                       "dist_expr AS pub_method, steering, avg(value) AS published_mean, "
                       "min(value) AS published_min, max(value) AS published_max, count(*) AS n_published "
                       "FROM published_results GROUP BY ALL")
    out = mine.merge(figures, on=["published", "subset", "metric", "pub_reasoning", "pub_method", "steering"],
                     how="left")
    return Result(out.drop(columns=["pub_reasoning", "pub_method"]))


def _store_values(store: Store) -> Result:
    tasks = matching_tasks(store)
    if not len(tasks):
        return Result(None, no_match_message())
    rows = []
    for pub, task_id, k in tasks.itertuples(index=False):
        df = store.df("SELECT * FROM item_scores WHERE task_id = ?", [task_id])
        for (run_id, name, tr, rs, me, st), part in df.groupby(
                ["run_id", "display_name", "training", "reasoning", "method", "steering"]):
            for subset, band in SUBSET_BAND.items():
                sub = part if band is None else part[part["band_highvar"] == band]
                for metric, ours in METRIC_MATCH.items():
                    if (metric != "DistAlign" and subset == "HighVar") or (metric == "DistAlign" and k != 2):
                        continue
                    value, n = aggregates.value(ours, sub) if len(sub) else (None, 0)
                    rows.append(dict(published=pub, task_id=task_id, subset=subset, metric=metric,
                                     run_id=run_id, display_name=name, training=tr, reasoning=rs,
                                     method=me, steering=st, value=value, n=n))
    return Result.of(pd.DataFrame(rows), no_match_message())
