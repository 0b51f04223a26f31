"""Shared parsing for every dataset reader (generic formats and named adapters).

Where a file is (local paths relative to the study file, or `hf://datasets/OWNER/NAME/FILE[@rev]`
fetched with huggingface_hub), how it is read (CSV, TSV, JSON, JSONL, Parquet, every cell kept as
written), how label values are matched to the declared labels, and how label lists are parsed.
Every error names the file, the row and the field.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from precompute.study import StudyError

FILE_TYPES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl",
              ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
HF_PREFIX = "hf://"
HF_SHAPE = "hf://datasets/OWNER/NAME/FILE[@revision]"


# ---------------------------------------------------------------- paths

def parse_hf_url(url: str) -> tuple[str, str, str | None]:
    """`hf://datasets/OWNER/NAME/FILE[@rev]` (or `.../NAME@rev/FILE`) -> (repo_id, file, revision)."""
    parts = url[len(HF_PREFIX):].split("/")
    if len(parts) < 4 or parts[0] != "datasets" or not all(parts[1:4]):
        raise StudyError(f"{url}: a Hub path has the shape {HF_SHAPE}")
    name, revision = (parts[2].split("@", 1) + [None])[:2]
    filename = "/".join(parts[3:])
    if "@" in filename:
        filename, revision = filename.rsplit("@", 1)
    return f"{parts[1]}/{name}", filename, revision or None


class MissingFile(StudyError):
    """The named file does not exist (locally, or in the Hub dataset)."""


def _truthy_env(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def hf_download(url: str, revision: str | None = None) -> Path:
    """Fetch one dataset file from the Hub into the huggingface_hub cache (HF_HUB_CACHE), honouring
    HF_TOKEN and HF_HUB_OFFLINE (then only the cache is used). A revision in the URL wins."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError
    repo_id, filename, url_rev = parse_hf_url(url)
    rev = url_rev or revision
    offline = _truthy_env("HF_HUB_OFFLINE")
    try:
        return Path(hf_hub_download(repo_id, filename, repo_type="dataset", revision=rev,
                                    token=os.environ.get("HF_TOKEN") or None,
                                    cache_dir=os.environ.get("HF_HUB_CACHE") or None,
                                    local_files_only=offline))
    except Exception as e:  # huggingface_hub raises many error types; all mean "not available"
        hint = " (HF_HUB_OFFLINE is set: only the local cache was searched)" if offline else ""
        error = MissingFile if isinstance(e, EntryNotFoundError) else StudyError
        raise error(f"{url}: cannot fetch {filename!r} of dataset {repo_id!r} at revision "
                         f"{rev or 'main'}{hint}: {type(e).__name__}: {e}") from e


def resolve_path(path: str, base: Path, revision: str | None = None) -> Path:
    """A readable local file for `path` (relative paths are relative to `base`, the study file's
    folder; `hf://` paths are downloaded)."""
    path = str(path)
    if path.startswith(HF_PREFIX):
        return hf_download(path, revision)
    p = Path(path).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise MissingFile(f"{p}: file not found")
    return p


def join_path(folder: str, name: str) -> str:
    """`folder/name` for a local folder or a Hub folder (a revision suffix stays at the end)."""
    folder = str(folder).rstrip("/")
    head, _, last = folder.rpartition("/")
    if folder.startswith(HF_PREFIX) and folder.count("/") > 4 and "@" in last:  # .../FOLDER@rev
        last, rev = last.rsplit("@", 1)
        return f"{head}/{last}/{name}@{rev}"
    return f"{folder}/{name}"


def resolve_optional(path: str, base: Path, revision: str | None = None) -> Path | None:
    """Like resolve_path, but None when the file does not exist."""
    try:
        return resolve_path(path, base, revision)
    except MissingFile:
        return None


# ---------------------------------------------------------------- tables

@dataclass
class Table:
    """A file read into a frame. `origin[i]` is the source row of frame row i (for messages);
    `lines` holds the 1-based source line of each source row where the format has lines."""
    frame: pd.DataFrame
    path: str
    lines: np.ndarray | None = None
    origin: np.ndarray | None = None

    def __post_init__(self):
        if self.origin is None:
            self.origin = np.arange(len(self.frame))

    def where(self, i: int) -> str:
        src = int(self.origin[i])
        line = f" (line {int(self.lines[src])})" if self.lines is not None else ""
        key = f" (key {self.frame['_key'].iloc[i]!r})" if "_key" in self.frame.columns else ""
        return f"{self.path}, row {src + 1}{line}{key}"

    def take(self, mask) -> Table:
        mask = np.asarray(mask, dtype=bool)
        return Table(self.frame.loc[mask].reset_index(drop=True), self.path, self.lines, self.origin[mask])

    def column(self, name: str, field: str) -> pd.Series:
        """Column `name` (a dotted path reaches into JSON objects), for config field `field`."""
        if name in self.frame.columns:
            return self.frame[name]
        head, _, rest = name.partition(".")
        if rest and head in self.frame.columns:
            return self.frame[head].map(lambda v: _dig(v, rest.split(".")))
        cols = ", ".join(map(str, self.frame.columns[:30]))
        raise StudyError(f"{self.path}, header, field {field}: no column {name!r} (columns: {cols})")

    def strings(self, name: str, field: str, required: bool = True) -> pd.Series:
        """Column as stripped strings ('' for missing); with `required`, an empty cell is an error."""
        s = as_str(self.column(name, field))
        if required:
            empty = (s == "").to_numpy()
            if empty.any():
                raise StudyError(f"{self.where(int(np.argmax(empty)))}, field {field} (column {name!r}): "
                                 "empty value")
        return s


def _dig(value, keys: list[str]):
    for k in keys:
        if isinstance(value, str) and value[:1] == "{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return None
        if not isinstance(value, dict):
            return None
        value = value.get(k)
    return value


def as_str(s: pd.Series) -> pd.Series:
    """Cells as stripped strings; None/NaN become ''; integral floats from JSON stay as written."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        return str(v).strip()
    return s.map(one).astype(object)


def file_type(path: Path, declared: str | None) -> str:
    kind = declared or FILE_TYPES.get(path.suffix.lower())
    if kind not in set(FILE_TYPES.values()):
        raise StudyError(f"{path}: cannot tell the file type from {path.suffix!r}; set file_type to one of "
                         f"{sorted(set(FILE_TYPES.values()))}")
    return kind


def read_table(path: Path, declared_type: str | None = None, records: str | None = None) -> Table:
    """Read CSV/TSV (all cells as text, nothing turned into NaN), JSON (a list of records, an object
    of records keyed by id -> column `_key`, or an object whose list of records is under the key
    `records`, or its only list), JSONL, Parquet."""
    kind = file_type(path, declared_type)
    if path.stat().st_size == 0:
        raise StudyError(f"{path}: the file is empty")
    lines = None
    if kind in ("csv", "tsv"):
        try:
            frame = pd.read_csv(path, sep="," if kind == "csv" else "\t", dtype=str, keep_default_na=False,
                                encoding="utf-8")
        except (pd.errors.ParserError, UnicodeDecodeError) as e:
            raise StudyError(f"{path}: not readable as {kind.upper()} ({e})") from e
        except pd.errors.EmptyDataError as e:
            raise StudyError(f"{path}: the file is empty") from e
        lines = np.arange(len(frame)) + 2  # header is line 1 (multi-line quoted cells shift this)
    elif kind == "jsonl":
        frame, lines = _read_jsonl(path)
    elif kind == "json":
        frame = _read_json(path, records)
    else:
        try:
            frame = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several types for a bad file
            raise StudyError(f"{path}: not readable as Parquet ({e})") from e
    if not len(frame):
        raise StudyError(f"{path}: the file has no data rows")
    return Table(frame, str(path), lines)


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    records, lines = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise StudyError(f"{path}, line {n}: not valid JSON ({e.msg})") from e
            if not isinstance(rec, dict):
                raise StudyError(f"{path}, line {n}: expected a JSON object, got {type(rec).__name__}")
            records.append(rec)
            lines.append(n)
    return pd.DataFrame.from_records(records), np.asarray(lines)


def load_json(path: Path, lenient: bool = False):
    """json.load with a located error; `lenient` drops trailing commas before } and ]."""
    text = path.read_text(encoding="utf-8")
    if lenient:
        import re
        text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise StudyError(f"{path}, line {e.lineno}: not valid JSON ({e.msg})") from e


def _read_json(path: Path, records: str | None) -> pd.DataFrame:
    data = load_json(path)
    if records is not None:
        if not isinstance(data, dict) or records not in data:
            raise StudyError(f"{path}: no top-level key {records!r} (field records)")
        data = data[records]
    elif isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if data and all(isinstance(v, dict) for v in data.values()):
            return pd.DataFrame.from_records([{"_key": k, **v} for k, v in data.items()])
        if len(lists) == 1:
            data = lists[0]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise StudyError(f"{path}: expected a list of records, an object of records keyed by id, or an "
                         "object holding one list of records (name its key with records = \"KEY\")")
    return pd.DataFrame.from_records(data)


# ---------------------------------------------------------------- labels

class LabelMatcher:
    """Maps raw label values to indices into the declared labels. "1", 1, 1.0 and "1.0" all match
    the label "1"; anything else that is not a declared label gives -1."""

    def __init__(self, labels: list[str]):
        self.labels = [str(x) for x in labels]
        self.alias: dict[str, int] = {}
        self.numeric: dict[float, int] = {}
        for i, label in enumerate(self.labels):
            self.alias[label] = i
            try:
                self.numeric[float(label)] = i
            except ValueError:
                pass

    def code(self, value) -> int:
        text = "" if value is None else str(value).strip()
        if text in self.alias:
            return self.alias[text]
        try:
            return self.numeric.get(float(text), -1)
        except ValueError:
            return -1

    def codes(self, values: pd.Series) -> np.ndarray:
        text = as_str(values)
        out = text.map(self.alias)
        missing = out.isna().to_numpy()
        if missing.any():
            out[missing] = [self.code(v) for v in text[missing]]
        return out.to_numpy(dtype=np.int64)

    def fail(self, where: str, field: str, value) -> StudyError:
        return StudyError(f"{where}, field {field}: label {value!r} is not one of the declared labels "
                          f"{self.labels}")


def parse_list(value, where, field: str, separator: str | None = None) -> list:
    """A list cell: a real list, a JSON or Python list literal such as "[0, 1, 1]", or with
    `separator` a plain separated string such as "0,1,1". `where` is a str or a callable giving one
    (called only to report an error)."""
    if callable(where):
        try:
            return parse_list(value, "", field, separator)
        except StudyError:
            return parse_list(value, where(), field, separator)
    if isinstance(value, list | tuple | np.ndarray):
        items = list(value)
    elif isinstance(value, str) and separator and not value.strip().startswith("["):
        items = [] if not value.strip() else [p.strip() for p in value.split(separator)]
    elif isinstance(value, str):
        items = _list_literal(value.strip(), where, field)
    else:
        raise StudyError(f"{where}, field {field}: expected a list of labels, got {value!r}")
    if any(isinstance(v, list | tuple | dict) for v in items):
        raise StudyError(f"{where}, field {field}: malformed list {value!r} (nested values)")
    return items


def _list_literal(text: str, where: str, field: str) -> list:
    if text.startswith("[") and text.endswith("]"):
        try:
            return list(json.loads(text))
        except json.JSONDecodeError:
            try:
                out = ast.literal_eval(text)
                if isinstance(out, list):
                    return out
            except (ValueError, SyntaxError):
                pass
    raise StudyError(f"{where}, field {field}: malformed list {text!r} (expected e.g. \"[0, 1, 1]\")")


def parse_mapping(value, where: str, field: str) -> dict:
    """A mapping cell: a dict or a JSON object string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    if not isinstance(value, dict):
        raise StudyError(f"{where}, field {field}: expected a label -> count mapping, got {value!r}")
    return value


def parse_count(value, where: str, field: str) -> int:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    if not np.isfinite(x) or x < 0 or x != int(x):
        raise StudyError(f"{where}, field {field}: count {value!r} is not a non-negative whole number")
    return int(x)
