"""Where a build writes: the checks made before any work, and the temporary file beside the
store that is renamed over it at the end (named so a later build can recognise and remove the
temporaries of builds that were killed)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


class OutputError(ValueError):
    """The store cannot be written where asked (a directory, below a regular file, no write access)."""


TEMP_MARK = ".building-"  # a build's temporary store is `.NAME.building-PID` (+ DuckDB's `.wal`)


def temporary_path(out: Path) -> Path:
    return out.with_name(f".{out.name}{TEMP_MARK}{os.getpid()}")


def check_output(out: str | os.PathLike) -> Path:
    """Refuse, before any work, an output the build could not write at its end: `out` a
    directory, a parent that is a regular file, or a folder where no file can be created (a
    real write probe, as permission bits say nothing for root or on read-only mounts)."""
    out = Path(out)
    if out.is_dir():
        raise OutputError(f"--out {out} is a directory; give the path of a store file, "
                          f"e.g. {out / 'atlas.duckdb'}")
    existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot write {out}: {existing} is a regular file, not a folder")
    probe = existing / f".{out.name}{TEMP_MARK}{os.getpid()}.probe"
    try:
        probe.open("xb").close()
        probe.unlink()
    except OSError as e:
        raise OutputError(f"cannot write {out}: no file can be created in {existing} "
                          f"({e.strerror or e})") from e
    return out


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Remove the temporaries of earlier builds of `out` whose process is gone (a build killed
    with SIGKILL, or a machine that stopped); a running build's temporary is left alone."""
    removed = []
    for p in out.parent.glob(f".{out.name}{TEMP_MARK}*"):
        pid = p.name[len(f".{out.name}{TEMP_MARK}"):].split(".")[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        if p.is_dir():  # DuckDB's spill folder `<file>.tmp`
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
