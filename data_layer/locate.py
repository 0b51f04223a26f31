"""Which store the app opens, in this order:

1. `ATLAS_STORE`: a local path.
2. `ATLAS_STORE_REPO` (`owner/name` of a Hugging Face dataset repo written by
   `python -m precompute publish`), at `ATLAS_STORE_REVISION` (default `main`), read with
   `HF_TOKEN` when the dataset is private; downloaded once into the Hugging Face cache.
3. The simulated demo store, built into a cache folder on first start.

The Hub is asked first with a short, hard time limit (`ATLAS_HUB_TIMEOUT` seconds, default 5):
when it cannot be reached the app uses a cached copy of the dataset if there is one, else the
demo store, and says so in `StoreLocation.note`; it never waits on an unreachable Hub.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from data_layer.schema import SCHEMA_VERSION

STORE_FILENAME = "atlas.duckdb"  # the store's path inside a published dataset repo
DEFAULT_HUB_TIMEOUT = 5.0


@dataclass(frozen=True)
class StoreLocation:
    path: Path
    origin: str  # "ATLAS_STORE" | "hub" | "hub-cache" | "demo"
    note: str = ""
    warning: bool = False  # the note explains a fallback the visitor should know about


def cache_dir() -> Path:
    root = os.environ.get("ATLAS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "disagreement-atlas")
    return Path(root)


def _demo_fingerprint() -> str:
    """Hash of the code that decides the demo store's contents, so a cached demo built by an
    older checkout is never reused (the schema version alone changes too rarely for that)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*(root / "precompute").glob("*.py"), *(root / "data_layer").glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def demo_store_path() -> Path:
    return cache_dir() / f"demo-schema{SCHEMA_VERSION}-{_demo_fingerprint()}-seed0.duckdb"


def ensure_demo_store() -> Path:
    """Build the demo store on first use (a few seconds); later starts reuse it."""
    path = demo_store_path()
    if not path.exists():
        from precompute.build import build_store  # the read side only builds the demo, lazily
        from precompute.demo import demo_study
        from precompute.progress import progress_step
        with progress_step("simulating annotators and models", show=False):  # for a listener
            study = demo_study(0)
        build_store(study, path, show_progress=False)
        for old in path.parent.glob("demo-schema*-seed0.duckdb"):  # demo stores of older checkouts
            if old != path:
                old.unlink(missing_ok=True)
    return path


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_timeout() -> float:
    try:
        return float(os.environ.get("ATLAS_HUB_TIMEOUT") or DEFAULT_HUB_TIMEOUT)
    except ValueError:
        return DEFAULT_HUB_TIMEOUT


def _within(seconds: float, fn):
    """Run fn() in a daemon thread; return its value, re-raise its error, or raise TimeoutError."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the caller
            box["error"] = e

    t = threading.Thread(target=target, daemon=True, name="atlas-hub-probe")
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:200] if text else type(e).__name__


def _online(hf, kw: dict, where: str) -> StoreLocation | str:
    """Download the store if the Hub answers within the time limit; else say what went wrong."""
    from huggingface_hub import errors

    seconds, repo, revision = hub_timeout(), kw["repo_id"], kw["revision"]
    url = hf.hf_hub_url(repo, STORE_FILENAME, repo_type="dataset", revision=revision, endpoint=kw["endpoint"])
    try:
        _within(seconds + 1, lambda: hf.get_hf_file_metadata(
            url, token=kw["token"], timeout=seconds, endpoint=kw["endpoint"], retry_on_errors=False))
    except (errors.RepositoryNotFoundError, errors.RevisionNotFoundError,
            errors.RemoteEntryNotFoundError, errors.GatedRepoError) as e:
        return StoreLocation(ensure_demo_store(), "demo", (
            f"The Hugging Face Hub has no readable {STORE_FILENAME} in {where} ({_reason(e)}); "
            "check ATLAS_STORE_REPO and ATLAS_STORE_REVISION, and set HF_TOKEN for a private "
            "dataset. Showing the simulated demo store instead."), warning=True)
    except Exception as e:  # network down, DNS, timeout, proxy, 5xx: the Hub is unreachable
        return f"the Hugging Face Hub could not be reached ({_reason(e)})"
    try:  # by revision name, so the cache records revision -> commit for later offline starts
        path = Path(hf.hf_hub_download(**kw))
    except Exception as e:
        return f"the download from the Hugging Face Hub failed ({_reason(e)})"
    return StoreLocation(path, "hub", f"Store: Hugging Face {where}, commit {path.parent.name[:10]}.")


def _hub_store(repo: str, revision: str) -> StoreLocation:
    """The published store from the Hub, its cached copy, or the demo store with a note why."""
    import huggingface_hub as hf
    from huggingface_hub import constants

    where = f"dataset {repo} (revision {revision})"
    kw = dict(repo_id=repo, filename=STORE_FILENAME, repo_type="dataset", revision=revision,
              token=os.environ.get("HF_TOKEN") or None, endpoint=os.environ.get("HF_ENDPOINT") or None,
              cache_dir=os.environ.get("HF_HUB_CACHE") or None)  # read now, not at import
    problem = "offline mode is on (HF_HUB_OFFLINE)"
    if not (constants.is_offline_mode() or _env_true("HF_HUB_OFFLINE")):
        found = _online(hf, kw, where)
        if isinstance(found, StoreLocation):
            return found
        problem = found
    try:
        path = hf.hf_hub_download(**kw, local_files_only=True)
    except Exception:
        return StoreLocation(ensure_demo_store(), "demo", (
            f"Could not load the store {where}: {problem}, and no copy of it is cached. "
            "Showing the simulated demo store instead."), warning=True)
    return StoreLocation(Path(path), "hub-cache", (
        f"Showing the cached copy of {where}: {problem}. It may be older than the published one."),
        warning=True)


def resolve_store() -> StoreLocation:
    local = os.environ.get("ATLAS_STORE")
    if local:
        return StoreLocation(Path(local), "ATLAS_STORE")
    repo = (os.environ.get("ATLAS_STORE_REPO") or "").strip()
    if repo:
        return _hub_store(repo, (os.environ.get("ATLAS_STORE_REVISION") or "").strip() or "main")
    return StoreLocation(ensure_demo_store(), "demo",
                         "No store configured (ATLAS_STORE and ATLAS_STORE_REPO unset): "
                         "showing the simulated demo store.")


# ---------------------------------------------------------------- the stores the app can switch between

REAL_STUDY_FILENAME = "real-study.duckdb"  # where the README builds examples/real-study (cache_dir())


@dataclass(frozen=True)
class KnownStore:
    key: str  # what the URL carries (store=KEY)
    label: str  # what the picker shows before the store's own name is read
    location: StoreLocation


def _slug(text: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(part for part in slug.split("-") if part) or "store"


def user_stores(value: str | None) -> list[tuple[str, Path]]:
    """`ATLAS_STORES`: the user's own stores as `name=path` entries separated by `;` (a bare path
    is named after its file). Entries whose file does not exist are kept, so the picker can say so."""
    out = []
    for entry in (value or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        name, _, path = entry.rpartition("=") if "=" in entry else ("", "", entry)
        path = path.strip()
        out.append(((name.strip() or Path(path).stem), Path(path).expanduser()))
    return out


def known_stores(default: StoreLocation) -> list[KnownStore]:
    """The configured store first (the one the app opens when a link names none), then the
    simulated demo, the real study where it has been built, and the user's own (`ATLAS_STORES`);
    one entry per file."""
    own = "demo" if default.origin == "demo" else _slug(default.path.stem)
    found = [KnownStore(own, "Simulated demo" if own == "demo" else default.path.stem, default)]
    if default.origin != "demo":
        found.append(KnownStore("demo", "Simulated demo", StoreLocation(demo_store_path(), "demo")))
    real = cache_dir() / REAL_STUDY_FILENAME
    if real.exists():
        found.append(KnownStore("real-study", "Real study", StoreLocation(real, "real-study")))
    for name, path in user_stores(os.environ.get("ATLAS_STORES")):
        found.append(KnownStore(_slug(name), name, StoreLocation(path, "ATLAS_STORES")))
    unique: dict[str, KnownStore] = {}
    paths = set()
    for s in found:
        resolved = s.location.path.resolve() if s.location.path.exists() else s.location.path
        if s.key in unique or resolved in paths:
            continue
        unique[s.key] = s
        paths.add(resolved)
    return list(unique.values())
