"""From parsed rows to `HumanData`: task declarations, item frames, label counts, annotations and
annotator demographics. Shared by the generic formats and the named adapters."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from precompute.formats.common import Table, as_str
from precompute.study import HumanData, StudyError, TaskSpec, to_json

TASK_KEYS = ("id", "name", "dataset", "labels", "label_names", "scale", "description", "source",
             "license", "citation", "guideline", "columns")
SECTION_KEYS = ("format", "path", "file_type", "revision", "task", "items_path", "items_file_type",
                "text_template", "list_separator", "records", "tasks",
                "annotators_path", "annotators_file_type", "annotators_id") + TASK_KEYS[1:]


def check_keys(section: dict, allowed: Sequence[str], where: str) -> None:
    """Refuse unknown keys (a typo must not be silently ignored)."""
    for key in section:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise StudyError(f"{where}: unknown key {key!r}.{hint}")


def task_sections(section: dict, where: str) -> list[dict]:
    """One dict per task: `task = "id"` (one task) or `[[dataset.task]]` tables (several tasks from one
    file, each with its own id, labels and column overrides); dataset-level keys are the defaults."""
    tasks = section.get("task")
    if isinstance(tasks, str):
        return [{**section, "id": tasks}]
    if not isinstance(tasks, list) or not tasks or not all(isinstance(t, dict) for t in tasks):
        raise StudyError(f"{where}: give task = \"TASK_ID\" or one [[dataset.task]] table per task")
    out = []
    for t in tasks:
        check_keys(t, TASK_KEYS, f"{where} [[dataset.task]] {t.get('id', '?')!r}")
        if "id" not in t:
            raise StudyError(f"{where}: a [[dataset.task]] table lacks its id")
        cols = {**section.get("columns", {}), **t.get("columns", {})}
        out.append({**{k: v for k, v in section.items() if k != "task"}, **t, "columns": cols})
    return out


def task_spec(ts: dict, where: str) -> TaskSpec:
    if "labels" not in ts:
        raise StudyError(f"{where}: task {ts['id']!r} needs labels = [...] (label values in order)")
    return TaskSpec(task_id=str(ts["id"]), dataset=str(ts.get("dataset", ts["id"])),
                    name=str(ts.get("name", ts["id"])), labels=list(ts["labels"]),
                    scale=ts.get("scale", "nominal"), label_names=ts.get("label_names"),
                    description=ts.get("description", ""), source=ts.get("source", ""),
                    license=ts.get("license", ""), citation=ts.get("citation", ""),
                    guideline=ts.get("guideline", ""))


def named_columns(spec, field: str, where: str) -> dict[str, str]:
    """`["a", "b.c"]` -> {"a": "a", "c": "b.c"}; `{name = "column"}` stays."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        return {str(c).rsplit(".", 1)[-1]: str(c) for c in spec}
    if isinstance(spec, dict):
        return {str(k): str(v) for k, v in spec.items()}
    raise StudyError(f"{where}: columns.{field} must be a column, a list of columns or a table")


def _json_column(table: Table, spec, field: str, where: str) -> list[str | None]:
    named = named_columns(spec, field, where)
    if not named:
        return [None] * len(table.frame)
    parts = {k: table.column(c, f"columns.{field}") for k, c in named.items()}
    keys = list(parts)
    values = zip(*(parts[k].tolist() for k in keys), strict=True)
    return [to_json({k: (None if _missing(v) else v) for k, v in zip(keys, row, strict=True)}) for row in values]


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def items_frame(table: Table, cols: dict, where: str, template: str | None = None,
                id_field: str = "item_id") -> pd.DataFrame:
    """item_id, text, context, metadata for every row of `table` (ids unique and non-empty)."""
    if id_field not in cols:
        raise StudyError(f"{where}: columns.{id_field} is required (the item id column)")
    ids = table.strings(cols[id_field], f"columns.{id_field}")
    context = _json_column(table, cols.get("context"), "context", where)
    if template:
        named = named_columns(cols.get("context"), "context", where)
        frames = {k: as_str(table.column(c, "columns.context")) for k, c in named.items()}
        try:
            text = [template.format(**{k: frames[k].iloc[i] for k in frames}) for i in range(len(ids))]
        except (KeyError, IndexError, ValueError) as e:
            raise StudyError(f"{where}: text_template {template!r} names a field that is not among "
                             f"columns.context ({list(named)}): {e}") from e
    elif "text" in cols:
        text = table.strings(cols["text"], "columns.text").tolist()
    else:
        raise StudyError(f"{where}: columns.text is required (the item text column), or give "
                         "text_template over columns.context")
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise StudyError(f"{table.where(i)}, field columns.{id_field}: item id {ids.iloc[i]!r} appears twice")
    return pd.DataFrame({"item_id": ids.to_numpy(), "text": text, "context": context,
                         "metadata": _json_column(table, cols.get("metadata"), "metadata", where)})


def human_from_ratings(task: TaskSpec, items: pd.DataFrame, item_index: np.ndarray, codes: np.ndarray,
                       where: Callable[[int], str], annotator_ids: Sequence | None = None,
                       annotators: pd.DataFrame | None = None, notes: Sequence[str] = (),
                       allow_repeat_raters: bool = False) -> HumanData:
    """Count ratings per item. `item_index[j]` is the items row of rating j, `codes[j]` its label index
    (already validated), `where(j)` names its source; `annotator_ids[j]` may be None (unknown)."""
    n, k = len(items), len(task.labels)
    item_index = np.asarray(item_index, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.bincount(item_index * k + codes, minlength=n * k).reshape(n, k)
    annotations = None
    if annotator_ids is not None:
        ann = pd.Series(list(annotator_ids), dtype=object)
        known = ann.notna().to_numpy()
        if not allow_repeat_raters:
            dup = pd.DataFrame({"i": item_index, "a": ann}).duplicated().to_numpy() & known
            if dup.any():
                j = int(np.argmax(dup))
                raise StudyError(f"{where(j)}, field annotator_id: annotator {ann.iloc[j]!r} rated item "
                                 f"{items['item_id'].iloc[item_index[j]]!r} twice")
        if known.any():
            labels = np.asarray(task.labels, dtype=object)
            annotations = pd.DataFrame({"item_id": items["item_id"].to_numpy()[item_index],
                                        "annotator_id": ann.to_numpy(), "label": labels[codes]})
    if annotators is not None:
        annotators = annotators.assign(dataset=task.dataset)
    return HumanData(task, items.reset_index(drop=True), counts, annotations, annotators, list(notes))


def check_codes(codes: np.ndarray, raw: Sequence, where: Callable[[int], str], field: str,
                labels: list[str]) -> None:
    bad = np.asarray(codes) < 0
    if bad.any():
        j = int(np.argmax(bad))
        raise StudyError(f"{where(j)}, field {field}: label {raw[j]!r} is not one of the declared labels "
                         f"{labels}")


def annotators_frame(ids: pd.Series, demo: pd.DataFrame, where: Callable[[int], str]) -> pd.DataFrame:
    """One row per annotator with demographics JSON, from per-rating rows (`demo` columns aligned with
    `ids`). An annotator whose demographics differ between rows is an error."""
    frame = demo.assign(_id=as_str(ids).to_numpy()).reset_index(drop=True)
    frame = frame[frame["_id"] != ""]
    first = frame.drop_duplicates()
    clash = first["_id"].duplicated().to_numpy()
    if clash.any():
        j = int(first.index[np.argmax(clash)])
        raise StudyError(f"{where(j)}, field demographics: annotator {frame.loc[j, '_id']!r} has other "
                         "demographics than in an earlier row")
    cols = list(demo.columns)
    demographics = [to_json({c: (None if _missing(v) or v == "" else v) for c, v in zip(cols, row, strict=True)})
                    for row in first[cols].itertuples(index=False)]
    return pd.DataFrame({"annotator_id": first["_id"].to_numpy(), "demographics": demographics})


def annotators_from_mapping(meta: dict, rename: Callable[[str], str] = str) -> pd.DataFrame:
    """{annotator: {field: value}} -> annotator_id, demographics JSON (NaN, which some files write for
    an unknown value, becomes null)."""
    clean = [{f: (None if _missing(v) else v) for f, v in d.items()} if isinstance(d, dict) else d
             for d in meta.values()]
    return pd.DataFrame({"annotator_id": [rename(str(k)) for k in meta],
                         "demographics": [to_json(v) for v in clean]})


def wanted_tasks(section: dict, known: Sequence[str], where: str) -> set[str]:
    """The task ids chosen with `tasks = [...]` (all when absent); an unknown id is an error."""
    wanted = section.get("tasks") or list(known)
    for name in wanted:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise StudyError(f"{where}: unknown task {name!r}.{hint} This adapter gives: {', '.join(known)}")
    return set(wanted)


class Ratings:
    """Collects items and ratings one by one (for adapters whose files are nested JSON), validating
    each label where it is read, then hands the lot to `human_from_ratings`."""

    def __init__(self, task: TaskSpec):
        from precompute.formats.common import LabelMatcher
        self.task, self.matcher = task, LabelMatcher(task.labels)
        self.items: list[dict] = []
        self.item_index: list[int] = []
        self.codes: list[int] = []
        self.annotators: list[str | None] = []
        self.sources: list[tuple[str, str]] = []

    def item(self, item_id: str, text: str, context=None, metadata=None) -> int:
        self.items.append({"item_id": str(item_id), "text": text, "context": to_json(context),
                           "metadata": to_json(metadata)})
        return len(self.items) - 1

    def rating(self, item: int, annotator: str | None, value, where: str, field: str) -> None:
        code = self.matcher.code(value)
        if code < 0:
            raise self.matcher.fail(where, field, value)
        self.item_index.append(item)
        self.codes.append(code)
        self.annotators.append(annotator)
        self.sources.append((where, field))

    def repeats(self) -> list[int]:
        frame = pd.DataFrame({"i": self.item_index, "a": self.annotators})
        return list(np.flatnonzero(frame.duplicated().to_numpy() & frame["a"].notna().to_numpy()))

    def human(self, annotators: pd.DataFrame | None = None, notes: Sequence[str] = (),
              keep_repeats: bool = False) -> HumanData:
        """`keep_repeats`: a source that lists one annotator twice on an item keeps both ratings (as
        its own soft labels do) and says so in the notes; otherwise that is an error."""
        notes = list(notes)
        repeats = self.repeats() if keep_repeats else []
        if repeats:
            first = self.sources[repeats[0]][0]
            notes.append(f"{len(repeats)} rating(s) repeat an annotator on the same item in the source "
                         f"(first: {first}); both ratings are kept, as the source's own soft labels count them")
        items = pd.DataFrame(self.items, columns=["item_id", "text", "context", "metadata"])
        dup = items["item_id"].duplicated().to_numpy()
        if dup.any():
            raise StudyError(f"task {self.task.task_id!r}: item id {items['item_id'].iloc[int(np.argmax(dup))]!r} "
                             "appears twice")
        ids = self.annotators if any(a is not None for a in self.annotators) else None
        return human_from_ratings(self.task, items, np.asarray(self.item_index), np.asarray(self.codes),
                                  lambda j: self.sources[j][0], ids, annotators, notes,
                                  allow_repeat_raters=keep_repeats)
