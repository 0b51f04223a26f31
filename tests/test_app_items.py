"""AppTest over the Items, Item and Data pages on a real demo store."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_layer.metrics import METRICS
from tests.conftest import open_page, shown

ODD = {"task": "demo-offensive", "item": "demo-offensive-0007"}


def _run(page: str, query: dict | None = None) -> AppTest:
    return open_page(page, query)


def _markdown_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]


def test_items_page_lists_the_slice_with_counts_and_paging(app_env):
    at = _run("views/items.py")
    table = at.dataframe[0].value
    assert len(table) == 25 and {"task", "item", "text", "human", "run_metric", "rlvr_probs", "rlhf_probs", "gap"} <= set(table.columns)
    assert any("1,280 items" in m for m in _markdown_texts(at))
    assert any("page 1 of 52" in m for m in _markdown_texts(at))
    assert at.query_params["run"] and "~" in at.query_params["pair"]
    at.number_input(key="it_page").set_value(3).run()
    assert at.query_params["page"] == "3" and at.dataframe[0].value["item"].iloc[0] != table["item"].iloc[0]
    assert at.code[-1].value.startswith("?") and "page=3" in at.code[-1].value  # relative: AppTest has no URL


def test_items_query_params_set_the_widgets(app_env):
    at = _run("views/items.py", {"tasks": "demo-offensive", "sort": "gap", "order": "asc", "q": "referee",
                                 "page": "2", "metric": "jsd"})
    assert at.text_input(key="it_q").value == "referee"
    assert at.selectbox(key="it_sort").value == "gap" and at.selectbox(key="it_desc").value is False
    assert at.multiselect(key="w_tasks").value == ["demo-offensive"]
    table = at.dataframe[0].value
    assert table["text"].str.contains("referee", case=False).all()
    assert list(table["gap"].dropna()) == sorted(table["gap"].dropna())
    n = int(next(m for m in _markdown_texts(at) if "in this slice" in m).split("**")[1].split()[0])
    assert at.number_input(key="it_page").value == (2 if n > 25 else 1)
    at.text_input(key="it_q").set_value("no such text at all").run()
    assert any("No items matching" in i.value for i in at.info)


def test_slice_level_metric_leaves_only_the_entropy_sort(app_env):
    at = _run("views/items.py", {"metric": "var_corr", "sort": "gap"})
    assert at.selectbox(key="it_sort").options == ["human disagreement (normalised entropy)"]
    assert not {"run_metric", "gap"} & set(at.dataframe[0].value.columns)
    assert any("whole slice, not per item" in c.value for c in at.caption)


def test_changing_a_filter_changes_the_count(app_env):
    at = _run("views/items.py")
    at.multiselect(key="w_bands").set_value(["high"]).run()
    count = next(m for m in _markdown_texts(at) if "in this slice" in m)
    assert "1,280" not in count and set(at.dataframe[0].value["band"]) == {"high"}


def test_item_page_shows_human_and_model_distributions(app_env):
    at = _run("views/item.py", {**ODD, "training": "rlvr,rlhf"})
    human = next(d.value for d in at.dataframe if "label_name" in d.value.columns)
    assert list(human["label_name"]) == ["not offensive", "offensive"] and human["count"].sum() > 0
    metrics = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert set(metrics["model_type"].str.split(" · ").str[0]) == {"RLVR", "RLHF"}
    assert len(at.get("plotly_chart")) == 1
    assert any("only the label counts" in i.value for i in at.info)  # no individual annotators in the demo
    assert len(at.expander) >= len(metrics) and all(e.proto.expanded is False for e in at.expander
                                                      if e.label != "Item metadata")
    assert any("Previous item" in p.proto.label for p in at.get("page_link"))
    permalink = at.code[-1].value
    assert "item=demo-offensive-0007" in permalink and "training=rlhf%2Crlvr" in permalink


def test_back_to_the_list_reopens_the_page_holding_the_item_and_marks_its_row(app_env):
    from urllib.parse import parse_qs
    at = _run("views/item.py", {"task": "demo-offensive", "item": "demo-offensive-0040",
                                "tasks": "demo-offensive", "order": "asc"})
    place = next(c.value for c in at.caption if c.value.startswith("Item "))
    pos = int(place.split()[1].replace(",", ""))
    links = [p.proto for p in at.get("page_link") if p.proto.label == "Back to the list"]
    assert len(links) == 2  # at the top and at the end of the page
    back = {k: v[0] for k, v in parse_qs(links[0].query_string).items()}
    assert back["order"] == "asc" and back["tasks"] == "demo-offensive"
    assert back["from"] == "demo-offensive/demo-offensive-0040"
    assert back.get("page", "1") == str((pos - 1) // 25 + 1)
    assert sum("Next item" in p.proto.label for p in at.get("page_link")) == 2
    listed = _run("views/items.py", back)
    assert any(f"Row {(pos - 1) % 25 + 1} of this page is the item you came back from, demo-offensive-0040"
               in shown(c.value) for c in listed.caption)
    assert not any("came back from" in c.value for c in _run("views/items.py", {"tasks": "demo-offensive"}).caption)


def test_html_and_markdown_in_item_text_render_literally(app_env):
    at = _run("views/item.py", ODD)
    texts = [t.value for t in at.text]
    assert any(t.startswith("<script>alert('x')</script> <b>bold?</b> **not markdown**") for t in texts)
    for element in _markdown_texts(at):
        assert "<script>" not in element and "**not markdown**" not in element
    assert all(not getattr(m.proto, "allow_html", False) for m in at.markdown)


def test_item_page_explains_unknown_or_missing_ids(app_env):
    at = _run("views/item.py", {"task": "demo-offensive", "item": "no-such-item"})
    assert "has no item 'no-such-item'" in shown(at.error[0].value)
    at = _run("views/item.py", {"task": "nope", "item": "x"})
    assert "no task 'nope'" in shown(at.error[0].value)
    at = _run("views/item.py")
    assert any("No item is selected" in i.value for i in at.info)


def test_data_page_documents_tasks_bands_metrics_and_build(app_env):
    """Each tab from its link (tab=...); only the open tab is drawn, and the first needs no parameter."""
    at = _run("views/data.py")
    assert any("Natural language inference" in s.value for s in at.subheader)
    cards = " ".join(shown(m.value) for m in at.markdown)
    assert "Labels: entailment; neutral; contradiction" in cards and "Labels: 0 (not offensive); 1 (offensive)" in cards
    assert "Source" in cards and "License" in cards
    assert "tab" not in at.query_params
    assert not any("tertiles" in s.value for s in at.subheader)  # the banding tab is not drawn
    at = _run("views/data.py", {"tab": "bands"})
    subheaders = [s.value for s in at.subheader]
    assert any("HighVar" in s for s in subheaders) and any("tertiles" in s for s in subheaders)
    assert at.query_params["tab"] == "bands"
    glossary = " ".join(m.value for m in _run("views/data.py", {"tab": "metrics"}).markdown)
    assert all(f"`{name}`" in glossary for name in METRICS.names())
    at = _run("views/data.py", {"tab": "build"})
    build = next(d.value for d in at.dataframe if "Config hash" in set(d.value.iloc[:, 0]))
    assert build.set_index("").loc["Simulated data", "value"] == "yes"
    assert len(at.get("download_button")) >= 2
    at = _run("views/data.py", {"tab": "<script>"})  # an unknown tab: the first, and the URL says so
    assert any("Natural language inference" in s.value for s in at.subheader) and "tab" not in at.query_params
