"""What the command line refuses before any work, and the exit codes of every failure."""
from __future__ import annotations

import tomllib
from pathlib import Path

# Every failure is one line on stderr (`error: ...`) and one of these exit codes, by what must be
# fixed. Listed in --help (the epilog) and the README; tests/test_cli_errors.py runs each case.
EXIT_CODES = {
    0: "success",
    1: "elicit: some samples were not fetched (run the same command again to resume)",
    2: "the study file or the command line is invalid, or publish refused",
    3: "the study file cannot be read (missing, a directory, not UTF-8 text)",
    4: "the output cannot be written (--out is a directory, lies below a regular file, or its "
       "folder refuses new files)",
    5: "the store is damaged, not a store, or of another schema version (info, info --check, publish)",
    6: "elicit: a server refused the run (wrong key, URL or model name)",
    7: "elicit: more unparseable answers than --max-unparseable allows",
    130: "interrupted with Ctrl-C (SIGINT); 143: stopped with SIGTERM. Either way the previous store "
         "is unchanged, the temporary file removed, and elicited answers already received stay cached",
}
EPILOG = "exit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_CODES.items())
MAX_INT = 2 ** 63 - 1  # DuckDB BIGINT; larger TOML integers only ever overflow later


class CommandError(Exception):
    """A failure with its exit code (EXIT_CODES) and a one-line message."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def read_study_file(path: str) -> None:
    """Refuse a study file that cannot be read as text or holds a number no field can take,
    before any work, naming the file and the key."""
    p = Path(path)
    if not p.exists():
        raise CommandError(3, f"study file {p} does not exist")
    if p.is_dir():
        raise CommandError(3, f"--config {p} is a directory; give the path of a study file (TOML)")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise CommandError(3, f"study file {p} is not UTF-8 text (byte 0x{e.object[e.start]:02x} at "
                              f"offset {e.start}); save it as UTF-8") from e
    except OSError as e:
        raise CommandError(3, f"study file {p} cannot be read ({e.strerror or e})") from e
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # load_study names the TOML error
    _check_numbers(cfg, p, "")
    meta = cfg.get("study", {})
    for key in ("seed", "min_annotators"):
        if key in meta and (not isinstance(meta[key], int) or isinstance(meta[key], bool)):
            raise CommandError(2, f"{p} [study] {key}: expected a whole number, got {meta[key]!r}")


def _check_numbers(value, path: Path, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, path, f"{where}.{k}" if where else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(v, path, f"{where}[{i}]")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise CommandError(2, f"{path} {where}: {value} is too large (at most {MAX_INT})")
