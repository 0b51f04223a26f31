"""How many of each elicited run's answers gave a label: samples asked, unparseable or rejected
samples, and items left without a distribution because no sample of theirs gave one. A real model
fails to answer in the requested form often; the pages count it instead of hiding it."""
from __future__ import annotations

from data_layer.slice import Slice
from data_layer.store import Result, Store


def answer_failures(store: Store, sl: Slice) -> Result:
    """Per run with stored samples (elicited runs) in the slice's tasks: samples, failed (error
    set: unparseable or rejected), the failed share, truncated (finish_reason 'length'), items asked,
    and items without a distribution."""
    where, params = sl.where(scope="item", alias="h")
    df = store.df(
        "WITH g AS (SELECT g.run_id, g.task_id, g.item_id, g.error, g.finish_reason FROM generations g "
        f"JOIN human_dist h USING (task_id, item_id) WHERE {where}) "
        "SELECT g.run_id, any_value(r.method) AS method, any_value(r.reasoning) AS reasoning, "
        "count(*) AS samples, count(g.error) AS failed, count(g.error) / count(*) AS failed_share, "
        "count(*) FILTER (WHERE g.finish_reason = 'length') AS truncated, "
        "count(DISTINCT (g.task_id, g.item_id)) AS items_asked, "
        "count(DISTINCT (g.task_id, g.item_id)) FILTER (WHERE md.run_id IS NULL) AS items_without_answer "
        "FROM g JOIN runs r USING (run_id) "
        "LEFT JOIN model_dist md ON md.run_id = g.run_id AND md.task_id = g.task_id AND md.item_id = g.item_id "
        "GROUP BY g.run_id ORDER BY g.run_id", params)
    return Result.of(df, "No run in this slice has stored answers (simulated and imported runs have none, "
                         "or the slice's tasks were not asked).")
