"""The glossary, generated from the registries (metrics, banding schemes, facets, annotator groups).

    python -m data_layer.glossary > docs/glossary.md

The Data page renders the same text; a test checks docs/glossary.md is up to date.
"""
from __future__ import annotations

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import FACETS
from data_layer.groups import GROUP_ATTRIBUTES, GROUP_MEASURES, MIN_GROUP_ANNOTATORS, MIN_GROUP_RATINGS
from data_layer.metrics import METRICS
from data_layer.terms import TERMS


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def glossary_markdown() -> str:
    lines = ["# Glossary", "", "Generated from the registries by `python -m data_layer.glossary`; "
             "do not edit by hand.", "", "## Terms", "", "| term | meaning |", "| --- | --- |",
             *(f"| {_cell(t.label)} | {_cell(t.description)} |" for t in TERMS), "", "## Metrics", "",
             "| name | label | level | direction | definition | description |",
             "| --- | --- | --- | --- | --- | --- |"]
    for m in METRICS:
        lines.append(f"| `{m.name}` | {_cell(m.label)} | {m.level} | {m.direction_text} | "
                     f"{_cell(m.definition)} | {_cell(m.description)} |")
    lines += ["", "## Banding schemes", "", "| name | label | bands | definition | description |",
              "| --- | --- | --- | --- | --- |"]
    for s in BAND_SCHEMES:
        lines.append(f"| `{s.name}` | {_cell(s.label)} | {', '.join(s.bands)} | {_cell(s.definition)} | "
                     f"{_cell(s.description)} |")
    lines += ["", "## Facets (ways to slice)", "", "| name | label | URL key | description |",
              "| --- | --- | --- | --- |"]
    for f in FACETS:
        lines.append(f"| `{f.name}` | {_cell(f.label)} | `{f.url_key}` | {_cell(f.description)} |")
    lines += _group_lines()
    return "\n".join(lines) + "\n"


def _group_lines() -> list[str]:
    lines = ["", "## Annotator groups", "", f"A group with fewer than {MIN_GROUP_ANNOTATORS} annotators in a task "
             f"is marked few-annotator; a group's distribution on an item with fewer than {MIN_GROUP_RATINGS} of "
             "its ratings is thin. Missing, expired or withheld values form the group `unknown`. Nothing is merged.",
             "", "| name | label | read from | description |", "| --- | --- | --- | --- |"]
    for a in GROUP_ATTRIBUTES:
        lines.append(f"| `{a.name}` | {_cell(a.label)} | {_cell(', '.join(a.fields))} | {_cell(a.description)} |")
    lines += ["", "## Group and annotator measures (Perspectives page)", "",
              "| name | label | direction | definition | description | citation |",
              "| --- | --- | --- | --- | --- | --- |"]
    for m in GROUP_MEASURES:
        lines.append(f"| `{m.name}` | {_cell(m.label)} | {_cell(m.direction)} | {_cell(m.definition)} | "
                     f"{_cell(m.description)} | {_cell(m.citation)} |")
    return lines


if __name__ == "__main__":
    print(glossary_markdown(), end="")
