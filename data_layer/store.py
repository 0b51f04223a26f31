"""Read-only access to a built store: one connection, a cursor per query."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data_layer.schema import SCHEMA_VERSION
from data_layer.store_check import first_line, open_problems, schema_version, version_problem


class StoreError(RuntimeError):
    """The store cannot be used (missing, not a store, damaged, or built by another schema
    version). `problems` lists what is wrong, one sentence each; str() is one line."""

    def __init__(self, message: str, problems: list[str] | None = None, path: str | os.PathLike | None = None):
        super().__init__(message)
        self.problems = list(problems or [message])
        self.path = path


@dataclass(frozen=True)
class Result:
    """A query answer: a frame, or None with a sentence saying why there is nothing to show."""
    frame: pd.DataFrame | None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.frame is not None

    @classmethod
    def of(cls, frame: pd.DataFrame, empty_message: str) -> Result:
        return cls(frame, "") if len(frame) else cls(None, empty_message)


def rebuild_commands(path: str | os.PathLike) -> list[str]:
    """The command lines that write a new store at `path` (demo data, then your study)."""
    return [f"python -m precompute demo --out {path}",
            f"python -m precompute build --config study.toml --out {path}"]


def rebuild_hint(path: str | os.PathLike) -> str:
    demo, study = rebuild_commands(path)
    return f"Rebuild it with `{demo}` (demo data) or `{study}` (your study)."


def _unusable(path: Path, problems: list[str]) -> StoreError:
    return StoreError(f"Store {path} cannot be used: {'; '.join(problems)}. {rebuild_hint(path)}",
                      problems, path)


class Store:
    """A store opened read-only. Thread-safe: each query runs on its own cursor."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"No store at {self.path}. {rebuild_hint(self.path)}",
                             [f"there is no file at {self.path}"], self.path)
        if not self.path.is_file():
            raise _unusable(self.path, ["it is a directory, not a store file"])
        try:
            self._con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as e:
            raise _unusable(self.path, [f"it is not a readable DuckDB file ({first_line(e)})"]) from e
        try:
            self._check()
        except BaseException:
            self._con.close()
            raise
        self._lock = threading.Lock()
        self._run_keys: dict[str, int] | None = None  # run_key's map, read at its first use
        # Bound what one app process may take (the hosted demo runs on a small machine) and keep
        # DuckDB's terminal progress bar out of the server log.
        self._con.execute(f"SET memory_limit = '{os.environ.get('ATLAS_DUCKDB_MEMORY', '1GB')}'")
        self._con.execute("SET enable_progress_bar = false")
        # A GROUP BY item_key (0 .. items - 1) then aggregates into an array indexed by the key
        # instead of a hash table (DuckDB's default allows 12 bits): the paired comparisons' per-item
        # means over 1.6M pair rows at 10M rows, 54 -> 43 ms.
        try:
            last = self._cursor().execute("SELECT max(item_key) FROM human_dist").fetchone()[0] or 0
        except duckdb.Error as e:
            self._con.close()
            raise _unusable(self.path, [f"it is damaged: human_dist cannot be read ({first_line(e)})"]) from e
        self._con.execute(f"SET GLOBAL perfect_ht_threshold = {min(max(12, int(last).bit_length()), 20)}")
        self.n_item_keys = int(last) + 1  # item keys are 0 .. n - 1 over the store

    def run_key(self, run_id: str | None) -> int:
        """The run's dense integer key in item_scores (run_index.run_key), -1 for a run without
        scores. Filtering on it lets zone maps prune to the run's few row groups, which the
        string run_id, whose stored statistics keep an 8-byte prefix, cannot."""
        with self._lock:  # read once per store (one row per run)
            if self._run_keys is None:
                cur = self._con.cursor()
                try:
                    self._run_keys = dict(cur.execute("SELECT run_id, run_key FROM run_index").fetchall())
                finally:
                    cur.close()
            return self._run_keys.get(run_id, -1)

    def _check(self) -> None:
        """The cheap check at open (catalog and manifest only, see data_layer/store_check.py):
        a foreign, damaged or other-version file fails here with every problem named, instead
        of page by page later. `python -m precompute info STORE --check` also reads every row."""
        try:
            self.schema_version = schema_version(self._con)
            if self.schema_version is None:
                problems = ["it is not a Disagreement Atlas store (it has no readable build_info table)"]
            elif self.schema_version != SCHEMA_VERSION:
                problems = [version_problem(self.schema_version)]
            else:
                problems = open_problems(self._con)
        except duckdb.Error as e:  # a truncated file opens, then its catalog cannot be read
            problems = [f"it is damaged or truncated: DuckDB cannot read it ({first_line(e)})"]
        if problems:
            raise _unusable(self.path, problems)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:  # creating cursors on one connection is not itself thread-safe
            return self._con.cursor()

    def df(self, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params or [])).df()
        finally:
            cur.close()

    def arrays(self, sql: str, params: list | tuple | None = None) -> dict[str, np.ndarray]:
        """The answer's columns as numpy arrays (masked where NULL), without a DataFrame: 1.4 ms
        less for the 232k item keys of a ranking. Read through a relation (`sql`), which converts
        the rows as DuckDB produces them, where `execute` first keeps a copy of the whole answer:
        one run's 232k (item_key, metric) rows, 3.4 -> 2.6 ms (small answers are 0.2 ms slower
        this way, so `rows` and `df` keep `execute`)."""
        cur = self._cursor()
        try:
            return cur.sql(sql, params=list(params or [])).fetchnumpy()
        finally:
            cur.close()

    def column(self, sql: str, params: list | tuple | None = None) -> np.ndarray:
        """The first column of the answer as one numpy array."""
        return next(iter(self.arrays(sql, params).values()))

    def rows(self, sql: str, params: list | tuple | None = None) -> list[tuple]:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params or [])).fetchall()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | tuple | None = None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self._con.close()
