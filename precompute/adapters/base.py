"""What every adapter shares: its section keys, files inside the dataset folder, task provenance."""
from __future__ import annotations

from pathlib import Path

from precompute.formats.common import join_path, resolve_optional, resolve_path
from precompute.study import StudyError


def start(section: dict, name: str) -> str:
    where = f"[[dataset]] adapter '{name}' ({section.get('path')})"  # keys: precompute.study_schema
    if "path" not in section:
        raise StudyError(f"{where}: path is required (the dataset's folder)")
    return where


def dataset_file(section: dict, base: Path, name: str, optional: bool = False) -> Path | None:
    """A file of the dataset folder (local, or `hf://datasets/OWNER/NAME/FOLDER[@rev]`)."""
    path = join_path(section["path"], name)
    if optional:
        return resolve_optional(path, base, section.get("revision"))
    return resolve_path(path, base, section.get("revision"))


def split_files(section: dict, base: Path, prefix: str, where: str) -> list[tuple[str, Path]]:
    """(split, file) for each of PREFIX_{train,dev,test}.json that exists; none is an error."""
    found = [(s, p) for s in ("train", "dev", "test")
             if (p := dataset_file(section, base, f"{prefix}_{s}.json", optional=True)) is not None]
    if not found:
        raise StudyError(f"{where}: none of {prefix}_train/dev/test.json found in {section['path']}")
    return found


def lewidi_records(section: dict, base: Path, prefix: str, where: str):
    """(split, file, key, record) over the split files of one LeWiDi dataset (JSON objects keyed by
    item id; ids restart in every file, so callers key items by split and id)."""
    from precompute.formats.common import load_json
    for split, path in split_files(section, base, prefix, where):
        data = load_json(path)
        if not isinstance(data, dict) or not data:
            raise StudyError(f"{path}: expected a non-empty JSON object keyed by item id")
        for key, rec in data.items():
            if not isinstance(rec, dict) or "text" not in rec or "annotations" not in rec:
                raise StudyError(f"{path}, item {key!r}, field text/annotations: missing")
            yield split, path, key, rec


def read_lewidi(section: dict, base: Path, name: str, datasets: dict, read_one) -> list:
    """The reader shared by both LeWiDi editions: `datasets` maps a dataset prefix to its TaskSpecs;
    `read_one(section, base, prefix, specs, where)` gives their HumanData. Only datasets with a chosen
    task are read."""
    from precompute.formats.assemble import wanted_tasks
    where = start(section, name)
    wanted = wanted_tasks(section, [t.task_id for specs in datasets.values() for t in specs], where)
    out = []
    for ds, specs in datasets.items():
        if any(t.task_id in wanted for t in specs):
            out += [h for h in read_one(section, base, ds, specs, where) if h.task.task_id in wanted]
    return out
