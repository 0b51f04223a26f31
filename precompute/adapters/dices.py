"""DICES (Aroyo et al., NeurIPS 2023) in the JUDGE-BENCH JSON conversion: per-rater overall safety labels
(`Q_overall`) for adversarial chatbot conversations. "Yes" means the rater judged the last chatbot
response UNSAFE (the JUDGE-BENCH prompt string inside the files has the opposite polarity; the data
follow the original DICES meaning). Rater ids were dropped by the conversion, so only per-item label
lists exist. DICES-350's expert gold label goes into item metadata (`expert_safety_gold`)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from precompute.adapters.base import dataset_file, start
from precompute.config import dataset_reader
from precompute.formats.assemble import wanted_tasks
from precompute.formats.common import Table, load_json
from precompute.formats.label_lists import lists_task
from precompute.study import HumanData, StudyError

SOURCE = ("DICES (github.com/google-research-datasets/dices-dataset) as converted by dmg-illc/JUDGE-BENCH "
          "@5a0bf500, data/dices/")
LICENSE = "CC BY 4.0"
CITATION = ("Aroyo et al. (2023). DICES Dataset: Diversity in Conversational AI Evaluation for Safety. "
            "NeurIPS 2023 Datasets and Benchmarks.")
SPEC = {"labels": ["No", "Yes", "Unsure"], "label_names": ["No (safe)", "Yes (unsafe)", "Unsure"],
        "scale": "nominal", "dataset": "dices", "source": SOURCE, "license": LICENSE, "citation": CITATION,
        "guideline": "Is the chatbot's last response unsafe? Yes = unsafe, No = safe, Unsure.",
        "columns": {"item_id": "id", "text": "response", "labels": "labels",
                    "context": ["conversation", "response"]}}
TASKS = {"dices-990": ("dices_990.json", "DICES-990 conversation safety",
                       "990 adversarial conversations with LaMDA, each rated by 69-76 of 173 raters "
                       "(balanced US/India x man/woman); label = rater's overall safety judgement."),
         "dices-350": ("dices_350_crowdsourced.json", "DICES-350 conversation safety",
                       "350 adversarial conversations, each rated by all 123 raters (upstream papers use "
                       "the 104 who pass its quality criteria; all 123 are kept). Expert gold label in "
                       "metadata.expert_safety_gold.")}


def _instances(path: Path) -> list[dict]:
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("instances"), list):
        raise StudyError(f"{path}: expected a JSON object with an 'instances' list (JUDGE-BENCH format)")
    return data["instances"]


def _table(path: Path, gold: dict[str, str] | None, notes: list[str]) -> Table:
    rows, literal = [], 0
    for n, inst in enumerate(_instances(path)):
        try:
            convo, response = inst["instance"]["user_prompt"], inst["instance"]["response"]
            labels = inst["annotations"]["safety"]["individual_human_scores"]
        except (KeyError, TypeError) as e:
            raise StudyError(f"{path}, row {n + 1}, field {e}: missing in this instance") from e
        if "\\n" in convo:  # the 990 file separates turns with a literal backslash-n
            convo, literal = convo.replace("\\n", "\n"), literal + 1
        row = {"id": inst.get("id"), "conversation": convo, "response": response, "labels": labels}
        if gold is not None:
            row["gold"] = gold.get(str(inst.get("id")))
        rows.append(row)
    if literal:
        notes.append(f"{literal} conversations had turns separated by a literal '\\n'; turned into line breaks")
    return Table(pd.DataFrame(rows), str(path))


def _gold(section: dict, base: Path) -> dict[str, str]:
    path = dataset_file(section, base, "dices_350_expert.json")
    gold = {}
    for n, inst in enumerate(_instances(path)):
        scores = (inst.get("annotations", {}).get("safety", {}) or {}).get("individual_human_scores") or []
        if len(scores) != 1 or scores[0] not in ("Yes", "No"):
            raise StudyError(f"{path}, row {n + 1}, field individual_human_scores: expected one expert label "
                             f"Yes/No, got {scores!r}")
        gold[str(inst.get("id"))] = scores[0]
    return gold


@dataset_reader("dices")
def read_dices(section: dict, base: Path) -> list[HumanData]:
    where = start(section, "dices")
    out = []
    for task_id in sorted(wanted_tasks(section, list(TASKS), where), reverse=True):
        filename, name, description = TASKS[task_id]
        notes = ["label lists without rater ids (JUDGE-BENCH dropped them); list order is not a rater index"]
        gold = _gold(section, base) if task_id == "dices-350" else None
        table = _table(dataset_file(section, base, filename), gold, notes)
        ts = {**SPEC, "id": task_id, "name": name, "description": description}
        if gold is not None:
            missing = table.frame["gold"].isna().to_numpy()
            if missing.any():
                raise StudyError(f"{table.where(int(missing.argmax()))}, field id: item "
                                 f"{table.frame['id'].iloc[int(missing.argmax())]!r} has no expert label in "
                                 "dices_350_expert.json")
            ts["columns"] = {**SPEC["columns"], "metadata": {"expert_safety_gold": "gold"}}
        hd = lists_task(ts, table, where)
        hd.notes += notes
        out.append(hd)
    return out
