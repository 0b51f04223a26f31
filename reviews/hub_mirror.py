"""Optional persistence of the review store to a Hugging Face dataset repo, for a Space whose
disk is wiped on restart: ATLAS_REVIEW_REPO ("owner/name"), the token from HF_TOKEN (passed to
huggingface_hub, never shown or logged). At start the file is restored from the repo when there
is no local copy; after writes, a consistent snapshot (SQLite's backup API) is uploaded in one
commit at most every ATLAS_REVIEW_SYNC_SECONDS (default 60), so a burst of verdicts is one commit.

Tested only against an in-process stand-in for huggingface_hub.HfApi (tests/test_reviews_store.py),
never against the real Hub. One app process per repo: two Spaces writing to the same repo would
overwrite each other's snapshots."""
from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

REPO_FILENAME = "reviews.sqlite"
DEFAULT_SYNC_SECONDS = 60.0


class HubApi(Protocol):
    """The two calls of huggingface_hub.HfApi the mirror uses."""

    def hf_hub_download(self, repo_id: str, filename: str, *, repo_type: str, local_dir: str) -> str: ...

    def upload_file(self, *, path_or_fileobj: bytes, path_in_repo: str, repo_id: str, repo_type: str,
                    commit_message: str) -> object: ...


def _reason(e: BaseException) -> str:
    """A one-line reason that cannot carry the token (huggingface_hub errors name URLs, not tokens)."""
    return f"{type(e).__name__}: {str(e).splitlines()[0][:160]}" if str(e) else type(e).__name__


class HubMirror:
    def __init__(self, path: Path, repo_id: str, api: HubApi, every_s: float = DEFAULT_SYNC_SECONDS):
        self.path, self.repo_id, self.api, self.every_s = Path(path), repo_id, api, every_s
        self.status = f"Reviews are copied to the dataset {repo_id}."
        self.failed = False
        self._dirty = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.commits = 0

    def restore(self) -> None:
        """Fetches the repo's copy when there is no local file (a fresh Space); keeps going without it."""
        if self.path.exists():
            return
        try:
            got = self.api.hf_hub_download(self.repo_id, REPO_FILENAME, repo_type="dataset",
                                           local_dir=str(self.path.parent))
            if Path(got) != self.path:
                Path(got).replace(self.path)
        except Exception as e:  # no copy yet (a new repo) or the Hub is unreachable: start empty
            self.status = f"No review copy restored from {self.repo_id} ({_reason(e)}); starting from this disk."

    def changed(self) -> None:
        """A write happened: upload a snapshot at the next sync (started on the first write)."""
        self._dirty.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True, name="atlas-review-mirror")
                self._thread.start()

    def _loop(self) -> None:
        while True:
            self._dirty.wait()
            time.sleep(self.every_s)  # writes arriving meanwhile join this commit
            self.sync()

    def sync(self) -> bool:
        """Uploads one snapshot now if anything changed; True when a commit was made."""
        if not self._dirty.is_set() or not self.path.exists():
            return False
        self._dirty.clear()
        try:
            self.api.upload_file(path_or_fileobj=_snapshot(self.path), path_in_repo=REPO_FILENAME,
                                 repo_id=self.repo_id, repo_type="dataset",
                                 commit_message="Review store snapshot (Disagreement Atlas)")
        except Exception as e:
            self._dirty.set()  # try again at the next sync
            self.failed = True
            self.status = f"Copying reviews to {self.repo_id} failed ({_reason(e)}); they are safe on this disk."
            return False
        self.commits += 1
        self.failed = False
        self.status = f"Reviews are copied to the dataset {self.repo_id} (last copy {time.strftime('%H:%M:%S')} UTC)."
        return True


def _snapshot(path: Path) -> bytes:
    """A consistent copy of the live SQLite file (WAL included), taken while others may write."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "snapshot.sqlite"
        src, dst = sqlite3.connect(path), sqlite3.connect(out)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return out.read_bytes()


def mirror_from_env(path: Path) -> HubMirror | None:
    """The mirror ATLAS_REVIEW_REPO asks for (None when unset), with huggingface_hub's HfApi."""
    repo = (os.environ.get("ATLAS_REVIEW_REPO") or "").strip()
    if not repo:
        return None
    from huggingface_hub import HfApi
    try:
        every = float(os.environ.get("ATLAS_REVIEW_SYNC_SECONDS") or DEFAULT_SYNC_SECONDS)
    except ValueError:
        every = DEFAULT_SYNC_SECONDS
    return HubMirror(path, repo, HfApi(token=os.environ.get("HF_TOKEN") or None), every)
