"""study.toml: the declaration of a study, turned into a `Study` for the builder.

The file's sections and keys are declared once in `precompute.study_schema` (documented in
docs/study-file.md, generated from it); `read_config` checks a file against that declaration
before any data is read.

Dataset readers and run sources register themselves in DATASET_READERS and RUN_SOURCES, so
the config shape stays one dispatch and each format lives in its own module.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from data_layer.registry import suggestion
from precompute.item_sample import sample_per_band
from precompute.study import HumanData, RunData, Study, StudyError
from precompute.study_schema import STUDY, validate_config, with_defaults

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
        raise StudyError(f"{where}: unknown {key} {name!r}.{suggestion(name, list(registry))} "
                         f"Known: {', '.join(sorted(registry))}.")
    return registry[name]


def read_config(path: str | Path) -> dict:
    """The parsed study file, checked against the declared schema (`_text` holds the raw text)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise StudyError(f"{path}: not valid TOML ({e})") from e
    validate_config(cfg, path)
    _load_plugins()  # readers and sources a plugin registered are known names too
    for i, section in enumerate(cfg.get("dataset", [])):
        _pick(DATASET_READERS, section, "adapter" if "adapter" in section else "format",
              f"{path} [[dataset]] #{i + 1}")
    for i, section in enumerate(cfg.get("run", [])):
        _pick(RUN_SOURCES, {"source": "elicited", **section}, "source", f"{path} [[run]] #{i + 1}")
    cfg["_text"] = text
    cfg["study"] = with_defaults(STUDY, cfg.get("study", {}))
    return cfg


def load_human(cfg: dict, path: Path) -> list[HumanData]:
    """The human side of a parsed config (every [[dataset]])."""
    _load_plugins()
    human: list[HumanData] = []
    meta = cfg.get("study", {})
    for i, section in enumerate(cfg.get("dataset", [])):
        where = f"{path} [[dataset]] #{i + 1}"
        key = "adapter" if "adapter" in section else "format"
        section = dict(section)
        per_band, scheme = section.pop("sample_per_band", None), section.pop("sample_bands", "fixed")
        read = _pick(DATASET_READERS, section, key, where)(section, path.parent)
        if per_band is not None:
            read = [sample_per_band(hd, per_band, scheme, int(meta.get("seed", 0)),
                                    int(meta.get("min_annotators", 2))) for hd in read]
        human += read
    if not human:
        raise StudyError(f"{path}: declares no [[dataset]]")
    return human


def load_study(path: str | Path, only_runs: set[str] | None = None) -> Study:
    """Run sources get their [[run]] section plus `_study` (the [study] table, defaults filled in).
    An elicited run with no cached answer is skipped, and said so in `Study.notes`, when the study
    sets missing_elicited = "skip"."""
    from precompute.elicit.collect import NotElicited
    path = Path(path)
    cfg = read_config(path)
    meta = cfg["study"]
    seed = meta["seed"]
    human = load_human(cfg, path)
    runs: list[RunData] = []
    notes: list[str] = []
    for i, section in enumerate(cfg.get("run", [])):
        if only_runs and section.get("name") not in only_runs:
            continue
        where = f"{path} [[run]] #{i + 1}"
        source = section.get("source", "elicited")
        try:
            runs += _pick(RUN_SOURCES, {**section, "source": source}, "source", where)(
                {**section, "_study": meta}, path.parent, human, seed)
        except NotElicited as e:
            if meta["missing_elicited"] != "skip":
                raise NotElicited(f"{e}; or set missing_elicited = \"skip\" in [study] to build without "
                                  "it") from e
            notes.append(f"skipped (missing_elicited = \"skip\"): {e}")
    return Study(name=meta.get("name", path.stem), human=human, runs=runs, seed=seed,
                 min_annotators=meta["min_annotators"], baselines=meta["baselines"],
                 config_text=cfg["_text"], notes=notes)
