"""The representative slices and every data_layer query the pages issue, and the naive
pandas equivalents of the filtered aggregates. Add a case here whenever a page starts
issuing a new query."""
from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from data_layer import verdict as verdicts
from data_layer.bands import entropy_bins
from data_layer.metrics import ITEM_METRICS
from data_layer.queries import (
    annotator_agreement,
    annotator_page,
    bands,
    compare,
    coverage,
    datacards,
    group_pairs,
    group_views,
    intervals,
    item,
    item_order,
    item_page,
    items,
    leaderboard,
    methods,
    noise_floor,
    options,
    overview,
    paired,
    pairs,
    per_run,
    perspectives,
    published,
    winrates,
)
from data_layer.slice import Slice
from data_layer.store import Store

Case = tuple[str, str, Callable[[], object]]  # (page, query name, call)


@dataclass(frozen=True)
class Context:
    """Concrete values the cases need: a task, an item of it, a search word, an RLVR/RLHF pair."""
    task: str
    item: str
    word: str
    rlvr: str
    rlhf: str


def context(store: Store) -> Context:
    task = store.scalar("SELECT min(task_id) FROM tasks")
    item_id = store.scalar("SELECT min(item_id) FROM items WHERE task_id = ?", [task])
    text = store.scalar("SELECT text FROM items WHERE task_id = ? AND item_id = ?", [task, item_id])
    word = max(text.split(), key=len)[:6]
    pair = items.pair_choices(store, Slice()).frame.iloc[0]
    return Context(task, item_id, word, pair["rlvr_run"], pair["rlhf_run"])


def slices(store: Store) -> dict[str, Slice]:
    task = store.scalar("SELECT min(task_id) FROM tasks")
    return {
        "all tasks": Slice(),
        "one task": Slice(tasks=(task,)),
        "one band": Slice(bands=("high",)),
        "rlvr vs rlhf, verbalized": Slice(training=("rlvr", "rlhf"), methods=("verbalized",)),
    }


def _sidebar(store: Store) -> list[Case]:
    return [("sidebar", "options: tasks", lambda: options.task_options(store)),
            ("sidebar", "options: runs", lambda: options.run_facet_options(store)),
            ("sidebar", "options: bands", lambda: options.band_options(store, "fixed", ())),
            ("sidebar", "options: is_simulated", lambda: options.is_simulated(store)),
            ("sidebar", "coverage: scored_rows, all", lambda: coverage.scored_rows(store, Slice()))]


def _analysis(store: Store, named: dict[str, Slice]) -> list[Case]:
    out: list[Case] = []
    for name, sl in named.items():
        out += [("overview", f"means_by_band: {name}", lambda sl=sl: overview.means_by_band(store, sl)),
                ("models", f"leaderboard: {name}", lambda sl=sl: leaderboard.leaderboard(store, sl)),
                ("bands", f"metric_by_entropy_bin: {name}", lambda sl=sl: bands.metric_by_entropy_bin(store, sl))]
    sl, one = Slice(), named["one task"]
    out += [("overview", "means_by_band by task: all", lambda: overview.means_by_band(store, sl, True)),
            ("models", "sibling_pairs: all", lambda: pairs.sibling_pairs(store, sl)),
            ("models", "method_comparison: all", lambda: methods.method_comparison(store, sl)),
            ("models", "run_values by band: all", lambda: per_run.run_values(store, sl, True)),
            ("bands", "entropy_histogram: all", lambda: bands.entropy_histogram(store, sl)),
            ("bands", "band_edges: all", lambda: bands.band_edges(store, sl)),
            ("bands", "entropy_scatter: all", lambda: bands.entropy_scatter(store, sl)),
            ("bands", "entropy_scatter: one task", lambda: bands.entropy_scatter(store, one)),
            ("bands", "collapse_rates: all", lambda: bands.collapse_rates(store, sl))]
    return out


def _stats(store: Store, named: dict[str, Slice], ctx: Context) -> list[Case]:
    sl, one, band = Slice(), named["one task"], named["one band"]
    out: list[Case] = []
    for name, s in (("all", sl), ("one task", one), ("one band", band)):
        out += [("stats", f"means_with_intervals: {name}", lambda s=s: intervals.means_with_intervals(store, s)),
                ("stats", f"verdict rlvr vs rlhf: {name}", lambda s=s: verdicts.verdict(store, s))]
    out.append(("bands", "means_with_intervals by model type x entropy bin: all",
                lambda: intervals.means_with_intervals(store, sl, ("model_type", "entropy_bin"))))
    agg = sl.with_(metric="var_corr")  # an aggregate metric: exact values, no interval, on large slices
    out += [("stats", "verdicts_by_band: all", lambda: verdicts.verdicts_by_band(store, sl)),
            ("stats", "verdicts_by_band, var_corr: all", lambda: verdicts.verdicts_by_band(store, agg)),
            ("models", "paired_comparisons by band: all", lambda: paired.paired_comparisons(store, sl, ("band",))),
            ("models", "paired_comparisons by band: verbalized",  # a run filter: one method's stored pair set
             lambda: paired.paired_comparisons(store, sl.with_(methods=("verbalized",)), ("band",))),
            ("models", "paired_comparisons by band: one task, verbalized",  # item filter across bands: per request
             lambda: paired.paired_comparisons(store, one.with_(methods=("verbalized",)), ("band",))),
            ("models", "paired_comparisons by band: 8-20B",  # a run filter no stored set covers
             lambda: paired.paired_comparisons(store, sl.with_(size_min=8, size_max=20), ("band",))),
            ("stats", "paired thinking_vs_none by band: all",
             lambda: paired.paired_comparison(store, sl, "thinking_vs_none", ("band",))),
            ("stats", "win_rates: all", lambda: winrates.win_rates(store, sl)),
            ("stats", "noise_floor by band: all", lambda: noise_floor.noise_floor(store, sl, True)),
            ("stats", "noise_floor: one task", lambda: noise_floor.noise_floor(store, one)),
            # compare_runs is a notebook API (no page calls it): timed, but not held to the page target
            ("api", "compare_runs (pair): all", lambda: compare.compare_runs(store, sl, ctx.rlvr, ctx.rlhf)),
            ("api", "compare_runs (pair): one task",
             lambda: compare.compare_runs(store, one, ctx.rlvr, ctx.rlhf))]
    return out


def _items(store: Store, named: dict[str, Slice], ctx: Context) -> list[Case]:
    sl, one = Slice(), named["one task"]
    ent, search = items.ItemOrder(), items.ItemOrder(search=ctx.word)
    div = items.ItemOrder(sort="divergence", run=ctx.rlvr)
    gap = items.ItemOrder(sort="gap", rlvr=ctx.rlvr, rlhf=ctx.rlhf)
    opened = items.ItemOrder(run=ctx.rlvr, rlvr=ctx.rlvr, rlhf=ctx.rlhf)  # the page's defaults
    return [("items", "run_choices: all", lambda: items.run_choices(store, sl)),
            ("items", "pair_choices: all", lambda: items.pair_choices(store, sl)),
            ("items", "count_items: all", lambda: items.count_items(store, sl, ent)),
            ("items", "items_page 1: all", lambda: items.items_page(store, sl, ent, 1, 25)),
            ("items", "items_page 100: all", lambda: items.items_page(store, sl, ent, 100, 25)),
            ("items", "items_page 1: one task", lambda: items.items_page(store, one, ent, 1, 25)),
            ("items", "items_page 1 by divergence: all", lambda: items.items_page(store, sl, div, 1, 25)),
            ("items", "items_page 1 by pair gap: all", lambda: items.items_page(store, sl, gap, 1, 25)),
            ("items", "items_page 1 as opened (run and pair columns): all",
             lambda: items.items_page(store, sl, opened, 1, 25)),
            ("items", f"count_items search '{ctx.word}': all", lambda: items.count_items(store, sl, search)),
            ("items", f"items_page search '{ctx.word}': all", lambda: items.items_page(store, sl, search, 1, 25))]


def _item(store: Store, ctx: Context) -> list[Case]:
    sl, t, i = Slice(), ctx.task, ctx.item
    div = items.ItemOrder(sort="divergence", run=ctx.rlvr)
    gap = items.ItemOrder(sort="gap", run=ctx.rlvr, rlvr=ctx.rlvr, rlhf=ctx.rlhf)
    return [("item", "item_detail", lambda: item.item_detail(store, t, i)),
            ("item", "human_counts", lambda: item.human_counts(store, t, i)),
            ("item", "annotations", lambda: item.annotations(store, t, i)),
            ("item", "model_dists", lambda: item.model_dists(store, sl, t, i)),
            ("item", "generations", lambda: item.generations(store, sl, t, i)),
            ("item", "neighbours: all", lambda: item_order.neighbours(store, sl, items.ItemOrder(), t, i)),
            ("item", "neighbours by divergence: all", lambda: item_order.neighbours(store, sl, div, t, i)),
            ("item", "neighbours by pair gap: all", lambda: item_order.neighbours(store, sl, gap, t, i))] + [
            # a link opened where no Items table ranked the slice yet (a fresh server): the order is computed
            ("item", f"neighbours{name}, no kept ranking: all", lambda o=o: _first_opened(store, sl, o, t, i))
            for name, o in (("", items.ItemOrder()), (" by divergence", div), (" by pair gap", gap))] + [
            # the page's one call (its six queries two at a time): what the Item page waits for
            ("item", f"{PAGE_CASE}{name}: all", lambda o=o: _first_opened(store, sl, o, t, i, whole=True))
            for name, o in (("", items.ItemOrder()), (" by pair gap", gap), (SEARCHED, replace(gap, search=ctx.word)))]


PAGE_CASE = "item_page, no kept ranking"
SEARCHED = " by pair gap and a text search"


def _first_opened(store: Store, sl: Slice, order: items.ItemOrder, task_id: str, item_id: str, whole=False):
    item_order.forget_rankings()
    if whole:
        return item_page.item_page(store, sl, order, task_id, item_id)
    return item_order.neighbours(store, sl, order, task_id, item_id)


def _data_and_published(store: Store) -> list[Case]:
    filt = published.PublishedFilter(methods=("verbal",))
    return [("data", "task_cards", lambda: datacards.task_cards(store)),
            ("data", "band_edges fixed", lambda: datacards.band_edges(store, "fixed")),
            ("data", "build_info", lambda: datacards.build_info(store)),
            ("published", "citation", lambda: published.citation(store)),
            ("published", "pair_models", lambda: published.pair_models(store)),
            ("published", "published_options", lambda: published.published_options(store)),
            ("published", "by_size", lambda: published.by_size(store, filt, "HighVar", "DistAlign")),
            ("published", "published_win_rates", lambda: published.published_win_rates(store, filt)),
            ("published", "store_beside_published", lambda: published.store_beside_published(store)),
            ("published", "published_figures", lambda: published.published_figures(store, filt))]


def _groups(store: Store) -> list[Case]:
    """The Perspectives page's queries and the group columns (none when the store has no groups)."""
    found = store.rows("SELECT task_id, attribute FROM group_attributes ORDER BY attribute DESC, task_id LIMIT 1")
    if not found:
        return []
    task, attr = found[0]
    item_id, annotator = store.rows("SELECT item_id, annotator_id FROM annotations WHERE task_id = ? "
                                    "ORDER BY item_id, annotator_id LIMIT 1", [task])[0]
    group = store.scalar("SELECT min(group_name) FROM group_summary WHERE task_id = ? AND attribute = ?", [task, attr])
    sl, one = Slice(), Slice(tasks=(task,))
    # a run filter that neither comparison relaxes: the views fall back from the build's sums to the rows
    verbal = Slice(methods=("verbalized",))
    # a run filter that is no stored pair set: the paired view falls back to pairing the rows
    sized = Slice(size_min=float(store.scalar("SELECT median(params_b) FROM models WHERE params_b > 0") or 0))
    page = tuple(store.rows("SELECT task_id, item_id FROM human_dist ORDER BY entropy_rank_desc LIMIT 25"))
    # the attribute with the most group rows (more groups: more rows per run), for the heaviest rows path
    big = store.scalar("SELECT attribute FROM group_summary GROUP BY 1 ORDER BY sum(n_items) DESC, 1 LIMIT 1")
    heaviest = [] if big == attr else [
        ("perspectives", f"alignment_by_model_type {big}: larger models",
         lambda: perspectives.alignment_by_model_type(store, sized, big)),
        ("perspectives", f"group_paired_differences {big}: larger models",
         lambda: group_pairs.group_paired_differences(store, sized, big))]
    return [("sidebar", "group attribute_options", lambda: group_views.attribute_options(store, sl)),
            ("sidebar", f"group_options {attr}", lambda: group_views.group_options(store, sl, attr)),
            ("items", f"group_distributions {attr}={group}: a page",
             lambda: group_views.group_distributions(store, sl.with_(group_by=attr, group=group), page)),
            ("item", f"item_group_counts {attr}", lambda: group_views.item_group_counts(store, task, item_id, attr)),
            ("perspectives", f"group_alignment {attr}: all", lambda: perspectives.group_alignment(store, sl, attr)),
            ("perspectives", f"group_alignment {attr}: one task",
             lambda: perspectives.group_alignment(store, one, attr)),
            ("perspectives", f"alignment_by_model_type {attr}: all",
             lambda: perspectives.alignment_by_model_type(store, sl, attr)),
            ("perspectives", f"group_paired_differences {attr}: all",
             lambda: group_pairs.group_paired_differences(store, sl, attr)),
            ("perspectives", f"alignment_by_model_type {attr}: verbalized runs",
             lambda: perspectives.alignment_by_model_type(store, verbal, attr)),
            ("perspectives", f"group_paired_differences {attr}: verbalized runs",
             lambda: group_pairs.group_paired_differences(store, verbal, attr)),
            ("perspectives", f"alignment_by_model_type {attr}: larger models",
             lambda: perspectives.alignment_by_model_type(store, sized, attr)),
            ("perspectives", f"group_paired_differences {attr}: larger models",
             lambda: group_pairs.group_paired_differences(store, sized, attr)),
            *heaviest,
            ("perspectives", "annotator_agreement: all", lambda: annotator_agreement.annotator_agreement(store, sl)),
            ("perspectives", "annotator_model_agreement: all",
             lambda: annotator_agreement.annotator_model_agreement(store, sl)),
            ("annotator", "annotator_items: one annotator",
             lambda: annotator_page.annotator_items(store, sl, task, annotator)),
            ("annotator", "locate: one annotator", lambda: annotator_page.locate(store, task, annotator))]


def query_cases(store: Store) -> list[Case]:
    named, ctx = slices(store), context(store)
    # the bootstrap statistics last: their memory peak then shows apart in the progress lines
    return (_sidebar(store) + _analysis(store, named) + _items(store, named, ctx) + _item(store, ctx)
            + _data_and_published(store) + _stats(store, named, ctx) + _groups(store))


def page_cases(store: Store) -> list[tuple[str, dict[str, str]]]:
    """(page path, URL query params) for the AppTest render section: every page under views/,
    the item page on a real item, the items table on page 100 and with a text search."""
    ctx = context(store)
    return [("views/overview.py", {}), ("views/models.py", {}), ("views/bands.py", {}),
            ("views/items.py", {}), ("views/items.py", {"page": "100"}), ("views/items.py", {"q": ctx.word}),
            ("views/item.py", {"task": ctx.task, "item": ctx.item}), ("views/data.py", {}),
            ("views/published.py", {}), ("views/perspectives.py", {}), ("views/annotator.py", {})]


@dataclass
class Naive:
    cases: dict[str, Callable[[], object]] = field(default_factory=dict)
    load_seconds: float = 0.0
    load_mb: float = 0.0


def naive_cases(store: Store) -> Naive:
    """What a user without the data layer writes: load everything into pandas, merge, group.
    Keys match the names of `query_cases` (filtered aggregates only)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    im = store.df("SELECT * FROM item_metrics")
    runs = store.df("SELECT run_id, model_id, method, reasoning, steering FROM runs")
    models = store.df("SELECT model_id, display_name, training, params_b FROM models")
    human = store.df("SELECT task_id, item_id, entropy_norm, band_fixed, band_tertile, band_highvar FROM human_dist")
    frame = im.merge(runs, on="run_id").merge(models, on="model_id").merge(human, on=["task_id", "item_id"])
    out = Naive(load_seconds=time.perf_counter() - t,
                load_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)

    def filtered(sl: Slice) -> pd.DataFrame:
        f = frame
        for values, column in ((sl.tasks, "task_id"), (sl.bands, sl.band_column), (sl.training, "training"),
                               (sl.methods, "method")):
            if values:
                f = f[f[column].isin(values)]
        return f

    def means(sl: Slice) -> pd.DataFrame:
        return filtered(sl).groupby(["training", "reasoning", sl.band_column])[sl.metric].agg(["mean", "count"])

    def board(sl: Slice) -> pd.DataFrame:  # the leaderboard's per-item columns: every metric's mean and n
        return filtered(sl).groupby(["run_id", "display_name", "training", "reasoning", "method", "steering"])[
            list(ITEM_METRICS)].agg(["mean", "count"])  # (it also has aggregate metrics, not computed here)

    def by_bin(sl: Slice) -> pd.DataFrame:
        f = filtered(sl)
        return f.groupby(["training", "reasoning", entropy_bins(f["entropy_norm"])])[
            sl.metric].agg(["mean", "count"])

    for name, sl in slices(store).items():
        out.cases[f"means_by_band: {name}"] = lambda sl=sl: means(sl)
        out.cases[f"leaderboard: {name}"] = lambda sl=sl: board(sl)
        out.cases[f"metric_by_entropy_bin: {name}"] = lambda sl=sl: by_bin(sl)
    return out
