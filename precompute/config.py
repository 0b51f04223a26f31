"""study.toml: the declaration of a study, turned into a `Study` for the builder.

Shape:

    [study]
    name = "My study"
    seed = 0
    min_annotators = 2        # items with fewer ratings are dropped and counted in the report
    baselines = true          # add baseline:uniform / prior / majority runs

    [[dataset]]               # one or more; `format` (generic) or `adapter` (named dataset)
    format = "long"           # keys depend on the format, see precompute/formats
    ...

    [[run]]                   # zero or more; `source` picks the run source
    source = "simulated"      # simulated | elicited | import
    ...

Dataset readers and run sources register themselves in DATASET_READERS and RUN_SOURCES, so
the config shape stays one dispatch and each format lives in its own module.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from precompute.study import HumanData, RunData, Study, StudyError

DatasetReader = Callable[[dict, Path], list[HumanData]]
RunSource = Callable[[dict, Path, list[HumanData], int], list[RunData]]

DATASET_READERS: dict[str, DatasetReader] = {}
RUN_SOURCES: dict[str, RunSource] = {}


def dataset_reader(name: str):
    def deco(fn: DatasetReader) -> DatasetReader:
        DATASET_READERS[name] = fn
        return fn
    return deco


def run_source(name: str):
    def deco(fn: RunSource) -> RunSource:
        RUN_SOURCES[name] = fn
        return fn
    return deco


def _load_plugins() -> None:
    """Import the modules that register readers and sources (kept lazy to avoid cycles)."""
    import importlib
    for module in ("precompute.formats", "precompute.adapters", "precompute.sources"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise


def _pick(registry: dict, section: dict, key: str, where: str):
    name = section.get(key)
    if name not in registry:
        import difflib
        close = difflib.get_close_matches(str(name), list(registry), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise StudyError(f"{where}: unknown {key} {name!r}.{hint} Known: {', '.join(sorted(registry))}.")
    return registry[name]


def read_config(path: str | Path) -> dict:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise StudyError(f"{path}: not valid TOML ({e})") from e
    cfg["_text"] = text
    return cfg


def load_human(cfg: dict, path: Path) -> list[HumanData]:
    """The human side of a parsed config (every [[dataset]])."""
    _load_plugins()
    human: list[HumanData] = []
    for i, section in enumerate(cfg.get("dataset", [])):
        where = f"{path} [[dataset]] #{i + 1}"
        key = "adapter" if "adapter" in section else "format"
        human += _pick(DATASET_READERS, section, key, where)(section, path.parent)
    if not human:
        raise StudyError(f"{path}: declares no [[dataset]]")
    return human


def load_study(path: str | Path, only_runs: set[str] | None = None) -> Study:
    """Run sources get their [[run]] section plus `_study` (the [study] table)."""
    path = Path(path)
    cfg = read_config(path)
    meta = cfg.get("study", {})
    seed = int(meta.get("seed", 0))
    human = load_human(cfg, path)
    runs: list[RunData] = []
    for i, section in enumerate(cfg.get("run", [])):
        if only_runs and section.get("name") not in only_runs:
            continue
        where = f"{path} [[run]] #{i + 1}"
        source = section.get("source", "elicited")
        runs += _pick(RUN_SOURCES, {**section, "source": source}, "source", where)(
            {**section, "_study": meta}, path.parent, human, seed)
    return Study(name=meta.get("name", path.stem), human=human, runs=runs, seed=seed,
                 min_annotators=int(meta.get("min_annotators", 2)),
                 baselines=bool(meta.get("baselines", True)), config_text=cfg["_text"])
