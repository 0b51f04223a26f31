"""Annotator groups as a slice dimension: which attributes and groups the slice's tasks have, a
group's distribution beside the crowd's on the Items table, and one item's counts per group."""
from __future__ import annotations

import pandas as pd

from data_layer.groups import GROUP_ATTRIBUTES, MIN_GROUP_ANNOTATORS, UNKNOWN
from data_layer.slice import Slice
from data_layer.store import Result, Store


def _task_filter(sl: Slice, alias: str = "") -> tuple[str, list]:
    if not sl.tasks:
        return "TRUE", []
    prefix = f"{alias}." if alias else ""
    return f"{prefix}task_id IN ({', '.join('?' * len(sl.tasks))})", list(sl.tasks)


def attribute_options(store: Store, sl: Slice) -> pd.DataFrame:
    """One row per grouping attribute the slice's tasks have, in registry order: attribute, label,
    n_tasks, n_groups, fields (the demographic field(s) it was read from)."""
    where, params = _task_filter(sl)
    df = store.df(f"""SELECT attribute, count(DISTINCT task_id) AS n_tasks, max(n_groups) AS n_groups,
                             string_agg(DISTINCT field, ', ') AS fields
                      FROM group_attributes WHERE {where} GROUP BY attribute""", params)
    order = {a: i for i, a in enumerate(GROUP_ATTRIBUTES.names())}
    df["label"] = [GROUP_ATTRIBUTES.get(a).label for a in df["attribute"]]
    return df.assign(_o=df["attribute"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def group_options(store: Store, sl: Slice, attribute: str) -> Result:
    """One row per group of `attribute` over the slice's tasks: group_name, n_annotators (distinct
    people), n_ratings, n_items, n_items_thin (items where it gave fewer than MIN_GROUP_RATINGS
    ratings), few_annotators (fewer than MIN_GROUP_ANNOTATORS in every task), unknown."""
    GROUP_ATTRIBUTES.get(attribute)
    where, params = _task_filter(sl, "s")
    where_a, _ = _task_filter(sl, "a")
    df = store.df(f"""WITH people AS (
                          SELECT ag.group_name, count(DISTINCT (t.dataset, a.annotator_id)) AS n_annotators
                          FROM annotations a JOIN tasks t USING (task_id)
                          JOIN annotator_groups ag ON ag.dataset = t.dataset AND ag.annotator_id = a.annotator_id
                          WHERE ag.attribute = ? AND {where_a} GROUP BY ALL)
                      SELECT s.group_name, coalesce(max(p.n_annotators), 0)::INTEGER AS n_annotators,
                             sum(s.n_ratings)::BIGINT AS n_ratings, sum(s.n_items)::INTEGER AS n_items,
                             sum(s.n_items_thin)::INTEGER AS n_items_thin, bool_and(s.few_annotators) AS few_annotators
                      FROM group_summary s LEFT JOIN people p USING (group_name)
                      WHERE s.attribute = ? AND {where}
                      GROUP BY s.group_name ORDER BY n_ratings DESC, s.group_name""",
                  [attribute, *params, attribute, *params])
    df["unknown"] = df["group_name"] == UNKNOWN
    label = GROUP_ATTRIBUTES.get(attribute).label
    return Result.of(df, f"No task of this slice has annotators with {label.lower()} in its demographics.")


def few_annotator_groups(store: Store, sl: Slice, attribute: str) -> dict[str, bool]:
    """{group_name: few_annotators} over the slice's tasks, as group_options has it (fewer than
    MIN_GROUP_ANNOTATORS in every task), from group_summary alone: the flag does not need
    group_options' count of distinct people, a join of every rating (~120 ms at 1M rows)."""
    where, params = _task_filter(sl)
    return dict(store.rows(f"SELECT group_name, bool_and(few_annotators) FROM group_summary "
                           f"WHERE attribute = ? AND {where} GROUP BY group_name", [attribute, *params]))


def item_group_counts(store: Store, task_id: str, item_id: str, attribute: str) -> Result:
    """One item's label counts per group of `attribute`: group_name, label_name, count, share,
    n_ratings (the group's ratings on the item), thin (fewer than MIN_GROUP_RATINGS)."""
    # unnest in the select list after the filter: a lateral range() per row of group_dist made
    # DuckDB expand every row before filtering (77 ms at 1M rows against 7 ms)
    df = store.df("""SELECT group_name, label_name, count, share, n_ratings, thin FROM (
                         SELECT g.group_name, unnest(t.label_names) AS label_name, unnest(g.counts) AS count,
                                unnest(g.probs) AS share, g.n_ratings, g.thin, generate_subscripts(g.counts, 1) AS i
                         FROM group_dist g JOIN tasks t ON t.task_id = g.task_id
                         WHERE g.task_id = ? AND g.item_id = ? AND g.attribute = ?)
                     ORDER BY n_ratings DESC, group_name, i""", [task_id, item_id, attribute])
    label = GROUP_ATTRIBUTES.get(attribute).label
    return Result.of(df, f"No annotator of item {item_id!r} has a known {label.lower()} in this store "
                         "(or the task has no per-annotator ratings).")


def group_distributions(store: Store, sl: Slice, keys: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """The chosen group's distribution for the given (task_id, item_id) rows (the Items table's page):
    task_id, item_id, group_probs, group_n, group_thin. Items the group did not rate are absent."""
    if not sl.group or not keys:
        return pd.DataFrame(columns=["task_id", "item_id", "group_probs", "group_n", "group_thin"])
    pairs = ", ".join("(?, ?)" for _ in keys)
    params = [sl.group_by, sl.group, *[v for k in keys for v in k]]
    return store.df(f"""SELECT task_id, item_id, probs AS group_probs, n_ratings AS group_n, thin AS group_thin
                        FROM group_dist WHERE attribute = ? AND group_name = ?
                        AND (task_id, item_id) IN (VALUES {pairs})""", params)


def few_annotators_note(groups: pd.DataFrame) -> str:
    few = groups.loc[groups["few_annotators"], "group_name"].tolist()
    if not few:
        return ""
    return (f"Marked: {', '.join(map(str, few))} ha{'s' if len(few) == 1 else 've'} fewer than "
            f"{MIN_GROUP_ANNOTATORS} annotators per task; their distributions are a few people's views.")
