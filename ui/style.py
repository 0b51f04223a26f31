"""The app's few style rules, injected once per page run by app.py (code-written CSS, no data):
readable captions, a visible keyboard focus ring, a link that skips the sidebar's filters, a first screen on a phone that reaches the
page's answer, and the narrow/wide twins of charts (ui/charts.show_chart) shown by width."""
from __future__ import annotations

import streamlit as st

from ui.colours import MUTED_TEXT, PRIMARY

NARROW_PX = 640  # at or below: phones (390 px) and narrow windows get the one-facet-per-row charts
WIDE_KEY, NARROW_KEY = "chart_wide_", "chart_narrow_"  # container keys become class st-key-<key>

CSS = f"""
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"], .stTooltipIcon,
[data-testid="stMarkdownContainer"] small {{ color: {MUTED_TEXT}; }}
:focus-visible {{ outline: 3px solid {PRIMARY} !important; outline-offset: 2px; }}
[data-testid="stSidebarNav"] a:focus-visible {{ outline-offset: -3px; }}
[class*="st-key-{NARROW_KEY}"] {{ display: none; }}
.atlas-skip {{ position: absolute; left: -10000px; }}
.atlas-skip:focus {{ position: static; display: inline-block; padding: 0.3rem 0.6rem; color: {PRIMARY};
                     background: white; font-weight: 600; }}
@media (max-width: {NARROW_PX}px) {{
  [class*="st-key-{WIDE_KEY}"] {{ display: none; }}
  [class*="st-key-{NARROW_KEY}"] {{ display: flex; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; padding-left: 0.75rem;
                                          padding-right: 0.75rem; }}
  [data-testid="stMainBlockContainer"] h1 {{ font-size: 1.6rem; padding-top: 0.25rem; }}
}}
</style>
"""


CONTENT_ANCHOR = "page-content"  # the id of each page's title (ui.page.start_page)
# Keyboard users otherwise Tab through every sidebar filter (about 30 stops) to reach the page.
SKIP_LINK = f'<a class="atlas-skip" href="#{CONTENT_ANCHOR}">Skip the filters: to the page</a>'


def inject() -> None:
    st.html(CSS)


def skip_link() -> None:
    """First in the sidebar's own content (Streamlit's page menu comes before it): a link, shown
    only when it has the keyboard focus, to the page's title past the sidebar's filters."""
    st.sidebar.html(SKIP_LINK)
