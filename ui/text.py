"""The one way text from outside the code reaches the screen.

Text from a URL, from the store (task, label, model and run names, item text, model answers,
messages built from them) or from a model is data: it must show literally, never become markup.
Streamlit renders markdown (with links, images, `:material/…:` icons, `:red[…]` colours and
LaTeX) in st.markdown/caption/info/warning/error, headers, expander and tab labels, widget
labels and every `help=` tooltip; Plotly renders a subset of HTML (`<b>`, `<br>`, `<a href>`)
in trace names, category values, tick labels, hover text, titles and annotations. So:

- `plain_md(text)`: for any markdown context (may be embedded in a code-written template).
- `plain_chart(text)`: for any string that goes into a Plotly figure (names, categories, hover).
- `plain_chart_frame(frame, columns)`: the same for the text columns of a frame handed to Plotly.

Code-written text (registry labels, constants, numbers) needs neither. tests/test_text.py
checks statically that the pages' markdown calls get only code-written text or one of these.
"""
from __future__ import annotations

import html
import re

import pandas as pd

# Every ASCII punctuation character CommonMark lets a backslash escape that can start or end
# markup in Streamlit's renderer (emphasis, links, images, code, headings, lists, tables, HTML,
# entities, setext underlines, directives, LaTeX).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&\"'^])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GitHub-flavoured markdown turns bare URLs and e-mail addresses into links *after* escapes are
# decoded, so no backslash stops it; an invisible word joiner inside the trigger does.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|mailto|xmpp)(?=[:.])|(@)")
_JOINER = "\u2060"


def clip(text, limit: int) -> str:
    """At most `limit` characters of `text`, with an ellipsis when cut (for echoing values)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plain_md(text, limit: int | None = None) -> str:
    """`text` as markdown that displays exactly `text` (clipped to `limit` characters when
    given): markdown punctuation backslash-escaped, line breaks folded into spaces (a line
    break could start a heading, list or block), bare URLs and addresses kept from becoming
    links by an invisible word joiner."""
    text = clip(text, limit) if limit else str(text)
    text = _AUTOLINK.sub(lambda m: m.group(0) + _JOINER, _LINE_BREAKS.sub(" ", text))
    return _MARKDOWN.sub(r"\\\1", text)


md_escape = plain_md  # the earlier name, kept for callers on other branches


def plain_chart(text) -> str:
    """`text` as a Plotly string that displays exactly `text`: Plotly decodes &lt; &gt; &amp;
    back to the characters, so tags in the data are shown, not rendered."""
    return html.escape(str(text), quote=False)


def plain_chart_frame(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy of `frame` whose `columns` (text that Plotly will show) are plain_chart-escaped."""
    return frame.assign(**{c: [plain_chart(v) if isinstance(v, str) else v for v in frame[c]]
                           for c in columns})
