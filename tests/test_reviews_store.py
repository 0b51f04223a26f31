"""The review store (reviews/): sets, the append-only log of verdicts and notes, concurrent
writers, and bad input, on real SQLite files."""
from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from reviews.checks import NOTE_MAX_CHARS, ReviewInputError
from reviews.locate import open_review_store, review_store_path
from reviews.schema import REVIEW_SCHEMA_VERSION
from reviews.store import ReviewStore, ReviewStoreError, ReviewStoreReadOnly
from reviews.vocabulary import DEFAULT_VERDICTS, UnknownVerdict, vocabulary

ITEMS = [("t1", "a"), ("t1", "b"), ("t2", "c")]


@pytest.fixture
def rs(tmp_path) -> ReviewStore:
    return open_review_store(tmp_path / "sub" / "reviews.sqlite")


def _n_entries(path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as con:
        return con.execute("SELECT count(*) FROM entries").fetchone()[0]


def test_created_on_first_write_with_schema_version_and_wal(rs):
    assert rs.writable and not rs.path.exists()
    assert rs.sets().empty and rs.history("t1", "a").empty and rs.latest_entry_id("t1", "a") == 0
    assert not rs.path.exists()  # reads do not create it
    rs.create_set("First", "Ana", ITEMS, {"bands": "high"}, "high items", "build-1")
    with sqlite3.connect(rs.path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == REVIEW_SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_path_from_the_environment_else_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_REVIEW_STORE", str(tmp_path / "team.sqlite"))
    assert review_store_path() == tmp_path / "team.sqlite"
    monkeypatch.delenv("ATLAS_REVIEW_STORE")
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    assert review_store_path() == tmp_path / "cache" / "reviews.sqlite"


def test_sets_keep_order_slice_and_progress(rs):
    sid = rs.create_set("High gap", "Ana", ITEMS, {"bands": "high", "sort": "gap"}, "high items", "build-1")
    got = rs.get_set(sid)
    assert got["name"] == "High gap" and got["created_by"] == "Ana" and got["params"]["sort"] == "gap"
    assert list(rs.set_items(sid)["item_id"]) == ["a", "b", "c"]
    rs.write("t1", "b", "Ana", "annotation_error", set_id=sid)
    rs.write("t1", "b", "Ben", None, note="I agree", seen_entry=1, set_id=sid)
    rs.write("t2", "c", "Ana", "follow_up")  # outside the set: not its progress
    row = rs.sets().iloc[0]
    assert (row["n_items"], row["n_reviewed"]) == (3, 1)
    rs.remove_from_set(sid, "t1", "a", "Ben")
    rs.add_to_set(sid, "t9", "z", "Ben")
    assert list(rs.set_items(sid)["item_id"]) == ["b", "c", "z"]
    assert list(rs.set_items(sid, removed=True)["removed_by"]) == ["Ben"]
    rs.add_to_set(sid, "t1", "a", "Ana")  # back, at the end
    assert list(rs.set_items(sid)["item_id"]) == ["b", "c", "z", "a"]
    assert list(rs.sets_with_item("t1", "b")["name"]) == ["High gap"]
    with pytest.raises(ReviewInputError, match="exists already"):
        rs.create_set("High gap", "Ben", ITEMS, {}, "", None)


def test_log_is_append_only_latest_shown_with_history(rs):
    first = rs.write("t1", "a", "Ana", "agree_with_humans", note="looks fine")
    second = rs.write("t1", "a", "Ben", "annotation_error", seen_entry=first.entry_id)
    rs.write("t1", "a", "Ana", None, note="only a note", seen_entry=second.entry_id)
    latest = rs.latest_verdicts([("t1", "a")]).iloc[0]
    assert (latest["verdict"], latest["reviewer"], latest["n_verdicts"], latest["n_reviewers"]) == \
        ("annotation_error", "Ben", 2, 2)
    hist = rs.history("t1", "a")
    assert list(hist["reviewer"]) == ["Ana", "Ben", "Ana"] and hist["unseen"].isna().all()
    assert rs.judged(("annotation_error",)) == (("t1", "a"),)
    with sqlite3.connect(rs.path) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE entries SET verdict = 'follow_up'")
    with sqlite3.connect(rs.path) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM entries")


def test_a_concurrent_edit_is_kept_and_reported(rs):
    seen = rs.latest_entry_id("t1", "a")  # both open the item and see no entry
    ana = rs.write("t1", "a", "Ana", "model_misread", seen_entry=seen)
    ben = rs.write("t1", "a", "Ben", "genuinely_ambiguous", note="sarcasm?", seen_entry=seen)
    assert ana.unseen.empty
    assert list(ben.unseen["reviewer"]) == ["Ana"] and list(ben.unseen["entry_id"]) == [ana.entry_id]
    hist = rs.history("t1", "a")
    assert json.loads(hist["unseen"].iloc[0]) == [ana.entry_id] and len(hist) == 2


def _write_many(path: str, who: str, n: int) -> None:
    store = ReviewStore(Path(path))
    for k in range(n):
        store.write("t1", f"item{k % 5}", who, "follow_up", note=f"{who} {k}",
                    seen_entry=store.latest_entry_id("t1", f"item{k % 5}"))


def test_several_processes_and_threads_write_at_once_and_nothing_is_lost(rs):
    rs.create_set("warm", "Ana", ITEMS, {}, "", None)  # the file exists: no race on creating it
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(str(rs.path), f"p{i}", 25)) for i in range(3)]
    threads = [threading.Thread(target=_write_many, args=(str(rs.path), f"t{i}", 25)) for i in range(2)]
    for w in (*procs, *threads):
        w.start()
    for w in (*procs, *threads):
        w.join(120)
    assert all(p.exitcode == 0 for p in procs)
    with sqlite3.connect(rs.path) as con:
        notes = {n for (n,) in con.execute("SELECT note FROM entries")}
    assert notes == {f"{w} {k}" for w in ("p0", "p1", "p2", "t0", "t1") for k in range(25)}


def test_bad_input_is_refused_and_nothing_written(rs):
    rs.write("t1", "a", "Ana", "follow_up")
    before = _n_entries(rs.path)
    for kwargs, match in (({"reviewer": "  "}, "reviewer name is empty"),
                          ({"note": "x" * 1_048_576}, f"capped at {NOTE_MAX_CHARS:,}"),
                          ({"verdict": None, "note": ""}, "empty entry"),
                          ({"reviewer": "Ana\nBen"}, "one line"),
                          ({"verdict": "anotation_error"}, "did you mean 'annotation_error'")):
        args = {"task_id": "t1", "item_id": "a", "reviewer": "Ana", "verdict": "follow_up", **kwargs}
        with pytest.raises((ReviewInputError, UnknownVerdict), match=match):
            rs.write(**args)
    assert _n_entries(rs.path) == before
    with pytest.raises(ReviewInputError, match="set name is empty"):
        rs.create_set("", "Ana", ITEMS, {}, "", None)
    with pytest.raises(ReviewInputError, match="no items"):
        rs.create_set("empty", "Ana", [], {}, "", None)
    assert rs.sets().empty
    markup = "<script>alert(1)</script> **bold** [x](javascript:alert(1))"
    rs.write("t1", "a", "Ana", None, note=markup)
    assert rs.history("t1", "a")["note"].iloc[0] == markup  # kept verbatim; pages show it as text


def test_unwritable_place_gives_a_read_only_store_with_a_notice(tmp_path):
    # Root ignores permission bits, so a folder that cannot exist stands in for a read-only
    # disk: the path lies under a regular file, and every write fails as on a read-only mount.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rs = open_review_store(blocker / "reviews.sqlite")
    assert not rs.writable and "read-only" in rs.notice and "ATLAS_REVIEW_STORE" in rs.notice
    assert rs.sets().empty and rs.latest_verdicts().empty  # reads still work (nothing to read)
    with pytest.raises(ReviewStoreReadOnly, match="ATLAS_REVIEW_STORE"):
        rs.write("t1", "a", "Ana", "follow_up")
    with pytest.raises(ReviewStoreReadOnly):
        rs.create_set("x", "Ana", ITEMS, {}, "", None)


def test_an_existing_store_opened_read_only_can_be_read_not_written(tmp_path):
    path = tmp_path / "reviews.sqlite"
    ReviewStore(path).write("t1", "a", "Ana", "follow_up")
    ro = ReviewStore(path, writable=False, notice="Reviews are read-only here.")
    assert list(ro.latest_verdicts()["verdict"]) == ["follow_up"]
    with pytest.raises(ReviewStoreReadOnly, match="read-only here"):
        ro.write("t1", "a", "Ana", "follow_up")


def test_a_corrupt_file_gives_a_clear_message(tmp_path):
    path = tmp_path / "reviews.sqlite"
    path.write_bytes(b"this is not sqlite at all " * 200)
    rs = open_review_store(path)
    for call in (rs.sets, lambda: rs.write("t1", "a", "Ana", "follow_up")):
        with pytest.raises(ReviewStoreError, match="cannot be read .*move it aside"):
            call()
    assert path.read_bytes().startswith(b"this is not sqlite")  # left as it was


def test_a_store_from_a_newer_app_is_refused(tmp_path):
    path = tmp_path / "reviews.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {REVIEW_SCHEMA_VERSION + 1}")
    with pytest.raises(ReviewStoreError, match="schema version"):
        ReviewStore(path).sets()


def test_vocabulary_default_and_configured(monkeypatch):
    assert [v.label for v in vocabulary().verdicts] == list(DEFAULT_VERDICTS)
    assert vocabulary().get("annotation_error").key == "3"
    monkeypatch.setenv("ATLAS_REVIEW_VERDICTS", "Keep; Drop it; Annotation error")
    assert vocabulary().names() == ["keep", "drop_it", "annotation_error"]
    monkeypatch.setenv("ATLAS_REVIEW_VERDICTS", "Keep; keep")
    with pytest.raises(ValueError, match="distinct"):
        vocabulary()


def test_a_read_only_copy_gives_its_rows_or_a_clear_error_never_sqlite3s_own(tmp_path):
    # A WAL store copied onto a place where its -shm file cannot be made: SQLite cannot open it
    # read-only; the store says so instead of raising sqlite3's error.
    path = tmp_path / "reviews.sqlite"
    ReviewStore(path).write("t1", "a", "Ana", "follow_up")
    blocker = tmp_path / "ro"
    blocker.mkdir()
    copy = blocker / "reviews.sqlite"
    copy.write_bytes(path.read_bytes())
    ro = ReviewStore(copy, writable=False, notice="read-only")
    try:
        got = ro.latest_verdicts()
    except (ReviewStoreReadOnly, ReviewStoreError) as e:
        assert str(copy) in str(e)
    else:
        assert list(got["verdict"]) == ["follow_up"]


class _FakeHub:
    """An in-process stand-in for huggingface_hub.HfApi (a mock: the real Hub is never reached)."""

    def __init__(self, stored: bytes | None = None, fail: bool = False):
        self.stored, self.fail, self.uploads = stored, fail, []

    def hf_hub_download(self, repo_id, filename, *, repo_type, local_dir):
        if self.stored is None:
            raise FileNotFoundError(f"{repo_id} has no {filename}")
        out = Path(local_dir) / "downloaded.sqlite"
        out.write_bytes(self.stored)
        return str(out)

    def upload_file(self, *, path_or_fileobj, path_in_repo, repo_id, repo_type, commit_message):
        if self.fail:
            raise ConnectionError("hub unreachable")
        self.uploads.append((path_in_repo, repo_type))
        self.stored = path_or_fileobj


def test_hub_mirror_batches_snapshots_and_restores_them(tmp_path):
    from reviews.hub_mirror import HubMirror
    hub = _FakeHub()
    first = HubMirror(tmp_path / "a" / "reviews.sqlite", "team/reviews", hub, every_s=3600)
    first.restore()
    assert "No review copy restored" in first.status
    rs = ReviewStore(first.path)
    for k in range(5):  # a burst of writes: one commit
        rs.write("t1", f"i{k}", "Ana", "follow_up")
        first._dirty.set()
    assert first.sync() and not first.sync() and hub.uploads == [("reviews.sqlite", "dataset")]
    # a fresh disk (a restarted Space) gets every write back
    second = HubMirror(tmp_path / "b" / "reviews.sqlite", "team/reviews", hub, every_s=3600)
    second.path.parent.mkdir()
    second.restore()
    assert len(ReviewStore(second.path).latest_verdicts()) == 5
    # an unreachable Hub keeps the write for the next try and says so
    hub.fail = True
    rs.write("t1", "i9", "Ana", "follow_up")
    first._dirty.set()
    assert not first.sync() and first.failed and "safe on this disk" in first.status
    hub.fail = False
    assert first.sync() and len(hub.uploads) == 2
