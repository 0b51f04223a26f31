"""Durable request cache: one SQLite row per (endpoint model, prompt, parameters, sample index).

A row is written (and committed) as soon as its answer arrives, so an interrupted run resumes
where it stopped: keys already present are never asked again and never duplicated (the key is
the primary key). Only answers the server gave are stored (including deterministic rejections
such as HTTP 400); transport failures are not, so a rerun asks for them again.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    run TEXT,
    task_id TEXT,
    item_id TEXT,
    sample_idx INTEGER,
    request TEXT NOT NULL,
    record TEXT NOT NULL,
    endpoint TEXT,
    latency_s REAL,
    created_at TEXT
)"""


def request_key(model: str, messages: list[dict], params: dict, sample_idx: int) -> str:
    """Stable key; `params` must exclude the fields that only say how a sample was fetched
    (n, seed, stream), so a sample has one key however it was asked for."""
    blob = json.dumps({"model": model, "messages": messages, "params": params, "sample": sample_idx},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class RequestCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(str(self.path), timeout=30)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute(SCHEMA)
        self.con.commit()

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def present(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self.con.execute(f"SELECT key FROM responses WHERE key IN ({','.join('?' * len(chunk))})",
                                    chunk)
            found.update(r[0] for r in rows)
        return found

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self.con.execute(
                f"SELECT key, record FROM responses WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            out.update((k, json.loads(r)) for k, r in rows)
        return out

    def put(self, key: str, *, model: str, run: str, task_id: str, item_id: str, sample_idx: int,
            request: dict, record: dict, endpoint: str, latency_s: float) -> bool:
        """Insert one answer; returns False (and keeps the first) if the key is already there."""
        cur = self.con.execute(
            "INSERT OR IGNORE INTO responses VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [key, model, run, task_id, item_id, sample_idx, json.dumps(request, ensure_ascii=False),
             json.dumps(record, ensure_ascii=False), endpoint, latency_s,
             datetime.now(UTC).isoformat(timespec="seconds")])
        self.con.commit()
        return cur.rowcount == 1

    def count(self, run: str | None = None) -> int:
        if run is None:
            return self.con.execute("SELECT count(*) FROM responses").fetchone()[0]
        return self.con.execute("SELECT count(*) FROM responses WHERE run = ?", [run]).fetchone()[0]
