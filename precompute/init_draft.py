"""What `init` and `import` share while writing a study file: a `Draft` (TOML lines and the questions left
for the user), TOML values written by hand (so comments can sit beside them), the column names we
recognise and small readers of sample cells."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# column names we recognise, most specific first (compared lower-cased)
ITEM_NAMES = ("item_id", "item", "id", "instance_id", "uid", "example_id", "text_id", "sample_id", "qid")
ANNOTATOR_NAMES = ("annotator_id", "annotator", "worker_id", "worker", "rater_id", "rater", "user_id",
                   "annotator_ids", "coder")
LABEL_NAMES = ("label", "rating", "score", "annotation", "answer", "response", "class", "value")
LIST_NAMES = ("labels", "annotations", "ratings", "label_list", "soft_label_list")
ANNOTATOR_LIST_NAMES = ("annotators", "annotator_ids", "raters", "workers")
COUNTS_NAMES = ("counts", "label_counts", "label_counter", "label_count", "count", "distribution")
TEXT_NAMES = ("text", "sentence", "comment", "content", "post", "utterance", "question", "prompt")
DEMOGRAPHIC_NAMES = ("age", "gender", "sex", "race", "ethnicity", "education", "country", "nationality",
                     "income", "political_affiliation", "religion")


@dataclass
class Draft:
    """A study file being written: lines of TOML and the questions left for the user."""
    lines: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    trainings: list[str] = field(default_factory=list)  # the guessed training of each model drafted

    def key(self, name: str, value, comment: str = "") -> None:
        self.lines.append(f"{name} = {toml_value(value)}" + (f"  # {comment}" if comment else ""))

    def ask(self, question: str) -> None:
        self.questions.append(question)
        self.lines.append(f"# QUESTION: {question}")


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def toml_key(k) -> str:
    return str(k) if re.fullmatch(r"[A-Za-z0-9_-]+", str(k)) else json.dumps(str(k), ensure_ascii=False)


def find_column(columns, names) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def is_listish(v) -> bool:
    return isinstance(v, list | tuple | np.ndarray) or (isinstance(v, str) and v.strip().startswith("["))


def is_mapping(v) -> bool:
    return isinstance(v, dict) or (isinstance(v, str) and v.strip().startswith("{"))


def sample_cells(s: pd.Series, n: int = 50) -> list:
    return [v for v in s.head(n).tolist() if v is not None and not (isinstance(v, float) and np.isnan(v))]


def sorted_labels(values) -> list[str]:
    """Distinct label values, numerically sorted when they are all numbers ("1.0" and "1" are one)."""
    text = {str(v).strip() for v in values if str(v).strip() != ""}
    try:
        nums = {t: float(t) for t in text}
    except ValueError:
        return sorted(text)
    by_value = {}
    for t, x in sorted(nums.items(), key=lambda kv: (kv[1], len(kv[0]))):
        by_value.setdefault(x, t if not t.endswith(".0") else t[:-2])
    return [by_value[x] for x in sorted(by_value)]
