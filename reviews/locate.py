"""Where reviews are written: ATLAS_REVIEW_STORE (a file path), else reviews.sqlite in the
app's cache folder (data_layer.locate.cache_dir). The folder is created on the first write; when
no writable place can be had, the store opens read-only and its notice says why."""
from __future__ import annotations

import os
from pathlib import Path

from data_layer.locate import cache_dir
from reviews.store import ReviewStore

REVIEW_FILENAME = "reviews.sqlite"


def review_store_path() -> Path:
    return Path(os.environ.get("ATLAS_REVIEW_STORE") or cache_dir() / REVIEW_FILENAME)


def _unwritable(path: Path) -> str:
    """Why reviews cannot be written at `path` ('' when they can). Tries what a write needs
    (the folder, then opening the file for appending) rather than trusting permission bits,
    which say nothing on a read-only mount and are ignored for root."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"its folder cannot be created ({e.strerror or e})"
    if path.exists():
        try:
            with open(path, "ab"):
                pass
        except OSError as e:
            return f"the file cannot be written ({e.strerror or e})"
        return ""
    probe = path.parent / f".{path.name}.probe-{os.getpid()}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as e:
        return f"its folder is not writable ({e.strerror or e})"
    return ""


def open_review_store(path: Path | None = None) -> ReviewStore:
    path = Path(path) if path else review_store_path()
    why = _unwritable(path)
    if not why:
        return ReviewStore(path)
    return ReviewStore(path, writable=False, notice=(
        f"Reviews are read-only: {path} cannot be used for writing ({why}). Set ATLAS_REVIEW_STORE "
        "to a file in a writable folder to record verdicts and notes."))
