"""Endpoint URLs as they may be shown: without the user info (`http://user:pass@host/v1`).

The request still goes to the URL as written (httpx turns its user info into Basic auth); every
copy that is printed, cached (`responses.endpoint`) or stored (`runs.settings`, which `publish`
uploads) goes through `public_url` first."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

HIDDEN = "***"


def public_url(url: str) -> str:
    """`url` with any user name and password replaced by ***."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{HIDDEN}@{host}", parts.path, parts.query, parts.fragment))


def hide_credentials(text: str, urls) -> str:
    """`text` (an error message) with each of `urls` replaced by its public form."""
    for url in urls:
        if public_url(url) != url:  # the whole URL, then its host part alone (user:pass@host:port)
            text = text.replace(url, public_url(url))
            text = text.replace(urlsplit(url).netloc, urlsplit(public_url(url)).netloc)
    return text
