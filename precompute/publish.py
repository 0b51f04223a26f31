"""`python -m precompute publish STORE --repo OWNER/NAME`: put a built store and a generated
dataset card on the Hugging Face Hub, where the app (ATLAS_STORE_REPO) and a Space can read it.

Redistribution rule, applied to each task's `license` string before anything is uploaded:

- allowed: a licence recognised as permitting redistribution of the data with attribution:
  CC0, CC BY, CC BY-SA, ODC-By, ODbL, PDDL, CDLA, MIT, Apache-2.0, BSD, (L/A)GPL, Unlicense,
  public domain (SPDX-like spellings, any version; "CC BY 4.0" and "cc-by-4.0" both match);
- allowed with a notice: non-commercial licences (CC BY-NC, CC BY-NC-SA). They allow
  redistribution for non-commercial use; the card says that the dataset inherits the restriction;
- refused: NoDerivatives licences (CC BY-ND, CC BY-NC-ND), because the store holds label
  distributions and reformatted items derived from the data, i.e. an adaptation;
- refused: anything else: an empty or unknown licence, "other", "research only",
  "proprietary", "no redistribution" ... The tool cannot tell that redistribution is allowed.

`--force` publishes refused tasks anyway (the card lists them and why); the decision is then yours.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from data_layer.locate import STORE_FILENAME
from data_layer.schema import SCHEMA_VERSION
from data_layer.store import Store

CARD_FILENAME = "README.md"
TAGS = ("disagreement-atlas", "annotator-disagreement", "label-distribution", "human-label-variation",
        "duckdb")

_V = r"(-\d(\.\d)?)?"  # an optional licence version
OPEN_LICENSES = [re.compile(p) for p in (
    rf"cc0{_V}", rf"cc-by{_V}", rf"cc-by-sa{_V}", rf"odc-by{_V}", rf"odbl{_V}", rf"pddl{_V}",
    rf"cdla-(permissive|sharing){_V}", r"mit", rf"apache{_V}", r"bsd(-[234]-clause)?",
    rf"(l|a)?gpl{_V}(-only|-or-later|\+)?", r"unlicense", r"public-domain")]
# Licence ids the Hub accepts in a card's `license:` field (huggingface.co/docs/hub/repositories-licenses),
# for the families above; any other licence is written as "other" so the card's metadata stays valid.
HUB_LICENSE_IDS = frozenset("""
    cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
    cc-by-nc-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0
    cc-by-nc-nd-4.0 odc-by odbl pddl cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 mit
    apache-2.0 bsd bsd-2-clause bsd-3-clause gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 agpl-3.0
    unlicense""".split())
NC_LICENSES = [re.compile(rf"cc-by-nc(-sa)?{_V}")]
ND_LICENSES = [re.compile(rf"cc-by(-nc)?-nd{_V}")]


class PublishError(RuntimeError):
    """The store cannot be published as asked (bad repo name, refused licences, Hub refused)."""


class PublishRefused(PublishError):
    """Some tasks' licences do not allow redistribution (and --force was not given)."""


@dataclass(frozen=True)
class LicenseVerdict:
    task_id: str
    license: str
    allowed: bool
    reason: str
    hub_id: str  # the licence id for the card's YAML ("other" when not a recognised id)


def normalise_license(text: str | None) -> str:
    s = (text or "").strip().lower()
    s = re.sub(r"^(creative commons|cc)\s+(?=by|zero|0)", "cc-", s)
    s = s.replace("cc-zero", "cc0").replace("cc-0", "cc0")
    return re.sub(r"-licen[cs]e$", "", re.sub(r"[\s_/]+", "-", s))


def _matches(patterns, s: str) -> bool:
    return any(p.fullmatch(s) for p in patterns)


def license_verdict(task_id: str, license: str | None) -> LicenseVerdict:
    raw = (license or "").strip()
    s = normalise_license(raw)
    verdict = _verdict(task_id, raw, s)
    return verdict if verdict.hub_id in HUB_LICENSE_IDS else replace(verdict, hub_id="other")


def _verdict(task_id: str, raw: str, s: str) -> LicenseVerdict:
    if not s:
        return LicenseVerdict(task_id, raw, False, "no licence recorded for the task", "other")
    if _matches(ND_LICENSES, s):
        return LicenseVerdict(task_id, raw, False, "NoDerivatives licence: the store holds derived "
                              "distributions and reformatted items", s)
    if _matches(NC_LICENSES, s):
        return LicenseVerdict(task_id, raw, True, "non-commercial use only", s)
    if _matches(OPEN_LICENSES, s):
        return LicenseVerdict(task_id, raw, True, "open licence", s)
    return LicenseVerdict(task_id, raw, False, f"licence {raw!r} is not recognised as allowing "
                          "redistribution", "other")


@dataclass
class PublishPlan:
    store: Path
    repo: str
    revision: str | None
    private: bool
    card: str
    verdicts: list[LicenseVerdict]
    forced: list[LicenseVerdict] = field(default_factory=list)

    @property
    def files(self) -> dict[str, Path | bytes]:
        """Path in the dataset repo -> what is uploaded there."""
        return {STORE_FILENAME: self.store, CARD_FILENAME: self.card.encode("utf-8")}


def _yaml_list(key: str, values) -> list[str]:
    return [f"{key}:"] + [f"- {json.dumps(v)}" for v in values]


def _cell(value) -> str:
    return "" if value is None or value is pd.NA else str(value).replace("|", "\\|").replace("\n", " ")


def dataset_card(store: Store, repo: str, revision: str | None, verdicts, forced) -> str:
    info = store.df("SELECT * FROM build_info").iloc[0]
    tasks = store.df(
        "SELECT t.task_id, t.name, t.dataset, t.scale, t.source, t.license, t.citation, c.n_items, "
        "c.n_ratings FROM tasks t JOIN task_cards c USING (task_id) ORDER BY t.task_id")
    n_runs, n_models = store.rows("SELECT count(*), count(DISTINCT model_id) FROM runs")[0]
    hub_ids = sorted({v.hub_id for v in verdicts})
    tags = list(TAGS) + (["synthetic"] if info.simulated else [])
    front = ["---", *_yaml_list("license", hub_ids), *_yaml_list("tags", tags),
             f"pretty_name: {json.dumps('Disagreement Atlas store: ' + str(info.study_name or repo))}",
             "viewer: false", "---"]
    body = [f"# Disagreement Atlas store: {info.study_name or repo}", "",
            "A Disagreement Atlas store: human and model label distributions "
            "on subjective annotation tasks, in one DuckDB file "
            f"(`{STORE_FILENAME}`), built by `python -m precompute` and read by the Disagreement "
            "Atlas dashboard.", ""]
    if info.simulated:
        body += ["**Simulated data.** Every model and annotator in this store is simulated; "
                 "nothing here is evidence about real models.", ""]
    body += ["## Tasks", "", "| task | name | items | ratings | source | licence |",
             "| --- | --- | --- | --- | --- | --- |"]
    body += [f"| {_cell(t.task_id)} | {_cell(t.name)} | {_cell(t.n_items)} | {_cell(t.n_ratings)} | "
             f"{_cell(t.source)} | {_cell(t.license) or 'none recorded'} |" for t in tasks.itertuples()]
    body += ["", f"{n_runs} model runs of {n_models} models.", "", "## Licences", "",
             "Each task keeps the licence of its source dataset; using a task means accepting it."]
    nc = [v.task_id for v in verdicts if v.allowed and v.reason == "non-commercial use only"]
    if nc:
        body.append(f"Non-commercial use only for: {', '.join(nc)}.")
    if forced:
        body.append("Published with `--force` although the tool could not confirm redistribution "
                    "is allowed for: " + "; ".join(f"{v.task_id} ({v.reason})" for v in forced) + ".")
    cites = [(t.task_id, t.citation) for t in tasks.itertuples() if t.citation]
    body += ["", "## Citations", ""] + ([f"- {tid}: {c}" for tid, c in cites] or ["None recorded."])
    body += ["", "## Build", "", f"- schema version: {info.schema_version} (this store is read by "
             f"Disagreement Atlas releases reading schema {SCHEMA_VERSION})",
             f"- built at: {info.built_at}", f"- study: {info.study_name}", f"- seed: {info.seed}",
             f"- config hash: {info.config_hash}", f"- git commit: {info.git_commit}",
             f"- packages: {info.packages}", "", "## Use it", "", "```bash",
             f"ATLAS_STORE_REPO={repo}" + (f" ATLAS_STORE_REVISION={revision}" if revision else "")
             + " streamlit run app.py", "```", "",
             "or set `ATLAS_STORE_REPO` (and `ATLAS_STORE_REVISION`, `HF_TOKEN` for a private "
             "dataset) as variables of a Disagreement Atlas Space. To open the file directly: "
             f"`hf download {repo} {STORE_FILENAME} --repo-type dataset`, then "
             f"`ATLAS_STORE=path/to/{STORE_FILENAME} streamlit run app.py`.", ""]
    return "\n".join(front + body)


def plan_publish(store_path, repo: str, revision: str | None = None, private: bool = False,
                 force: bool = False) -> PublishPlan:
    """Check the store and its licences and write the card; nothing leaves the machine."""
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo or ""):
        raise PublishError(f"--repo must be OWNER/NAME, got {repo!r}")
    store = Store(store_path)  # raises StoreError when missing, unreadable or another schema
    try:
        verdicts = [license_verdict(tid, lic) for tid, lic in
                    store.rows("SELECT task_id, license FROM tasks ORDER BY task_id")]
        refused = [v for v in verdicts if not v.allowed]
        if refused and not force:
            raise PublishRefused(
                "Not publishing: these tasks' licences do not allow redistribution as far as this "
                "tool can tell:\n" + "\n".join(f"  - {v.task_id}: {v.reason}" for v in refused)
                + "\nFix the licence in the study config and rebuild, drop the tasks, or pass "
                "--force if you have the right to redistribute them.")
        card = dataset_card(store, repo, revision, verdicts, refused)
    finally:
        store.close()
    return PublishPlan(Path(store_path), repo, revision, private, card, verdicts, refused)


def push(plan: PublishPlan, api=None):
    """Create the dataset repo (and branch) if needed and upload store and card in one commit."""
    from huggingface_hub import CommitOperationAdd, HfApi
    api = api or HfApi()
    api.create_repo(plan.repo, repo_type="dataset", private=plan.private, exist_ok=True)
    if plan.revision and plan.revision != "main":
        api.create_branch(plan.repo, branch=plan.revision, repo_type="dataset", exist_ok=True)
    ops = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(src) if isinstance(src, Path) else src)
           for name, src in plan.files.items()]
    return api.create_commit(plan.repo, ops, repo_type="dataset", revision=plan.revision,
                             commit_message=f"Publish Disagreement Atlas store (schema {SCHEMA_VERSION})")
