"""The app's few style rules, injected once per page run by app.py (code-written CSS, no data):
readable captions, a visible keyboard focus ring, a first screen on a phone that reaches the
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
@media (max-width: {NARROW_PX}px) {{
  [class*="st-key-{WIDE_KEY}"] {{ display: none; }}
  [class*="st-key-{NARROW_KEY}"] {{ display: flex; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; padding-left: 0.75rem;
                                          padding-right: 0.75rem; }}
  [data-testid="stMainBlockContainer"] h1 {{ font-size: 1.6rem; padding-top: 0.25rem; }}
}}
</style>
"""


def inject() -> None:
    st.html(CSS)
