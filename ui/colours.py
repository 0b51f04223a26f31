"""The app's one colour system. Model types own their colours (declared with the model types in
data_layer/facets.py: RLVR warm, RLHF cool, baselines grey) and nothing else uses those; every
other colour the pages use is declared here, chosen away from the model types' hues, and every
mark a reader must see reaches WCAG 2.1's 3:1 contrast against the white plot background (text
4.5:1). tests/test_colours.py measures them; the theme in .streamlit/config.toml repeats PRIMARY
(the test checks that too)."""
from __future__ import annotations

from data_layer.facets import FALLBACK_COLOURS, MODEL_TYPE_COLOURS, colour_for

__all__ = ["MODEL_TYPE_COLOURS", "FALLBACK_COLOURS", "colour_for"]

# Widgets, links, focus ring: a dark slate, no model type's hue (Streamlit's default red clashed
# with RLVR's vermillion).
PRIMARY = "#3D4B5C"
# Captions and other secondary text. Streamlit draws them at 60 % opacity (3.9:1 on white);
# this is 6.5:1 on white and 5.8:1 on the sidebar's grey.
MUTED_TEXT = "#5A5E6A"

HUMAN = "#333333"  # the human label distribution beside the models'
GROUP = "#7F3C8D"  # one annotator group's distribution (Perspectives, group columns)
INK = "#111111"  # reference lines (zero, noise floor) and significant differences
GUIDE = "#5F5F5F"  # thin guide lines (band edges, the diagonal)
NOT_SIGNIFICANT = "#8A8A8A"  # an interval that includes zero (3.45:1)
GAP_LINE = "#8A8A8A"  # the line joining an RLVR model to its RLHF sibling

# Human-disagreement bands, least to most: greys (blues were RLHF's), each bar outlined in
# BAND_OUTLINE so that even the palest band's bars stand 3:1 off the background.
BANDS = ["#E0E0E0", "#A8A8A8", "#4D4D4D"]
BAND_OUTLINE = "#333333"

# The leaderboard's marks of each metric's best and worst run: a violet pill, and a pale grey one
# (green and orange would read as model types, a mid grey as the baselines' colour). Streamlit
# writes a pill's text white on a dark colour and black on a light one (WCAG luminance > 0.5).
BETTER = "#6A3D9A"
WORSE = "#DCDCDC"

# The Items table's row the user came back to from an item (a background tint under dark text)
CAME_FROM_ROW = "#FFF3C4"

# Annotator groups on the Perspectives page (gender, age, ...), in order: hues no model type uses.
GROUPS = ["#332288", "#117733", "#8C5A3C", "#5C5C8A", "#4B5320", "#7A4A8C"]
GROUP_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]


def band_colour(index: int, n_bands: int) -> str:
    """The colour of band `index` of `n_bands` (the last, most-disagreement band always darkest)."""
    return BANDS[-1] if index == n_bands - 1 else BANDS[min(index, len(BANDS) - 2)]
