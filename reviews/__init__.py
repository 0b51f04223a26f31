"""Review meetings: a writable store of review sets, verdicts and notes, kept apart from the
read-only atlas store (no streamlit here; the pages in views/ call these functions)."""
