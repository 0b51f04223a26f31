"""The review store: one SQLite file that several app sessions (threads and processes) write
at once. WAL mode lets readers go on while one writer writes; a busy timeout makes writers
queue instead of failing; every write is one short transaction. The file is created, and its
schema migrated, on the first write; a store that cannot be written is opened read-only and
says why (`notice`), and a damaged file raises ReviewStoreError with a plain message."""
from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reviews.checks import SET_MAX_ITEMS, ReviewInputError, clean_name, clean_note
from reviews.schema import MIGRATIONS, REVIEW_SCHEMA_VERSION
from reviews.vocabulary import Vocabulary, vocabulary

BUSY_TIMEOUT_MS = 10_000


class ReviewStoreError(RuntimeError):
    """The review file cannot be used (damaged, or written by a newer version of the app)."""


class ReviewStoreReadOnly(RuntimeError):
    """Reviews cannot be written here (the message says why and how to configure a place)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class WriteOutcome:
    entry_id: int
    unseen: pd.DataFrame  # entries of the item written after the one the writer had seen


@dataclass
class ReviewStore:
    path: Path
    writable: bool = True
    notice: str = ""  # why the store is read-only, for the pages to show
    vocab: Vocabulary = field(default_factory=vocabulary)

    # ------------------------------------------------------------------ connections
    def _damaged(self, e: Exception) -> ReviewStoreError:
        return ReviewStoreError(
            f"The review store {self.path} cannot be read ({e}). It is damaged or not a review "
            "store: move it aside (reviews start again in a new file) or point ATLAS_REVIEW_STORE "
            "at a good copy. The atlas itself is unaffected.")

    @contextlib.contextmanager
    def _connect(self, write: bool):
        """A connection for one operation (None for reads of a store not created yet)."""
        if write and not self.writable:
            raise ReviewStoreReadOnly(self.notice)
        if not write and not self.path.exists():
            yield None
            return
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)  # created on the first write
        except OSError as e:
            raise ReviewStoreReadOnly(f"The review store's folder {self.path.parent} cannot be created ({e}). "
                                      "Set ATLAS_REVIEW_STORE to a file in a writable folder.") from e
        try:
            uri = f"file:{self.path}" + ("" if self.writable else "?mode=ro")
            con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                  check_same_thread=False)
        except sqlite3.Error as e:
            raise self._problem(e) from e
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > REVIEW_SCHEMA_VERSION:
                raise ReviewStoreError(
                    f"The review store {self.path} has schema version {version}; this version of the "
                    f"app reads up to {REVIEW_SCHEMA_VERSION}. Update the app, or use another file.")
            if write and version < REVIEW_SCHEMA_VERSION:
                self._migrate(con, version)
            elif not write and version < REVIEW_SCHEMA_VERSION:
                yield None  # an empty file (created, never written): nothing to read yet
                return
            yield con
        except sqlite3.Error as e:
            raise self._problem(e) from e
        finally:
            con.close()

    def _problem(self, e: sqlite3.Error) -> Exception:
        text = str(e).lower()
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return ReviewStoreReadOnly(f"The review store {self.path} cannot be written ({e}). Set "
                                       "ATLAS_REVIEW_STORE to a file in a writable folder.")
        if "locked" in text or "busy" in text:
            return ReviewStoreError(f"The review store {self.path} stayed busy for "
                                    f"{BUSY_TIMEOUT_MS // 1000} s; nothing was written, try again.")
        return self._damaged(e)

    def _migrate(self, con: sqlite3.Connection, version: int) -> None:
        if version == 0:
            con.execute("PRAGMA journal_mode = WAL")  # kept in the file: readers never block the writer
        for i in range(version, REVIEW_SCHEMA_VERSION):
            try:
                con.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[i]}; PRAGMA user_version = {i + 1}; COMMIT;")
            except sqlite3.OperationalError:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if con.execute("PRAGMA user_version").fetchone()[0] <= i:  # not another writer's work
                    raise

    def _frame(self, sql: str, params=(), columns: list[str] | None = None) -> pd.DataFrame:
        with self._connect(write=False) as con:
            if con is None:
                return pd.DataFrame(columns=columns or [])
            cur = con.execute(sql, list(params))
            frame = pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
        # SQL NULL stays None in text columns (pandas' string dtype makes it NaN, which is truthy)
        for col in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                frame[col] = pd.Series([None if pd.isna(v) else v for v in frame[col]], index=frame.index,
                                       dtype=object)
        return frame

    # ------------------------------------------------------------------ review sets
    def create_set(self, name: str, created_by: str, items: list[tuple[str, str]], params: dict[str, str],
                   sentence: str, build_id: str | None) -> int:
        """A frozen, ordered list of items made from an Items view (its URL params and slice
        sentence kept with it). Returns the new set's id."""
        name, created_by = clean_name(name, "set name"), clean_name(created_by, "reviewer name")
        items = list(dict.fromkeys(items))
        if not items:
            raise ReviewInputError("The view has no items, so there is nothing to put in a set.")
        if len(items) > SET_MAX_ITEMS:
            raise ReviewInputError(f"A set holds at most {SET_MAX_ITEMS} items; ask for fewer.")
        at = now()
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            if con.execute("SELECT 1 FROM review_sets WHERE name = ?", [name]).fetchone():
                con.execute("ROLLBACK")
                raise ReviewInputError(f"A review set named {name!r} exists already; pick another name.")
            set_id = con.execute("INSERT INTO review_sets (name, created_by, created_at, build_id, slice_sentence, "
                                 "params) VALUES (?, ?, ?, ?, ?, ?)",
                                 [name, created_by, at, build_id, sentence, json.dumps(params, sort_keys=True)]
                                 ).lastrowid
            con.executemany("INSERT INTO set_items (set_id, task_id, item_id, position, added_by, added_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            [(set_id, t, i, n + 1, created_by, at) for n, (t, i) in enumerate(items)])
            con.execute("COMMIT")
        return set_id

    def sets(self) -> pd.DataFrame:
        """Every set, newest first, with n_items (not removed) and n_reviewed (items with a
        verdict given in the set)."""
        return self._frame(
            "SELECT s.set_id, s.name, s.created_by, s.created_at, s.build_id, s.slice_sentence, s.params, "
            "(SELECT count(*) FROM set_items i WHERE i.set_id = s.set_id AND i.removed_at IS NULL) AS n_items, "
            "(SELECT count(*) FROM set_items i WHERE i.set_id = s.set_id AND i.removed_at IS NULL AND EXISTS "
            " (SELECT 1 FROM entries e WHERE e.set_id = s.set_id AND e.task_id = i.task_id "
            "  AND e.item_id = i.item_id AND e.verdict IS NOT NULL)) AS n_reviewed "
            "FROM review_sets s ORDER BY s.set_id DESC",
            columns=["set_id", "name", "created_by", "created_at", "build_id", "slice_sentence", "params",
                     "n_items", "n_reviewed"])

    def get_set(self, set_id: int) -> dict | None:
        found = self._frame("SELECT * FROM review_sets WHERE set_id = ?", [int(set_id)])
        if not len(found):
            return None
        row = found.iloc[0].to_dict()
        row["params"] = json.loads(row["params"])
        return row

    def set_items(self, set_id: int, removed: bool = False) -> pd.DataFrame:
        """The set's items in order (position from 1), or with removed=True the removed ones."""
        return self._frame(
            "SELECT task_id, item_id, position, added_by, added_at, removed_by, removed_at FROM set_items "
            f"WHERE set_id = ? AND removed_at IS {'NOT ' if removed else ''}NULL ORDER BY position",
            [int(set_id)], columns=["task_id", "item_id", "position", "added_by", "added_at",
                                    "removed_by", "removed_at"])

    def add_to_set(self, set_id: int, task_id: str, item_id: str, who: str) -> None:
        """Appends the item to the set (or brings back an item removed from it)."""
        who = clean_name(who, "reviewer name")
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            if not con.execute("SELECT 1 FROM review_sets WHERE set_id = ?", [int(set_id)]).fetchone():
                con.execute("ROLLBACK")
                raise ReviewInputError(f"There is no review set {set_id}.")
            last = con.execute("SELECT coalesce(max(position), 0) FROM set_items WHERE set_id = ?",
                               [int(set_id)]).fetchone()[0]
            con.execute("INSERT INTO set_items (set_id, task_id, item_id, position, added_by, added_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (set_id, task_id, item_id) DO UPDATE SET "
                        "removed_by = NULL, removed_at = NULL, position = excluded.position, "
                        "added_by = excluded.added_by, added_at = excluded.added_at WHERE removed_at IS NOT NULL",
                        [int(set_id), task_id, item_id, last + 1, who, now()])
            con.execute("COMMIT")

    def remove_from_set(self, set_id: int, task_id: str, item_id: str, who: str) -> None:
        """Marks the item removed (kept, with who and when; its verdicts stay in the log)."""
        who = clean_name(who, "reviewer name")
        with self._connect(write=True) as con:
            con.execute("UPDATE set_items SET removed_by = ?, removed_at = ? WHERE set_id = ? AND task_id = ? "
                        "AND item_id = ? AND removed_at IS NULL", [who, now(), int(set_id), task_id, item_id])

    def sets_with_item(self, task_id: str, item_id: str) -> pd.DataFrame:
        """The sets the item is in now: set_id, name, position."""
        return self._frame("SELECT s.set_id, s.name, i.position FROM set_items i JOIN review_sets s USING (set_id) "
                           "WHERE i.task_id = ? AND i.item_id = ? AND i.removed_at IS NULL ORDER BY s.set_id",
                           [task_id, item_id], columns=["set_id", "name", "position"])

    # ------------------------------------------------------------------ verdicts and notes
    def latest_entry_id(self, task_id: str, item_id: str) -> int:
        """The id of the item's newest entry (0 when it has none): what a writer states it saw."""
        found = self._frame("SELECT coalesce(max(entry_id), 0) AS n FROM entries WHERE task_id = ? AND item_id = ?",
                            [task_id, item_id])
        return int(found["n"].iloc[0]) if len(found) else 0

    def write(self, task_id: str, item_id: str, reviewer: str, verdict: str | None, note: str = "",
              seen_entry: int = 0, set_id: int | None = None, about: str | None = None,
              build_id: str | None = None) -> WriteOutcome:
        """Appends one entry (a verdict, a note or both). `seen_entry` is the item's newest entry
        the writer saw (latest_entry_id when the form was drawn): entries written since are a
        concurrent edit, kept side by side and returned in `unseen` so the writer is told."""
        reviewer, note = clean_name(reviewer, "reviewer name"), clean_note(note)
        if verdict:
            verdict = self.vocab.get(verdict).name
        if not verdict and not note:
            raise ReviewInputError("Pick a verdict or write a note; an empty entry is not saved.")
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")  # the check for unseen entries and the insert are one step
            unseen = con.execute("SELECT entry_id, reviewer, verdict, note, written_at FROM entries "
                                 "WHERE task_id = ? AND item_id = ? AND entry_id > ? ORDER BY entry_id",
                                 [task_id, item_id, int(seen_entry)]).fetchall()
            entry_id = con.execute(
                "INSERT INTO entries (task_id, item_id, set_id, reviewer, verdict, about, note, written_at, "
                "build_id, seen_entry, unseen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [task_id, item_id, set_id, reviewer, verdict, about or None, note, now(), build_id,
                 int(seen_entry), json.dumps([u[0] for u in unseen]) if unseen else None]).lastrowid
            con.execute("COMMIT")
        return WriteOutcome(entry_id, pd.DataFrame(unseen, columns=["entry_id", "reviewer", "verdict", "note",
                                                                    "written_at"]))

    _ENTRY_COLUMNS = ["entry_id", "task_id", "item_id", "set_id", "reviewer", "verdict", "about", "note",
                      "written_at", "build_id", "seen_entry", "unseen"]

    def history(self, task_id: str, item_id: str) -> pd.DataFrame:
        """Every entry of the item, newest first (unseen: JSON list of the entries its writer
        had not seen, when it was a concurrent edit)."""
        return self._frame("SELECT * FROM entries WHERE task_id = ? AND item_id = ? ORDER BY entry_id DESC",
                           [task_id, item_id], columns=self._ENTRY_COLUMNS)

    def set_entries(self, set_id: int) -> pd.DataFrame:
        """Every entry written in the set, oldest first."""
        return self._frame("SELECT * FROM entries WHERE set_id = ? ORDER BY entry_id", [int(set_id)],
                           columns=self._ENTRY_COLUMNS)

    def latest_verdicts(self, items: list[tuple[str, str]] | None = None) -> pd.DataFrame:
        """Per item (of `items`, or every item), its newest verdict: task_id, item_id, verdict,
        reviewer, written_at, n_verdicts (verdicts ever given), n_reviewers (distinct)."""
        cols = ["task_id", "item_id", "verdict", "reviewer", "written_at", "n_verdicts", "n_reviewers"]
        wanted, params = "", []
        if items is not None:
            if not items:
                return pd.DataFrame(columns=cols)
            wanted = " AND (task_id || char(31) || item_id) IN (SELECT value FROM json_each(?))"
            params = [json.dumps([f"{t}\x1f{i}" for t, i in items])]
        return self._frame(
            "SELECT task_id, item_id, verdict, reviewer, written_at, n_verdicts, n_reviewers FROM ("
            " SELECT *, row_number() OVER (PARTITION BY task_id, item_id ORDER BY entry_id DESC) AS r,"
            " count(*) OVER (PARTITION BY task_id, item_id) AS n_verdicts,"
            " (SELECT count(DISTINCT reviewer) FROM entries x WHERE x.task_id = e.task_id AND x.item_id = e.item_id"
            "  AND x.verdict IS NOT NULL) AS n_reviewers"
            f" FROM entries e WHERE verdict IS NOT NULL{wanted}) WHERE r = 1 ORDER BY task_id, item_id",
            params, columns=cols)

    def judged(self, verdicts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """The items whose newest verdict is one of `verdicts`, sorted (for the slice option
        that leaves them out)."""
        latest = self.latest_verdicts()
        hit = latest[latest["verdict"].isin(list(verdicts))]
        return tuple(sorted(zip(hit["task_id"], hit["item_id"], strict=True)))
