"""The review store's schema: SQLite, versioned with PRAGMA user_version. Each migration takes
the store from version i to i + 1 in one transaction; a store written by a newer version of the
app is refused rather than guessed at."""
from __future__ import annotations

# The log of verdicts and notes is append-only (triggers refuse UPDATE and DELETE): every write
# is kept, the latest per item is what pages show, and the rest is its history.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE review_sets (
        set_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, build_id TEXT,
        slice_sentence TEXT NOT NULL, params TEXT NOT NULL  -- the Items view's URL params (JSON)
    );
    CREATE TABLE set_items (
        set_id INTEGER NOT NULL REFERENCES review_sets (set_id), task_id TEXT NOT NULL,
        item_id TEXT NOT NULL, position INTEGER NOT NULL, added_by TEXT NOT NULL, added_at TEXT NOT NULL,
        removed_by TEXT, removed_at TEXT, PRIMARY KEY (set_id, task_id, item_id)
    );
    CREATE TABLE entries (
        entry_id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, item_id TEXT NOT NULL,
        set_id INTEGER REFERENCES review_sets (set_id), reviewer TEXT NOT NULL, verdict TEXT,
        about TEXT,  -- the model type the verdict is about, if any
        note TEXT NOT NULL DEFAULT '', written_at TEXT NOT NULL, build_id TEXT,
        seen_entry INTEGER,  -- the item's latest entry the writer had seen (0: none)
        unseen TEXT  -- ids of the item's entries written after that one (a concurrent edit), or NULL
    );
    CREATE INDEX entries_by_item ON entries (task_id, item_id, entry_id);
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
    """,
)
REVIEW_SCHEMA_VERSION = len(MIGRATIONS)
