"""LeWiDi 2023 (SemEval-2023 Task 11, Leonardelli et al. 2023): MD-Agreement, HS-Brexit, ConvAbuse and
ArMIS in the organisers' harmonised JSON, all splits. Items are keyed "<split>-<id>" (ids restart in
every file); the split and the original id are kept in item metadata. ConvAbuse gives two tasks: the
ordinal abuse-severity scale and the binary view the shared task used ({-3,-2,-1} = abusive)."""
from __future__ import annotations

import json
from pathlib import Path

from precompute.adapters.base import lewidi_records, read_lewidi
from precompute.config import dataset_reader
from precompute.formats.assemble import Ratings, annotators_from_mapping
from precompute.study import HumanData, StudyError, TaskSpec

REPO = "LeWiDi 2023 official repository github.com/Le-Wi-Di/le-wi-di.github.io @45d7b06e, LeWiDi_2-2023/"
TASK_PAPER = "Leonardelli et al. (2023). SemEval-2023 Task 11: Learning With Disagreements (LeWiDi)."
NONCOMMERCIAL = "no license stated; Twitter-derived, treat as non-commercial research only"
BINARY = ["0", "1"]
DATASETS = {
    "MD-Agreement": [TaskSpec(
        "lewidi23-md", "lewidi2023-md", "MD-Agreement offensiveness (LeWiDi 2023)", BINARY, "nominal",
        ["not offensive", "offensive"],
        "English tweets on Covid-19, BLM and the 2020 US election, each labelled by 5 of 819 AMT workers; "
        "chosen so that disagreement is common. All splits; split in metadata.",
        REPO + "MD-Agreement_dataset/",
        "non-commercial research only (authors' terms: no discriminatory use, monitoring or profiling)",
        "Leonardelli et al. (2021). Agreeing to Disagree: Annotating Offensive Language Datasets with "
        "Annotators' Disagreement. EMNLP 2021. " + TASK_PAPER, "Is this tweet offensive?")],
    "HS-Brexit": [TaskSpec(
        "lewidi23-hsbrexit", "lewidi2023-hsbrexit", "HS-Brexit hate speech (LeWiDi 2023)", BINARY, "nominal",
        ["not hate speech", "hate speech"],
        "English Brexit tweets labelled by the same 6 annotators: Ann1-3 a target group (Muslim immigrants "
        "in the UK), Ann4-6 a control group (in annotator demographics).", REPO + "HS-Brexit_dataset/",
        NONCOMMERCIAL, "Akhtar, Basile, Patti (2021). Whose Opinions Matter? Perspective-aware Models to "
        "Identify Opinions of Hate Speech Victims in Abusive Language Detection. " + TASK_PAPER,
        "Is this tweet hate speech?")],
    "ConvAbuse": [TaskSpec(
        "lewidi23-convabuse", "lewidi2023-convabuse", "ConvAbuse abuse severity (LeWiDi 2023)",
        ["-3", "-2", "-1", "0", "1"], "ordinal",
        ["-3 very strongly abusive", "-2 strongly abusive", "-1 mildly abusive", "0 ambiguous",
         "1 not abusive"],
        "User turns in conversations with CarbonBot and ELIZA, each rated by 2-8 of 8 gender-studies "
        "experts on the abuse-severity scale. Text is the rated user turn; the previous turns are context.",
        REPO + "ConvAbuse_dataset/", "CC BY 4.0", "Cercas Curry, Abercrombie, Rieser (2021). ConvAbuse: "
        "Data, Analysis, and Benchmarks for Nuanced Abuse Detection in Conversational AI. EMNLP 2021. "
        + TASK_PAPER, "How abusive is the user's last turn, from -3 (very strongly) to 1 (not abusive)?"),
        TaskSpec(
        "lewidi23-convabuse-binary", "lewidi2023-convabuse", "ConvAbuse abusive yes/no (LeWiDi 2023)",
        BINARY, "nominal", ["not abusive", "abusive"],
        "The binary view of the ConvAbuse severity ratings used by the shared task: -3, -2, -1 = abusive "
        "(1); 0 (ambiguous) and 1 = not abusive (0).", REPO + "ConvAbuse_dataset/", "CC BY 4.0",
        "Cercas Curry, Abercrombie, Rieser (2021). EMNLP 2021. " + TASK_PAPER,
        "Is the user's last turn abusive?")],
    "ArMIS": [TaskSpec(
        "lewidi23-armis", "lewidi2023-armis", "ArMIS misogyny and sexism (LeWiDi 2023)", BINARY, "nominal",
        ["not misogynous", "misogynous or sexist"],
        "Arabic tweets labelled by 3 annotators: Ann1 Moderate_Female, Ann2 Liberal_Female, Ann3 "
        "Conservative_Male (in annotator demographics).", REPO + "ArMIS_dataset/", NONCOMMERCIAL,
        "Almanea, Poesio (2022). ArMIS - The Arabic Misogyny and Sexism Corpus with Annotator Subjective "
        "Disagreements. LREC 2022. " + TASK_PAPER, "Is this Arabic tweet misogynous or sexist?")],
}


def _text(ds: str, rec: dict, where: str) -> tuple[str, dict | None]:
    if ds != "ConvAbuse":
        return str(rec["text"]), None
    try:
        turns = json.loads(rec["text"])
        return str(turns["user"]), turns
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise StudyError(f"{where}, field text: expected a JSON string with the key 'user' ({e})") from e


def _demographics(ds: str, rec: dict, raters: list[str], into: dict) -> None:
    info = rec.get("other_info") or {}
    if ds == "HS-Brexit":
        groups = str(info.get("annotators group", "")).split(",")
        for rater, g in zip(raters, groups, strict=False):
            into.setdefault(rater, {"group": info.get(g, g)})
    elif ds == "ArMIS":
        for rater in raters:
            if rater in info:
                into.setdefault(rater, {"group": info[rater]})


def _read(section: dict, base: Path, ds: str, specs: list[TaskSpec], where: str) -> list[HumanData]:
    collectors = [Ratings(t) for t in specs]
    demo: dict[str, dict] = {}
    for split, path, key, rec in lewidi_records(section, base, ds, where):
        at = f"{path}, item {key!r}"
        text, context = _text(ds, rec, at)
        raters = [a.strip() for a in str(rec.get("annotators", "")).split(",")]
        labels = [x.strip() for x in str(rec["annotations"]).split(",")]
        if len(raters) != len(labels):
            raise StudyError(f"{at}, field annotations: {len(labels)} labels for {len(raters)} annotators")
        meta = {"split": split, "id": key, "lang": rec.get("lang"), "other_info": rec.get("other_info")}
        idx = [c.item(f"{split}-{key}", text, context, meta) for c in collectors]
        for rater, label in zip(raters, labels, strict=True):
            collectors[0].rating(idx[0], rater, label, at, "annotations")
            if len(collectors) > 1:  # ConvAbuse binary view of the severity just validated
                collectors[1].rating(idx[1], rater, "1" if int(label) < 0 else "0", at, "annotations")
        _demographics(ds, rec, raters, demo)
    annotators = annotators_from_mapping(demo) if demo else None
    return [c.human(annotators, keep_repeats=True) for c in collectors]


@dataset_reader("lewidi2023")
def read_lewidi2023(section: dict, base: Path) -> list[HumanData]:
    return read_lewidi(section, base, "lewidi2023", DATASETS, _read)
