"""The demo's simulated reasoning must not contradict the simulated answers it comes with, and the
samples of one item must not repeat one trace (a demo that contradicts itself loses trust)."""
from __future__ import annotations

import json
import re

FINAL = re.compile(r"My answer: (.+)\.$")


def test_every_sampled_trace_states_the_parsed_answer(demo_store):
    rows = demo_store.df(
        "SELECT g.run_id, g.item_id, g.sample_idx, g.reasoning_text, g.parsed FROM generations g "
        "JOIN runs r USING (run_id) WHERE r.method = 'sampling' AND r.reasoning <> 'none'")
    assert len(rows) > 1000  # the demo has sampling runs with reasoning
    wrong = []
    for r in rows.itertuples(index=False):
        m = FINAL.search(r.reasoning_text or "")
        stated = m.group(1) if m else None
        parsed = json.loads(r.parsed) if isinstance(r.parsed, str) else None  # unparseable: NULL
        if stated != parsed:
            wrong.append((r.run_id, r.item_id, r.sample_idx, stated, parsed))
    assert not wrong, wrong[:5]


def test_one_shot_traces_end_on_the_stated_top_label(demo_store):
    """Verbalized runs with reasoning: the trace's answer is the label the stated shares rank first."""
    rows = demo_store.df(
        "SELECT g.reasoning_text, g.parsed, t.label_names FROM generations g JOIN runs r USING (run_id) "
        "JOIN tasks t USING (task_id) WHERE r.method = 'verbalized' AND r.reasoning <> 'none'")
    assert len(rows)
    for r in rows.itertuples(index=False):
        shares, names = json.loads(r.parsed), list(r.label_names)
        stated = FINAL.search(r.reasoning_text).group(1)
        assert shares[names.index(stated)] == max(shares), (r.reasoning_text, shares)


def test_the_samples_of_an_item_are_not_one_repeated_trace(demo_store):
    per_item = demo_store.df(
        "SELECT run_id, item_id, count(*) AS n, count(DISTINCT reasoning_text) AS distinct_traces "
        "FROM generations JOIN runs r USING (run_id) WHERE r.method = 'sampling' AND r.reasoning <> 'none' "
        "GROUP BY run_id, item_id")
    assert (per_item["n"] == 10).all()
    assert (per_item["distinct_traces"] > 1).all(), per_item[per_item["distinct_traces"] <= 1].head()
