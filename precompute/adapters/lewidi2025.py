"""LeWiDi 2025 (3rd edition, NLPerspectives @ EMNLP 2025; Leonardelli et al. 2025): CSC sarcasm (ordinal
1-6), MP / MultiPICo irony (binary, 9 languages, language in metadata), Paraphrase (ordinal -5..5) and
VariErrNLI (annotators may give several NLI labels, so three binary tasks: entailment, neutral,
contradiction each given or not). Items are keyed "<split>-<id>"; annotator demographics from the
`*_annotators_meta.json` files. Quirks handled here: MP meta keys are "0".."505" for annotators
"Ann0".."Ann505"; the Paraphrase and VariErrNLI meta files have trailing commas (read leniently);
the CSC and MP train files are not in the folder (only dev and test; the notes say which splits
were read)."""
from __future__ import annotations

from pathlib import Path

from precompute.adapters.base import dataset_file, lewidi_records, read_lewidi
from precompute.config import dataset_reader
from precompute.formats.assemble import Ratings, annotators_from_mapping
from precompute.formats.common import load_json
from precompute.study import HumanData, StudyError, TaskSpec

REPO = "LeWiDi 2025 official repository github.com/Le-Wi-Di/le-wi-di.github.io @45d7b06e, LeWiDi_3-2025/"
TASK_PAPER = ("Leonardelli et al. (2025). LeWiDi-2025 at NLPerspectives: The Third Edition of the Learning "
              "with Disagreements Shared Task. arXiv 2510.08460.")
NO_LICENSE = "no license stated; research use with citation"
NLI = ("entailment", "neutral", "contradiction")
VARIERR = {f"lewidi25-varierrnli-{x[0]}": x for x in NLI}  # task -> the NLI label it asks about


def _spec(task_id, ds, name, labels, scale, names, description, license_, citation, guideline) -> TaskSpec:
    return TaskSpec(task_id, f"lewidi2025-{ds.lower()}", name, labels, scale, names, description,
                    REPO + ds + "/", license_, citation + " " + TASK_PAPER, guideline)


DATASETS = {
    "CSC": [_spec("lewidi25-csc", "CSC", "CSC sarcasm 1-6 (LeWiDi 2025)", [str(i) for i in range(1, 7)],
                  "ordinal", ["1 not sarcastic", "2", "3", "4", "5", "6 very sarcastic"],
                  "Conversational Sarcasm Corpus: a scenario (context) and a reply rated for sarcasm on 1-6 "
                  "by 4 or 6 annotators (gender and age in demographics). Dev and test splits only.",
                  NO_LICENSE, "Jang, Frassinelli (2024). Generalizable Sarcasm Detection is Just Around the "
                  "Corner, of Course! NAACL 2024.", "How sarcastic is the reply, from 1 (not at all) to 6?")],
    "MP": [_spec("lewidi25-mp", "MP", "MultiPICo irony (LeWiDi 2025)", ["0", "1"], "nominal",
                 ["not ironic", "ironic"],
                 "Post-reply pairs from Twitter and Reddit in 9 languages (language in metadata.lang); is the "
                 "reply ironic? 2-19 crowd annotators per item with rich demographics. Dev and test splits only.",
                 "CC BY 4.0", "Casola et al. (2024). MultiPICo: Multilingual Perspectivist Irony Corpus. ACL 2024.",
                 "Is the reply ironic?")],
    "Paraphrase": [_spec("lewidi25-paraphrase", "Paraphrase", "Paraphrase -5..5 (LeWiDi 2025)",
                         [str(i) for i in range(-5, 6)], "ordinal",
                         ["-5 not a paraphrase", *map(str, range(-4, 5)), "5 paraphrase"],
                         "Question pairs rated by the same 4 annotators on a Likert scale from -5 to 5 (higher "
                         "= more paraphrastic); their explanations are in metadata.", NO_LICENSE,
                         "MaiNLP lab, LMU Munich (unpublished).",
                         "How much is question 2 a paraphrase of question 1, from -5 to 5?")],
    "VariErrNLI": [_spec(f"lewidi25-varierrnli-{x[0]}", "VariErrNLI", f"VariErrNLI {x} given (LeWiDi 2025)",
                         ["0", "1"], "nominal", [f"not {x}", x],
                         f"MNLI premise/hypothesis pairs; 4 annotators may each give several NLI labels, so this "
                         f"task asks whether an annotator gave '{x}' (1) or not (0). Items with one annotator are "
                         "dropped by min_annotators.", NO_LICENSE,
                         "Weber-Genzel et al. (2024). VariErr NLI: Separating Annotation Error from Human Label "
                         "Variation. ACL 2024.", f"Does the premise support the label '{x}' for the hypothesis?")
                   for x in NLI],
}
TEXT = {"CSC": ("response", "Context: {context}\nReply: {response}"),
        "MP": ("reply", "Post: {post}\nReply: {reply}"),
        "Paraphrase": (None, "Question 1: {Question1}\nQuestion 2: {Question2}"),
        "VariErrNLI": (None, "Premise: {context}\nHypothesis: {statement}")}


def _text(ds: str, parts, where: str) -> str:
    main, template = TEXT[ds]
    try:
        return str(parts[main]) if main else template.format(**parts)
    except (KeyError, TypeError) as e:
        raise StudyError(f"{where}, field text: expected an object with {e}") from e


def _annotators(section: dict, base: Path, ds: str, notes: list[str]):
    path = dataset_file(section, base, f"{ds}_annotators_meta.json", optional=True)
    if path is None:
        notes.append(f"no {ds}_annotators_meta.json: no demographics")
        return None
    meta = load_json(path, lenient=ds in ("Paraphrase", "VariErrNLI"))
    if not isinstance(meta, dict):
        raise StudyError(f"{path}: expected an object keyed by annotator id")
    return annotators_from_mapping(meta, rename=(lambda k: f"Ann{k}") if ds == "MP" else str)


def _labels(ds: str, value: str, spec: TaskSpec, at: str) -> str:
    if ds != "VariErrNLI":
        return value
    given = [v.strip() for v in value.split(",")]
    for v in given:
        if v not in NLI:
            raise StudyError(f"{at}, field annotations: label {v!r} is not one of {list(NLI)}")
    return "1" if VARIERR[spec.task_id] in given else "0"


def _read(section: dict, base: Path, ds: str, specs: list[TaskSpec], where: str) -> list[HumanData]:
    collectors = [Ratings(t) for t in specs]
    splits: set[str] = set()
    for split, path, key, rec in lewidi_records(section, base, ds, where):
        at = f"{path}, item {key!r}"
        splits.add(split)
        parts, ratings = rec["text"], rec["annotations"]
        if not isinstance(ratings, dict) or not ratings:
            raise StudyError(f"{at}, field annotations: expected a non-empty object annotator -> label")
        meta = {"split": split, "id": key, "lang": rec.get("lang"), **(rec.get("other_info") or {})}
        context = parts if isinstance(parts, dict) else None
        for c in collectors:
            i = c.item(f"{split}-{key}", _text(ds, parts, at), context, meta)
            for rater, value in ratings.items():
                c.rating(i, str(rater), _labels(ds, str(value).strip(), c.task, at), at, f"annotations.{rater}")
    notes = [f"splits read: {', '.join(s for s in ('train', 'dev', 'test') if s in splits)}"]
    annotators = _annotators(section, base, ds, notes)
    return [c.human(annotators, notes) for c in collectors]


@dataset_reader("lewidi2025")
def read_lewidi2025(section: dict, base: Path) -> list[HumanData]:
    return read_lewidi(section, base, "lewidi2025", DATASETS, _read)
