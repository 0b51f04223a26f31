"""The verdicts a team can give an item, declared once. The default list fits most review
meetings; a team sets its own with ATLAS_REVIEW_VERDICTS ("label; label; ..."), each label's
name being its lower-case words joined by underscores ("Annotation error" -> annotation_error)."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass

DEFAULT_VERDICTS = ("Agree with humans", "Genuinely ambiguous", "Annotation error", "Model misread",
                    "Prompt problem", "Follow up")
ANNOTATION_ERROR = "annotation_error"  # the verdict the "exclude judged items" slice option uses by default
MAX_VERDICTS = 9  # one digit key each in presenter mode


class UnknownVerdict(ValueError):
    """A verdict name that is not part of the vocabulary."""


@dataclass(frozen=True)
class Verdict:
    name: str
    label: str
    key: str  # the presenter-mode keyboard shortcut: "1", "2", ...


def verdict_name(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


@dataclass(frozen=True)
class Vocabulary:
    verdicts: tuple[Verdict, ...]

    @classmethod
    def from_labels(cls, labels) -> Vocabulary:
        labels = [x.strip() for x in labels if x.strip()]
        names = [verdict_name(x) for x in labels]
        if not labels or len(labels) > MAX_VERDICTS or len(set(names)) != len(names) or not all(names):
            raise ValueError(f"A verdict vocabulary needs 1 to {MAX_VERDICTS} distinct labels with letters "
                             f"or digits, got {labels!r}.")
        return cls(tuple(Verdict(n, x, str(i + 1)) for i, (n, x) in enumerate(zip(names, labels, strict=True))))

    def names(self) -> list[str]:
        return [v.name for v in self.verdicts]

    def get(self, name: str) -> Verdict:
        for v in self.verdicts:
            if v.name == name:
                return v
        close = difflib.get_close_matches(name or "", self.names(), n=1)
        raise UnknownVerdict(f"Unknown verdict {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                             + f" Known verdicts: {', '.join(self.names())}.")

    def label(self, name: str | None) -> str:
        """The verdict's label; a name no longer in the vocabulary (it was changed since the
        verdict was written) is shown as written, never dropped."""
        return next((v.label for v in self.verdicts if v.name == name), name or "(note only)")


def vocabulary() -> Vocabulary:
    """The vocabulary in use: ATLAS_REVIEW_VERDICTS ("label; label; ...") or the default."""
    raw = os.environ.get("ATLAS_REVIEW_VERDICTS", "").strip()
    return Vocabulary.from_labels(raw.split(";") if raw else DEFAULT_VERDICTS)
