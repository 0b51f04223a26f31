"""Docs are code: README, glossary and CLI help stay in sync."""
import re

from data_layer.glossary import glossary_markdown
from data_layer.metrics import METRICS
from precompute.__main__ import parser
from precompute.study_schema import SECTIONS, markdown
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_glossary_file_is_generated_from_the_registries():
    assert (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8") == glossary_markdown(), \
        "docs/glossary.md is stale: run `python -m data_layer.glossary > docs/glossary.md`"
    for m in METRICS:
        assert f"`{m.name}`" in glossary_markdown()


def test_every_cli_command_is_documented_in_the_readme():
    commands = parser()._subparsers._group_actions[0].choices
    for name in commands:  # `atlas X` once installed, `python -m precompute X` in a checkout: the same
        assert f"atlas {name}" in README or f"python -m precompute {name}" in README, \
            f"README does not mention `atlas {name}`"


def test_readme_quick_start_and_ci_agree():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    assert blocks[0].strip().splitlines() == ["pip install .", "atlas app"]
    assert "`pip install -r requirements.txt` and\n`streamlit run app.py`" in README  # the checkout route
    test_cmd = re.search(r"python -m pytest[^`\n]*", README).group(0)
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_layout_lists_every_top_level_folder():
    for folder in ("app.py", "views/", "ui/", "data_layer/", "precompute/", "tests/", ".streamlit/", ".ci/run"):
        assert f"`{folder}`" in README


def test_study_file_doc_is_generated_from_the_schema_and_the_help_points_to_it():
    assert (ROOT / "docs" / "study-file.md").read_text(encoding="utf-8") == markdown(), \
        "docs/study-file.md is stale: run `python -m precompute.study_schema > docs/study-file.md`"
    commands = parser()._subparsers._group_actions[0].choices
    for name in ("build", "elicit"):
        text = commands[name].format_help()
        assert "docs/study-file.md" in text
        assert all(s.name in text for s in SECTIONS[1:])
    assert "docs/study-file.md" in README
