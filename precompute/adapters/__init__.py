"""Named adapters for real multi-annotator datasets (study.toml `[[dataset]] adapter = "name"` with
`path` = the dataset's folder). Each module maps one dataset's files onto the generic model using
the shared parsing in `precompute.formats`; each task carries source, license and citation from the
dataset's PROVENANCE.md."""
from precompute.adapters import chaosnli, dices, emobank, lewidi2023, lewidi2025, popquorn  # noqa: F401
