"""The building blocks of the declared study-file schema (precompute/study_schema.py): the value types a
key may have, a `Key` (name, type, default, allowed values, help) and a `Section` (a table of the file
and its keys), with the checks that name the section and the key and suggest the closest known key."""
from __future__ import annotations

from dataclasses import dataclass

from data_layer.registry import suggestion
from precompute.study import StudyError

DOC_PATH = "docs/study-file.md"


# ---------------------------------------------------------------- types

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_label(v) -> bool:
    return isinstance(v, str) or _is_number(v)


def _is_columns(v) -> bool:
    return (isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            or (isinstance(v, dict) and all(isinstance(x, str) for x in v.values())))


# type name (as written in the docs and in messages) -> check
TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "list of strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list of labels": lambda v: isinstance(v, list) and all(_is_label(x) for x in v),
    "string or list of strings": lambda v: isinstance(v, str) or (
        isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "list or table of item ids": lambda v: isinstance(v, list | dict),
    "columns": _is_columns,
    "table": lambda v: isinstance(v, dict),
    "table of labels": lambda v: isinstance(v, dict) and all(_is_label(x) for x in v.values()),
    "list of tables": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "string or list of tables": lambda v: isinstance(v, str) or (
        isinstance(v, list) and all(isinstance(x, dict) for x in v)),
}
ARTICLE = {"integer": "an integer", "list of strings": "a list of strings", "list of labels": "a list of labels"}


def _kind(v) -> str:
    """What a TOML value is, in the words of the messages."""
    for name, cls in (("a boolean", bool), ("an integer", int), ("a number", float), ("a string", str),
                      ("a list", list), ("a table", dict)):
        if isinstance(v, cls):
            return name
    return f"a {type(v).__name__}"


@dataclass(frozen=True)
class Key:
    name: str
    type: str
    help: str
    default: object = None  # None: no default (optional, or required when `required`)
    default_text: str = ""  # for defaults that depend on other keys
    choices: tuple = ()
    required: bool = False
    minimum: float | None = None

    def __post_init__(self):
        assert self.type in TYPES, self.type

    def check(self, value, where: str) -> None:
        if not TYPES[self.type](value):
            hint = ""
            if isinstance(value, str) and self.type.startswith("list of"):
                parts = [p.strip() for p in value.split(",")] if "," in value else [value]
                hint = f"; write {self.name} = [{', '.join(repr(p).replace(chr(39), chr(34)) for p in parts)}]"
            raise StudyError(f"{where}, key {self.name!r}: expected {ARTICLE.get(self.type, 'a ' + self.type)}, "
                             f"got {value!r} ({_kind(value)}){hint}")
        if self.choices and value not in self.choices:
            raise StudyError(f"{where}, key {self.name!r}: {value!r} is not one of "
                             f"{', '.join(map(str, self.choices))}.{suggestion(value, list(self.choices))}")
        if self.minimum is not None and value < self.minimum:
            raise StudyError(f"{where}, key {self.name!r}: must be at least {self.minimum:g}, got {value!r}")

    def default_doc(self) -> str:
        if self.default_text:
            return self.default_text
        if self.required:
            return "required"
        if self.default is None:
            return ""
        return _toml(self.default)


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


@dataclass(frozen=True)
class Section:
    name: str  # as written in the file, e.g. [[dataset]] or [dataset.columns]
    title: str
    help: str
    keys: tuple[Key, ...]
    open_keys: bool = False  # a table whose keys are the user's (e.g. label_map)

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)

    def names(self) -> list[str]:
        return [k.name for k in self.keys]

    def defaults(self) -> dict:
        return {k.name: k.default for k in self.keys if k.default is not None}

    def validate(self, table: dict, where: str, check_required: bool = True) -> None:
        """Refuse unknown keys (with a suggestion), missing required keys and wrong types. Keys starting
        with "_" are the pipeline's own (never written in a file: TOML bare keys may not start so)."""
        known = {k.name: k for k in self.keys}
        for name, value in table.items():
            if name.startswith("_"):
                continue
            if name not in known:
                raise StudyError(f"{where}: unknown key {name!r}.{suggestion(name, list(known))} "
                                 f"Known keys of {self.name}: {', '.join(known)} (see {DOC_PATH}).")
            known[name].check(value, where)
        if check_required:
            self.check_required(table, where)

    def check_required(self, table: dict, where: str) -> None:
        missing = [k.name for k in self.keys if k.required and k.name not in table]
        if missing:
            raise StudyError(f"{where}: missing key(s) {', '.join(missing)} ({self.name} needs "
                             f"{', '.join(k.name for k in self.keys if k.required)})")
