"""Docs are code: README, glossary and CLI help stay in sync."""
import re

from data_layer.glossary import glossary_markdown
from data_layer.metrics import METRICS
from precompute.__main__ import parser
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
