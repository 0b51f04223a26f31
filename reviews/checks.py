"""Validation of what people type into the review pages, before anything is written."""
from __future__ import annotations

import unicodedata

NAME_MAX_CHARS = 80
NOTE_MAX_CHARS = 4000  # a long paragraph; a pasted log or document belongs in a linked file
SET_MAX_ITEMS = 500


class ReviewInputError(ValueError):
    """Input that cannot be written as given (the message says what to change)."""


def clean_name(value: str | None, what: str) -> str:
    """A set or reviewer name: trimmed, not empty, one line, at most NAME_MAX_CHARS."""
    text = (value or "").strip()
    if not text:
        raise ReviewInputError(f"The {what} is empty; type a {what} first.")
    if len(text) > NAME_MAX_CHARS:
        raise ReviewInputError(f"The {what} has {len(text):,} characters; at most {NAME_MAX_CHARS} are allowed.")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ReviewInputError(f"The {what} contains a line break or control character; use one line.")
    return text


def clean_note(value: str | None) -> str:
    """A note: any text (shown literally everywhere), at most NOTE_MAX_CHARS characters."""
    text = (value or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ReviewInputError(f"The note has {len(text):,} characters; notes are capped at "
                               f"{NOTE_MAX_CHARS:,}. Shorten it (or link to a longer document); "
                               "nothing was saved.")
    return text
