"""The "copy link" affordance: the full URL of the current view (page + every query param)
in a code block, whose copy button puts it on the clipboard."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui.state import url_params


def page_url(page_path: str | None = None, params: dict[str, str] | None = None) -> str:
    """Absolute URL of this page (or of `page_path` in the same app) with `params`
    (default: the current query params). Relative (`page?...`) when the browser URL is unknown."""
    params = url_params() if params is None else params
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)
    here = st.context.url  # scheme://host[:port]/[base/]page, without query
    if here and page_path is not None:
        here = here.rsplit("/", 1)[0] + "/" + page_path
    base = here or (page_path or "")
    return f"{base}?{query}" if query else base


def share_link(label: str = "Link to this view", page_path: str | None = None,
               params: dict[str, str] | None = None) -> str:
    """Show the view's URL with a copy button; returns the URL."""
    url = page_url(page_path, params)
    st.caption(f":material/link: {label} (copy with the button at the right; it reopens exactly this view)")
    st.code(url, language=None, wrap_lines=True)
    return url
