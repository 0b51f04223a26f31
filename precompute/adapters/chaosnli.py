"""ChaosNLI v1.0 (Nie, Zhou & Bansal, EMNLP 2020): 100 crowd labels per item on SNLI, MNLI-matched and
alphaNLI dev items. Only per-item counts are released (no annotator ids), so each task is a `counts`
task over `label_count` (the list aligned with the label order below)."""
from __future__ import annotations

from pathlib import Path

from precompute.adapters.base import dataset_file, start
from precompute.config import dataset_reader
from precompute.formats.assemble import wanted_tasks
from precompute.formats.common import read_table
from precompute.formats.counts import counts_task
from precompute.study import HumanData

SOURCE = ("ChaosNLI v1.0 (github.com/easonnie/ChaosNLI), copied from jsbaan/calibration-on-disagreement-data "
          "@990e81ca, data/chaosNLI_v1.0/")
LICENSE = "CC BY-NC 4.0"
CITATION = ("Nie, Zhou, Bansal (2020). What Can We Learn from Collective Human Opinions on Natural Language "
            "Inference Data? EMNLP 2020.")
NLI = {"labels": ["entailment", "neutral", "contradiction"], "scale": "nominal",
       "text_template": "Premise: {premise}\nHypothesis: {hypothesis}",
       "guideline": "Does the premise entail the hypothesis, contradict it, or neither (neutral)?",
       "columns": {"item_id": "uid", "counts": "label_count",
                   "context": ["example.premise", "example.hypothesis"],
                   "metadata": {"source": "example.source", "old_label": "old_label",
                                "old_labels": "old_labels"}}}
TASKS = [
    ("chaosnli-snli", "chaosNLI_snli.jsonl", "ChaosNLI SNLI (100 annotators)", NLI,
     "SNLI dev items (mostly low-agreement 'agree_3' cases) relabelled by 100 crowd workers each."),
    ("chaosnli-mnli", "chaosNLI_mnli_m.jsonl", "ChaosNLI MNLI-matched (100 annotators)", NLI,
     "MNLI-matched dev items (mostly low-agreement cases) relabelled by 100 crowd workers each."),
    ("chaosnli-anli", "chaosNLI_alphanli.jsonl", "ChaosNLI alphaNLI (100 annotators)",
     {"labels": ["1", "2"], "label_names": ["hypothesis 1", "hypothesis 2"], "scale": "nominal",
      "text_template": "Observation 1: {obs1}\nHypothesis 1: {hyp1}\nHypothesis 2: {hyp2}\n"
                       "Observation 2: {obs2}",
      "guideline": "Which hypothesis better explains what happened between the two observations?",
      "columns": {"item_id": "uid", "counts": "label_count",
                  "context": ["example.obs1", "example.obs2", "example.hyp1", "example.hyp2"],
                  "metadata": {"source": "example.source", "old_label": "old_label"}}},
     "Abductive NLI (alphaNLI) dev items: which of two hypotheses is more plausible; 100 crowd labels each."),
]


@dataset_reader("chaosnli")
def read_chaosnli(section: dict, base: Path) -> list[HumanData]:
    where = start(section, "chaosnli")
    wanted, out = wanted_tasks(section, [t[0] for t in TASKS], where), []
    for task_id, filename, name, spec, description in TASKS:
        if task_id not in wanted:
            continue
        table = read_table(dataset_file(section, base, filename))
        ts = {**spec, "id": task_id, "name": name, "dataset": "chaosnli", "description": description,
              "source": SOURCE, "license": LICENSE, "citation": CITATION}
        out.append(counts_task(ts, table, where, notes=("counts only: ChaosNLI releases no annotator ids",)))
    return out
