"""Generic dataset formats for study.toml `[[dataset]] format = ...`: long (one row per rating),
label-lists (one row per item with a list of labels) and counts (one row per item with label
counts). Shared parsing lives in `common` (files, paths, labels) and `assemble` (HumanData)."""
from precompute.formats import counts, label_lists, long  # noqa: F401  (they register themselves)
