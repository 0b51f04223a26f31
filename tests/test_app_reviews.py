"""AppTest over the review pages (Items' set maker, Review sets and minutes, Presenter, the Item
page's review section, the sidebar's exclusion) on a real demo store and a real review file."""
from __future__ import annotations

import pytest

from reviews.store import ReviewStore
from tests.conftest import open_page, shown
from ui.review_panels import SET_PANEL

ODD = {"task": "demo-offensive", "item": "demo-offensive-0007"}


@pytest.fixture
def reviews_env(app_env, tmp_path, monkeypatch):
    path = tmp_path / "team" / "reviews.sqlite"
    monkeypatch.setenv("ATLAS_REVIEW_STORE", str(path))
    return path


def _texts(at) -> str:
    """What a reader sees of the page's messages (escaped store and review text unescaped)."""
    return shown("\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
                     + [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
                     + [i.value for i in at.info]))


def _make_set(name: str, who: str = "Ana", query: dict | None = None):
    at = open_page("views/items.py", query or {"bands": "high", "sort": "gap"})
    at.session_state[SET_PANEL] = True  # the expander opened (its form is drawn only then)
    at.run()
    at.text_input(key="w_reviewer").set_value(who)
    next(t for t in at.text_input if t.label == "Set name").set_value(name)
    next(b for b in at.button if b.label == "Make the set").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_make_a_set_from_the_items_view_and_list_it_with_progress(reviews_env):
    at = _make_set("High band by gap")
    assert "Made the review set “High band by gap” with 30 items" in _texts(at)
    rs = ReviewStore(reviews_env)
    s = rs.sets().iloc[0]
    assert (s["name"], s["created_by"], s["n_items"], s["n_reviewed"]) == ("High band by gap", "Ana", 30, 0)
    assert rs.get_set(int(s["set_id"]))["params"]["bands"] == "high"
    assert "gap of" in s["slice_sentence"] and "top 30" in s["slice_sentence"]
    rs.write(*rs.set_items(int(s["set_id"])).iloc[0][["task_id", "item_id"]], "Ben", "follow_up",
             set_id=int(s["set_id"]))
    listing = open_page("views/review_sets.py")
    assert "1 of 30 reviewed" in str([p.proto for p in listing.get("progress")])
    assert "High band by gap" in _texts(listing)


def test_the_set_maker_is_drawn_only_once_opened(reviews_env):
    at = open_page("views/items.py")
    panel = next(e for e in at.expander if e.label == "Make a review set from this view")
    assert not panel.proto.expanded and not panel.children  # collapsed: nothing inside was sent
    assert not [t for t in at.text_input if t.label == "Set name"]
    at.session_state[SET_PANEL] = True
    at.run()
    assert [t for t in at.text_input if t.label == "Set name"]
    assert [b for b in at.button if b.label == "Make the set"]


def test_bad_set_input_gets_a_message_and_nothing_written(reviews_env):
    at = _make_set("   ")
    assert "set name is empty" in _texts(at)
    at = _make_set("ok name", who="")
    assert "reviewer name is empty" in _texts(at)
    assert ReviewStore(reviews_env).sets().empty


def test_presenter_steps_records_verdicts_and_shows_notes_as_text(reviews_env):
    _make_set("Meeting")
    rs = ReviewStore(reviews_env)
    sid = str(rs.sets().iloc[0]["set_id"])
    at = open_page("views/present.py", {"set": sid, "step": "1"})
    assert "1 / 30" in _texts(at)
    at.text_input(key="w_reviewer").set_value("Ana").run()
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.query_params["step"] == ["2"] or at.query_params["step"] == "2"
    assert "2 / 30" in _texts(at)
    second = rs.set_items(int(sid)).iloc[1]
    at.button(key="pr_quick_annotation_error").click().run()
    assert "Saved your verdict “Annotation error”" in _texts(at)
    note = "<b>bold?</b> **not markdown** <script>alert(1)</script>"
    at.text_area(key=f"pr_{sid}_2_note").set_value(note)
    next(b for b in at.button if b.label == "Save verdict / note").click().run()
    assert any(t.value == note for t in at.text)  # st.text: literal
    assert all("<script>" not in m.value for m in at.markdown)
    at.text_area(key=f"pr_{sid}_2_note").set_value("x" * 1_048_576)
    next(b for b in at.button if b.label == "Save verdict / note").click().run()
    assert "notes are capped at 4,000" in _texts(at)
    hist = rs.history(second["task_id"], second["item_id"])
    assert list(hist["verdict"].fillna("")) == ["", "annotation_error"] and hist["note"].iloc[0] == note
    minutes = open_page("views/review_sets.py", {"set": sid})
    md = next(c.value for c in minutes.code if c.value.startswith("# Review minutes"))
    assert "Annotation error" in md and "1 of 30 items listed here reviewed" in md
    assert "\\<script\\>" in md and "<script>" not in md.replace("\\<script\\>", "")
    assert f"item={second['item_id']}" in md
    only = open_page("views/review_sets.py", {"set": sid, "verdict": "annotation_error"})
    assert len(only.dataframe[-1].value) == 1 and only.multiselect(key="rs_verdicts").value == ["annotation_error"]


def test_item_page_shows_verdicts_and_the_exclusion_leaves_judged_items_out(reviews_env):
    ReviewStore(reviews_env).write(ODD["task"], ODD["item"], "Ana", "annotation_error", note="gold label wrong")
    item = open_page("views/item.py", ODD)
    assert "Latest verdict: Annotation error" in _texts(item) and "gold label wrong" in _texts(item)
    table = open_page("views/items.py", {"tasks": "demo-offensive", "q": "script"})
    assert list(table.dataframe[0].value["review"]) == ["Annotation error"]
    left_out = open_page("views/items.py", {"tasks": "demo-offensive", "exclude": "annotation_error"})
    assert "319 items" in _texts(left_out) and left_out.checkbox(key="w_exclude").value
    assert "leaving out 1 item judged annotation error" in _texts(left_out)
    assert "without the 1 judged item" in _texts(left_out)  # the chosen pair's gap, with and without
    back = open_page("views/items.py", {"tasks": "demo-offensive"})
    back.checkbox(key="w_exclude").check().run()
    assert back.query_params["exclude"] in ("annotation_error", ["annotation_error"])


def test_read_only_and_corrupt_review_stores_give_notices_not_tracebacks(app_env, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("ATLAS_REVIEW_STORE", str(blocker / "reviews.sqlite"))
    at = open_page("views/item.py", ODD)
    assert "Reviews are read-only" in _texts(at)
    assert next(b for b in at.button if b.label == "Save verdict / note").disabled
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage " * 500)
    monkeypatch.setenv("ATLAS_REVIEW_STORE", str(bad))
    for page, query in (("views/review_sets.py", {}), ("views/item.py", ODD), ("views/items.py", {}),
                        ("views/present.py", {"set": "1"})):
        at = open_page(page, query)
        assert "cannot be read" in _texts(at) and "move it aside" in _texts(at), page


def test_item_page_adds_to_and_removes_from_a_set(reviews_env):
    rs = ReviewStore(reviews_env)
    sid = rs.create_set("Walk", "Ana", [("demo-nli", "demo-nli-0001")], {}, "one item", None)
    at = open_page("views/item.py", ODD)
    at.text_input(key="w_reviewer").set_value("Ben").run()
    assert at.selectbox(key="add_to_set").value == sid
    next(b for b in at.button if b.label == "Add to set").click().run()
    assert list(rs.set_items(sid)["item_id"]) == ["demo-nli-0001", ODD["item"]]
    assert "Added to “Walk”" in _texts(at)
    at.button(key=f"rm_{sid}").click().run()
    assert list(rs.set_items(sid)["item_id"]) == ["demo-nli-0001"]
    assert list(rs.set_items(sid, removed=True)["removed_by"]) == ["Ben"]


def test_minutes_list_items_a_rebuild_dropped_and_keep_their_reviews(reviews_env):
    rs = ReviewStore(reviews_env)
    sid = rs.create_set("Old build", "Ana", [("demo-nli", "demo-nli-0001"), ("gone-task", "gone-item")], {},
                        "from an older store", "2020-01-01T00:00:00+00:00/oldhash")
    rs.write("gone-task", "gone-item", "Ana", "prompt_problem", note="rerun with the fixed prompt", set_id=sid)
    at = open_page("views/review_sets.py", {"set": str(sid)})
    texts = _texts(at)
    assert "made against store build 2020-01-01T00:00:00+00:00/oldhash" in texts
    assert "1 item of this set is not in the current store" in texts and "gone-task / gone-item" in texts
    minutes = at.dataframe[-1].value
    gone = minutes[minutes["item_id"] == "gone-item"].iloc[0]
    assert gone["verdict"] == "Prompt problem" and not gone["in_store"] and "rerun" in gone["notes"]
    present = open_page("views/present.py", {"set": str(sid), "step": "2"})
    assert "not in the current store" in _texts(present) and "Latest verdict: Prompt problem" in _texts(present)


def test_the_items_table_kept_for_every_visitor_shows_verdicts_written_since(reviews_env):
    """The Items page keeps each page of its table, made once for every visitor; the review
    column is filled on each render, so a verdict written since shows at once."""
    query = {"tasks": "demo-offensive", "q": "script"}
    assert list(open_page("views/items.py", query).dataframe[0].value["review"]) == [""]
    ReviewStore(reviews_env).write(ODD["task"], ODD["item"], "Ana", "annotation_error")
    assert list(open_page("views/items.py", query).dataframe[0].value["review"]) == ["Annotation error"]
