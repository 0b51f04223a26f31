"""The one colour system (ui/colours.py, data_layer/facets.py): every model type's colour and
every mark colour the pages use reach WCAG 2.1's 3:1 against the white plot background, the
theme's text and caption colours 4.5:1, no colour outside the model types repeats one of
theirs, and the Streamlit theme's primary colour is the one declared in ui/colours.py."""
from __future__ import annotations

import re
import tomllib

import pytest

from tests.conftest import ROOT
from ui import colours
from ui.charts import finish, wrap


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#FFFFFF") -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the usual AA grey
    assert contrast("#F0E442") == pytest.approx(1.32, abs=0.01)  # the old "RLVR · no CoT" yellow


MARKS = {"HUMAN": colours.HUMAN, "GROUP": colours.GROUP, "INK": colours.INK, "GUIDE": colours.GUIDE,
         "NOT_SIGNIFICANT": colours.NOT_SIGNIFICANT, "GAP_LINE": colours.GAP_LINE,
         "BAND_OUTLINE": colours.BAND_OUTLINE, "BETTER": colours.BETTER, "PRIMARY": colours.PRIMARY}


@pytest.mark.parametrize("name,colour", [*colours.MODEL_TYPE_COLOURS.items(),
                                         *((f"fallback {c}", c) for c in colours.FALLBACK_COLOURS),
                                         *((f"group {c}", c) for c in colours.GROUPS), *MARKS.items()])
def test_marks_stand_out_from_the_white_plot(name, colour):
    assert contrast(colour) >= 3, f"{name} {colour}: {contrast(colour):.2f}:1 on white"


def test_the_palest_band_is_carried_by_its_outline():
    assert contrast(colours.BANDS[0]) < 3 <= contrast(colours.BAND_OUTLINE)
    assert [colours.band_colour(i, 3) for i in range(3)] == colours.BANDS
    assert colours.band_colour(3, 4) == colours.BANDS[-1]  # the most-disagreement band is the darkest


def test_caption_text_meets_aa_on_the_page_and_in_the_sidebar():
    assert contrast(colours.MUTED_TEXT) >= 4.5
    assert contrast(colours.MUTED_TEXT, "#F0F2F6") >= 4.5  # Streamlit's sidebar background
    assert contrast("#000000", colours.CAME_FROM_ROW) >= 4.5  # table text on the came-from tint


def test_leaderboard_pills_are_readable():
    """Streamlit writes a pill's text black on a colour of WCAG luminance above 0.5, else white."""
    for pill in (colours.BETTER, colours.WORSE):
        text = "#000000" if _luminance(pill) > 0.5 else "#FFFFFF"
        assert contrast(text, pill) >= 4.5, f"{pill}: {contrast(text, pill):.2f}:1"


def test_nothing_else_uses_a_model_types_colour():
    types = {c.upper() for c in colours.MODEL_TYPE_COLOURS.values()}
    others = [colours.PRIMARY, colours.HUMAN, colours.GROUP, colours.INK, colours.GUIDE, colours.NOT_SIGNIFICANT,
              colours.GAP_LINE, *colours.BANDS, colours.BAND_OUTLINE, colours.BETTER, colours.WORSE,
              colours.CAME_FROM_ROW, *colours.GROUPS, *colours.FALLBACK_COLOURS]
    assert not types & {c.upper() for c in others}


def test_pages_declare_no_colour_of_their_own():
    """Hex colours live in ui/colours.py and data_layer/facets.py only (markdown headings aside)."""
    found = []
    for path in [*ROOT.glob("views/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        if path.name == "colours.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?!\w)", line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_theme_uses_the_declared_primary():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["primaryColor"].upper() == colours.PRIMARY.upper()


def test_legends_sit_under_the_plot_with_room_for_their_rows():
    import plotly.graph_objects as go
    fig = go.Figure([go.Bar(x=[1], y=[1], name=f"run number {i} with a long name") for i in range(6)])
    fig.update_layout(xaxis_title="Human disagreement (entropy / ln K)")
    wide, narrow = finish(go.Figure(fig)), finish(go.Figure(fig), narrow=True)
    assert wide.layout.legend.orientation == narrow.layout.legend.orientation == "h"
    assert wide.layout.legend.yref == "container" and wide.layout.legend.y == 0
    assert narrow.layout.margin.b > wide.layout.margin.b  # more legend rows on a phone
    assert "<br>" in narrow.layout.xaxis.title.text and "<br>" not in wide.layout.xaxis.title.text


def test_wrap_breaks_at_spaces_only():
    assert wrap("Total variation distance (lower is better)", 28) == "Total variation distance<br>(lower is better)"
    assert wrap("short", 28) == "short"
    assert wrap("averyveryverylongwordwithoutspaces", 5) == "averyveryverylongwordwithoutspaces"
