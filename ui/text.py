"""Showing data inside widgets that render markdown (subheaders, captions, labels)."""
from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md_escape(text) -> str:
    """Backslash-escape every markdown-significant character so data shows literally."""
    return _MARKDOWN.sub(r"\\\1", str(text))
