"""Text from outside the code shows literally: the escaping functions of ui/text.py, rendered
by the same markdown and HTML renderers' rules, and a static check that the pages' markdown
calls get nothing but code-written text or text passed through ui/text.py."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from ui.text import clip, plain_chart, plain_chart_frame, plain_md

PAYLOADS = [
    "![t](http://127.0.0.1:9/track.png)",
    "[Session expired – log in again](http://127.0.0.1:9/login)",
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<b>bold</b>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "**bold** _it_ `code` ~~gone~~ :red[colour] :material/home: $x^2$ &lt; &amp;",
    "# heading\n===\n- list\n1. item\n> quote\n| a | b |",
    "visit www.example.org or http://127.0.0.1:9/x or mail a@example.org",
]


def _unescape_md(text: str) -> str:
    """What CommonMark shows for text made only of characters and backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_md_shows_the_text_and_no_markup(payload):
    out = plain_md(payload)
    # every markdown-significant character is escaped: no unescaped one is left to start markup
    assert not re.search(r"(?<!\\)[\[\]()<>*_`~!#|$:=&]", out.replace("\\\\", "")), out
    assert "\n" not in out and "\r" not in out  # no line can start a heading, list or block
    # what shows is the text itself (line breaks read as the spaces markdown makes of them;
    # the invisible word joiner keeps bare URLs from being linked)
    assert _unescape_md(out).replace("\u2060", "") == re.sub(r"[\r\n]+", " ", payload)


def test_plain_md_stops_autolinks():
    out = plain_md("http://127.0.0.1:9/x www.example.org a@example.org HTTPS://x.org").replace("\\", "")
    for trigger in ("http:", "www.", "@example", "HTTPS:"):
        assert trigger not in out, trigger


def test_plain_md_clips_long_values():
    assert plain_md("x" * 10_000, limit=50) == "x" * 49 + "…"
    assert clip("short", 50) == "short"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_chart_leaves_no_tag(payload):
    import html
    out = plain_chart(payload)
    assert "<" not in out and ">" not in out
    assert html.unescape(out) == payload  # Plotly decodes the entities back into the characters


def test_plain_chart_frame_escapes_only_text():
    import pandas as pd
    frame = pd.DataFrame({"name": ["<b>x</b>", None], "n": [1, 2]})
    out = plain_chart_frame(frame, ["name"])
    assert list(out["name"])[0] == "&lt;b&gt;x&lt;/b&gt;" and out["name"].isna().iloc[1]
    assert list(out["n"]) == [1, 2] and list(frame["name"])[0] == "<b>x</b>"  # a copy


# ----------------------------------------------------------------- static check of the pages
# Calls whose first argument (and `label=`, `body=`) Streamlit renders as markdown. Every
# `help=` of any call is markdown too (tooltips, column help). Selectbox and multiselect
# options (format_func) are plain text; radio options are markdown.
MD_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "toast", "subheader", "header",
            "title", "expander", "popover", "page_link", "tabs", "metric", "write", "radio", "selectbox",
            "multiselect", "select_slider", "slider", "text_input", "text_area", "number_input", "checkbox",
            "toggle", "button", "download_button", "link_button", "status", "spinner",
            # the project's own wrappers, whose arguments reach the calls above
            "panel", "start_page", "share_link"}
MD_POSITIONS = {"panel": (0, 1), "download_csv": (2,)}  # which positional arguments are text (default: the first)
MD_KEYWORDS = {"label", "body", "captions"}  # of the calls above; `help=` of every call
ESCAPERS = {"plain_md", "plain", "md_escape"}
NUMERIC = {"len", "int", "float", "round", "abs"}
# Code-written text that the rules below cannot prove so: (file, expression) and why.
CODE_TEXT = {
    ("views/data.py", "list(TABS.values())"): "the Data page's tab names, written in the page",
    ("ui/page.py", "title"): "start_page(title): its callers are checked",
    ("ui/panel.py", "title"): "panel(title, help): its callers are checked",
    ("ui/panel.py", "help"): "panel(title, help): its callers are checked",
    ("ui/share.py", "label"): "share_link(label): its callers are checked",
    ("ui/export.py", "label"): "download_csv(label): its callers are checked",
    ("views/overview.py", "' and '.join(relaxed)"): "names of the sidebar's filters, written in the page",
    ("views/overview.py", "_band_line(b, v)"): "escapes the band's name and sentence itself",
    ("views/item.py", "label"): "the previous / next links' labels, written in the page",
    ("ui/items_table.py", "gap_help(metric)"): "a sentence written in the page from the metric registry",
    ("views/models.py", "high"): "the band scheme's name of its high band (registry)",
    ("views/published.py", "label"): "the filter's name, from the page's CONTROLS",
    ("views/published.py", "metric"): "the paper's metric name, from the page's CHARTS",
    ("views/published.py", "definition"): "the metric's definition, from the page's CHARTS",
    ("views/overview.py", "floor_text"): "a sentence written in the page",
    ("views/overview.py", "agg"): "a sentence written in the page from the metric registry",
    ("views/bands.py", "drawn"): "a sentence written in the page",
    ("views/bands.py", "_floor_text(floor_res)"): "escapes the store's band names and message itself",
    ("views/models.py", "how"): "a sentence written in the page from the metric registry",
    ("views/models.py", "missing"): "_paired_frame returns its message through plain_md",
    ("views/models.py", "paired['method'].iloc[0]"): "the interval method's name, from data_layer.stats",
    ("views/data.py", "m.citation"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.description"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.unit"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.applies_to"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.label"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.name"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.direction"): "the metric glossary, generated from the metric registry",
    ("views/data.py", "m.level"): "the metric glossary, generated from the metric registry",
    ("ui/item_nav.py", "label"): "the previous/next link labels written in step_links",
    ("ui/item_groups.py", "[plain_md(GROUP_ATTRIBUTES.get(a).label) for a in names]"):
        "the group attributes' labels from their registry, escaped one by one",
    ("views/perspectives.py", "measure_help('group_distance')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('group_floor')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('group_spread')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('group_paired_difference')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('annotator_loo_agreement')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('annotator_model_agreement')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/annotator.py", "measure_help('annotator_loo_agreement')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/annotator.py", "measure_help('annotator_model_agreement')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/perspectives.py", "measure_help('annotator_prediction_error')"): "the group measures' registry text (GROUP_MEASURES)",
    ("views/annotator.py", "measure_help('annotator_prediction_error')"): "the group measures' registry text (GROUP_MEASURES)",
}
REGISTRY_ROOTS = {"metric", "scheme"}  # a Metric / BandScheme from the registries


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _chain_names(node: ast.AST) -> list[str]:
    names = []
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names


class _Checker:
    def __init__(self, rel: str):
        self.rel, self.problems = rel, []

    def trusted(self, node: ast.AST, names: frozenset = frozenset()) -> bool:
        if isinstance(node, (ast.Constant, ast.Compare)):  # text written here, or a yes/no
            return True
        if isinstance(node, ast.Attribute) and node.attr == "__name__":  # a class's name
            return True
        if (self.rel, ast.unparse(node)) in CODE_TEXT:
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.trusted(v, names) for v in node.values)
        if isinstance(node, ast.FormattedValue):  # a format spec such as :, or :.3f proves a number
            spec = ast.unparse(node.format_spec) if node.format_spec else ""
            return bool(re.search(r"[,dfge%]", spec)) or self.trusted(node.value, names)
        if isinstance(node, (ast.List, ast.Tuple)):
            return all(self.trusted(e, names) for e in node.elts)
        if isinstance(node, ast.BinOp):
            return self.trusted(node.left, names) and self.trusted(node.right, names)
        if isinstance(node, ast.IfExp):
            return self.trusted(node.body, names) and self.trusted(node.orelse, names)
        if isinstance(node, ast.BoolOp):
            return all(self.trusted(v, names) for v in node.values)
        if isinstance(node, ast.Lambda):
            return self.trusted(node.body, names)
        if isinstance(node, ast.GeneratorExp):  # names bound by a loop over code-made values
            if self.trusted(node.elt, names):  # e.g. an escaping call on each element
                return True
            bound = set(names)
            for gen in node.generators:
                if not self.trusted(gen.iter, names):
                    return False
                bound |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
            return self.trusted(node.elt, frozenset(bound))
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in ESCAPERS | NUMERIC:
                return True
            if isinstance(fn, ast.Attribute) and fn.attr in ("startswith", "endswith"):  # a yes/no
                return True
            if isinstance(fn, ast.Attribute) and fn.attr == "join" and isinstance(fn.value, ast.Constant):
                return all(self.trusted(a, names) for a in node.args)
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            chain, root = _chain_names(node), _root(node)
            if any(n.isupper() for n in chain):  # a module constant or registry (METRICS, SORTS, CI)
                return True
            if isinstance(root, ast.Name) and (root.id in REGISTRY_ROOTS or root.id in names):
                return True
        return False

    def check_call(self, call: ast.Call) -> None:
        fn = call.func
        name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id in ("log", "re"):
            return
        args = [kw.value for kw in call.keywords if kw.arg == "help"]
        if name in MD_CALLS or name in MD_POSITIONS:
            args += [call.args[i] for i in MD_POSITIONS.get(name, (0,)) if i < len(call.args)]
            args += [kw.value for kw in call.keywords if kw.arg in MD_KEYWORDS
                     or kw.arg == "format_func" and name == "radio"]
        for arg in args:
            if not self.trusted(arg):
                self.problems.append(f"{self.rel}:{call.lineno} {name}(…) gets `{ast.unparse(arg)}`")


def markdown_problems() -> list[str]:
    problems = []
    for path in sorted([*ROOT.glob("views/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]):
        checker = _Checker(str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                checker.check_call(node)
        problems += checker.problems
    return problems


def test_pages_put_outside_text_into_markdown_only_through_plain_md():
    problems = markdown_problems()
    assert not problems, ("Text that may come from a URL, the store or a model reaches markdown "
                          "unescaped; wrap it in ui.text.plain_md (or, if the code wrote it, add it "
                          "to CODE_TEXT with the reason):\n" + "\n".join(problems))


def test_the_static_check_catches_an_unescaped_echo(tmp_path):
    bad = ast.parse('st.warning(f"Unknown task {task_id}")\nst.info(res.message)\n'
                    'st.caption(f"{plain_md(x)} {n:,} {metric.label}")\nst.subheader("x", help=row.name)\n')
    checker = _Checker("views/example.py")
    for node in ast.walk(bad):
        if isinstance(node, ast.Call):
            checker.check_call(node)
    assert [p.split(" gets ")[1] for p in checker.problems] == ["`f'Unknown task {task_id}'`", "`res.message`",
                                                                 "`row.name`"]


def test_known_echo_sites_escape():
    """The five echo sites the attack found, by their source: each passes its text through plain_md."""
    sources = {p: (ROOT / p).read_text(encoding="utf-8") for p in ("ui/sidebar.py", "views/item.py",
                                                                    "views/items.py")}
    assert "st.warning(plain_md(st.session_state.pop(\"url_problem\")))" in sources["ui/sidebar.py"]
    assert "st.error(plain(detail.message))" in sources["views/item.py"]
    assert "st.info(plain_md(res.message))" in sources["views/items.py"]
    assert Path(ROOT / "ui/text.py").exists()
