"""A store that knows itself: the manifest the builder writes and the checks that read it.

At build time `write_manifest` records, in `store_manifest`, every table and view with its
columns and types and, for every table but build_info and store_manifest themselves, its row
count and `content_hash`: the sum (as a 128-bit integer, so order-independent and duplicate
rows do not cancel) of DuckDB's `hash()` of each row. Their digest goes into
`build_info.content_checksum`. This covers every value in every data table (a changed,
added or removed row changes the sum, up to hash collisions); it is an integrity check
against damage and accidental edits, not a signature against deliberate forgery.

Two checks read it:
- `open_problems` (the app and every `Store`, at open: cheap, catalog only): the tables the
  code needs (schema.TABLES, schema.VIEWS) and every column the manifest lists, with its type.
- `check_store` (`python -m precompute info STORE --check`: reads every row): the above, plus
  row counts and content hashes. DuckDB's `hash()` is not promised stable across DuckDB
  versions, so when the store was built with another DuckDB version the hashes are not
  compared (said so) and the row counts still are.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from data_layer.schema import SCHEMA_VERSION, TABLES, VIEWS

UNHASHED = ("build_info", "store_manifest")  # build_info holds the digest; the manifest is itself


class ManifestError(ValueError):
    """The manifest is missing or unreadable."""


def _objects(con) -> dict[str, list[tuple[str, str]]]:
    """{table or view name: [(column, type), ...]} of the store's main schema, from the catalog."""
    rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = 'main' AND table_catalog = current_database() "
                       "ORDER BY table_name, ordinal_position").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


def table_digest(con, table: str) -> tuple[int, str]:
    """(row count, order-independent hash of every row) of one table, computed inside DuckDB."""
    n, h = con.execute(f'SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0)::VARCHAR '
                       f'FROM "{table}"').fetchone()
    return int(n), h


def overall_checksum(rows: list[tuple[str, int, str]]) -> str:
    """Digest of the per-table (name, row count, hash) triples."""
    blob = json.dumps(sorted(rows), separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def write_manifest(con) -> str:
    """Record the manifest of everything written so far (call after every table but build_info's
    row is written); returns the content checksum to store in build_info."""
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    objects = _objects(con)
    rows, hashed = [], []
    for name, columns in objects.items():
        kind = "view" if name in views else "table"
        n_rows = content = None
        if kind == "table" and name not in UNHASHED:
            n_rows, content = table_digest(con, name)
            hashed.append((name, n_rows, content))
        rows.append((name, kind, json.dumps(columns), n_rows, content))
    con.executemany("INSERT INTO store_manifest VALUES (?,?,?,?,?)", rows)
    return overall_checksum(hashed)


def _manifest(con) -> list[tuple]:
    try:
        return con.execute("SELECT object_name, kind, columns, n_rows, content_hash FROM store_manifest "
                           "ORDER BY object_name").fetchall()
    except duckdb.CatalogException as e:
        raise ManifestError("it has no store_manifest table") from e


def open_problems(con) -> list[str]:
    """What is missing or different from the manifest and from what this code needs, reading only
    the catalog and the manifest (milliseconds). Empty when the store looks whole."""
    objects = _objects(con)
    problems = [f"table {t} is missing" for t in [*TABLES, *VIEWS] if t not in objects]
    if "store_manifest" not in objects:
        return problems
    try:
        manifest = _manifest(con)
    except ManifestError as e:
        return [*problems, str(e)]
    if not manifest:
        return [*problems, "its store_manifest is empty"]
    for name, _kind, columns, _n, _h in manifest:
        if name not in objects:
            if name not in TABLES and name not in VIEWS:
                problems.append(f"table {name} is missing")
            continue
        have = dict(objects[name])
        try:
            wanted = [tuple(c) for c in json.loads(columns)]
        except (TypeError, ValueError):
            problems.append(f"the manifest's column list of {name} is unreadable")
            continue
        for column, dtype in wanted:
            if column not in have:
                problems.append(f"table {name} lacks column {column}")
            elif have[column] != dtype:
                problems.append(f"column {name}.{column} is {have[column]}, the manifest says {dtype}")
    return problems


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    checksum: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_store(path: str | Path) -> CheckResult:
    """Every check: opening, schema version, tables and columns, row counts and content hashes."""
    result = CheckResult()
    path = Path(path)
    if not path.is_file():
        result.problems.append(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
        return result
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        result.problems.append(f"not a readable DuckDB file ({first_line(e)})")
        return result
    try:
        _check_open(con, result)
    except duckdb.Error as e:
        result.problems.append(f"cannot be read, damaged or truncated ({first_line(e)})")
    finally:
        con.close()
    return result


def _check_open(con, result: CheckResult) -> None:
    version = schema_version(con)
    if version is None:
        result.problems.append("not a Disagreement Atlas store: it has no readable build_info")
        return
    if version != SCHEMA_VERSION:
        result.problems.append(version_problem(version))
        return
    result.problems += open_problems(con)
    if result.problems:
        return
    n_info = con.execute("SELECT count(*) FROM build_info").fetchone()[0]
    if n_info != 1:
        result.problems.append(f"build_info has {n_info} rows, expected 1")
    built_with = _built_duckdb(con)
    compare_hashes = built_with == ddb_version()
    if not compare_hashes:
        result.notes.append(f"content hashes not compared: built with DuckDB {built_with}, read with "
                            f"{ddb_version()} (hash() may differ between versions); row counts compared")
    hashed = []
    for name, kind, _cols, n_rows, content in _manifest(con):
        if kind != "table" or n_rows is None:
            continue
        try:
            n, h = table_digest(con, name)
        except duckdb.Error as e:
            result.problems.append(f"table {name} cannot be read ({first_line(e)})")
            continue
        result.tables += 1
        result.rows += n
        hashed.append((name, n, h))
        if n != n_rows:
            result.problems.append(f"table {name} has {n} rows, the manifest says {n_rows}")
        elif compare_hashes and h != content:
            result.problems.append(f"table {name}: its rows differ from those written at build "
                                   "(content hash mismatch)")
    result.checksum = overall_checksum(hashed)
    stored = con.execute("SELECT max(content_checksum) FROM build_info").fetchone()[0]
    if compare_hashes and not result.problems and stored != result.checksum:
        result.problems.append(f"the manifest itself was changed: build_info.content_checksum is {stored}, "
                               f"the manifest's rows give {result.checksum}")


def schema_version(con) -> int | None:
    try:
        row = con.execute("SELECT max(schema_version) FROM build_info").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):  # no build_info, or not ours
        return None
    return None if row is None else row[0]


def version_problem(version: int) -> str:
    if version > SCHEMA_VERSION:
        return (f"it has schema version {version}, newer than {SCHEMA_VERSION}, the one this version of "
                "Disagreement Atlas reads: update Disagreement Atlas, or rebuild the store with this one")
    return (f"it has schema version {version}; this version of Disagreement Atlas reads schema "
            f"version {SCHEMA_VERSION}")


def _built_duckdb(con) -> str | None:
    try:
        packages = json.loads(con.execute("SELECT max(packages) FROM build_info").fetchone()[0] or "{}")
    except (TypeError, ValueError):
        return None
    return packages.get("duckdb")


def ddb_version() -> str:
    return duckdb.__version__


def first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
