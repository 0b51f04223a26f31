"""The Overview says which comparison each sentence makes (sibling pairs, then model types),
defines its terms where they first appear, and shows the paired gap per band as a chart whose
bands link to their top-gap items."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

from data_layer.metrics import METRICS
from data_layer.slice import Slice
from data_layer.terms import TERMS
from data_layer.verdict import verdicts_by_band
from tests.conftest import open_page, shown


def test_each_sentence_names_its_comparison_and_its_terms_are_defined(app_env):
    at = open_page(None, {"metric": "jsd"})
    captions = [shown(c.value) for c in at.caption]
    pairs = next(i for i, c in enumerate(captions) if c.startswith("**Comparison 1 · sibling pairs**"))
    types = next(i for i, c in enumerate(captions) if c.startswith("**Comparison 2 · model types**"))
    assert pairs < types
    text = " ".join(captions)
    for term in ("rlvr", "rlhf", "cot"):  # inline, where they first appear
        assert TERMS.get(term).description in text
    assert METRICS.get("jsd").description in text
    assert any("noise floor" in c.lower() for c in captions)
    helps = [c.proto.help for c in at.caption if c.proto.help]
    assert any(TERMS.get("sibling_pair").description in h for h in helps)
    assert any(TERMS.get("noise_floor").description in h for h in helps)


def test_the_gap_per_band_is_charted_and_each_band_links_to_its_top_gap_items(app_env, demo_store):
    at = open_page(None, {"tasks": "demo-nli,demo-sarcasm"})
    sl = Slice(tasks=("demo-nli", "demo-sarcasm"))
    per_band = verdicts_by_band(demo_store, sl)
    assert len(per_band) > 1
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"].startswith("RLVR − RLHF sibling")
    drawn = {y: x for t in spec["data"] for y, x in zip(t["y"], t["x"], strict=True)}
    assert drawn == {b: v.diff for b, v in per_band}
    links = at.get("page_link")
    assert len(links) == len(per_band)
    for link, (band, _) in zip(links, per_band, strict=True):
        params = {k: v[0] for k, v in parse_qs(link.proto.query_string).items()}
        assert link.proto.page == "items" and params["sort"] == "gap" and params["bands"] == band
        assert params["tasks"] == "demo-nli,demo-sarcasm"


def test_a_band_link_opens_the_items_of_that_band_by_gap_in_the_same_session(app_env):
    """A link that names a slice wins over the session's slice (the sidebar's own links name none)."""
    at = open_page(None, {"tasks": "demo-nli"})
    at.query_params.clear()
    at.query_params.update({"tasks": "demo-nli", "bands": "high", "sort": "gap"})
    at.switch_page("views/items.py").run()
    assert not at.exception
    assert at.multiselect(key="w_bands").value == ["high"] and at.selectbox(key="it_sort").value == "gap"
    assert set(at.dataframe[0].value["band"]) == {"high"}
