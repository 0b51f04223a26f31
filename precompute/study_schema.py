"""The study file (study.toml), declared once: every section, every key with its type, default,
allowed values and meaning.

`validate_config` checks a parsed study file against this declaration before anything is read, so
an unknown key (a typo such as `annotator` for `annotator_id`) or a wrong type (`labels = "0,1"`,
`min_annotators = "two"`) is refused with the file, the section and the key named and the closest
known key suggested, instead of being silently ignored. docs/study-file.md and the CLI help of
`build` and `elicit` are generated from the same declaration (`python -m precompute.study_schema
> docs/study-file.md`; tests/test_docs.py checks the committed file is current).

Dataset readers and run sources registered by code that is not declared here (a plugin, a test
reader) are dispatched as before; their keys are theirs to check.
"""
from __future__ import annotations

from pathlib import Path

from data_layer.bands import BAND_SCHEMES
from precompute.study import REASONING, STEERING, TRAININGS, StudyError
from precompute.study_schema_types import DOC_PATH, Key, Section

# ---------------------------------------------------------------- declaration

TOP = Section("(top level)", "Top level", "A study file holds one [study] table, one or more [[dataset]] "
              "tables and zero or more [[run]] tables; nothing else.", (
    Key("study", "table", "The study's own settings (see [study])."),
    Key("dataset", "list of tables", "Human annotations, one table per dataset (see [[dataset]]).",
        required=True),
    Key("run", "list of tables", "Model distributions, one table per run (see [[run]])."),
))

STUDY = Section("[study]", "The study", "Settings of the whole study.", (
    Key("name", "string", "Name shown in the app and recorded in the store.", default_text="the file's name"),
    Key("seed", "integer", "Seed of every random step (simulation, bootstrap, noise floor).", default=0),
    Key("min_annotators", "integer", "Items with fewer ratings are dropped and counted in the build report "
        "and on the Data page.", default=2, minimum=1),
    Key("baselines", "boolean", "Add the baseline runs baseline:uniform, baseline:prior and "
        "baseline:majority.", default=True),
    Key("missing_elicited", "string", "What `build` does with an elicited run none of whose answers are "
        "cached yet: `error` stops and says which `elicit` command to run; `skip` builds without it and "
        "says so in the build output. A run with some but not all answers cached is always an error.",
        default="error", choices=("error", "skip")),
))

# keys every [[dataset]] takes, whatever reads it (precompute.item_sample)
SAMPLE_KEYS = (
    Key("sample_per_band", "integer", "Keep at most this many items of each disagreement band of each "
        "task, drawn reproducibly with the study's seed (stratified, so the high band is not crowded out); "
        "the rest are left out of the study and counted in the task's notes.", default_text="all items",
        minimum=1),
    Key("sample_bands", "string", "The banding scheme sample_per_band stratifies by.", default="fixed",
        choices=tuple(s.name for s in BAND_SCHEMES)),
)

ADAPTERS = ("chaosnli", "dices", "lewidi2023", "lewidi2025", "popquorn", "emobank")
FORMATS = ("long", "label-lists", "counts")
FILE_TYPES = ("csv", "tsv", "json", "jsonl", "parquet")

DATASET_ADAPTER = Section("[[dataset]] (adapter)", "A named dataset", "`adapter` names one of the real "
                          "datasets the project knows; `path` is its folder.", (
    Key("adapter", "string", "Which dataset.", required=True, choices=ADAPTERS),
    Key("path", "string", "The dataset's folder: relative to the study file, absolute, or "
        "hf://datasets/OWNER/NAME/FOLDER[@revision].", required=True),
    Key("revision", "string", "Hub revision (branch, tag or commit) for an hf:// path."),
    Key("tasks", "list of strings", "Keep only these of the adapter's tasks.", default_text="all"),
    *SAMPLE_KEYS,
))

TASK_KEYS = (
    Key("labels", "list of labels", "Label values as written in the data, in scale order "
        "(numbers are matched as text: 1, 1.0 and \"1\" are the same label).", default_text="required"),
    Key("label_names", "list of strings", "Display names, one per label.", default_text="the labels"),
    Key("scale", "string", "Ordinal scales also get ordinal metrics.", default="nominal",
        choices=("nominal", "ordinal")),
    Key("name", "string", "Display name of the task.", default_text="the task id"),
    Key("dataset", "string", "Dataset the task belongs to (groups tasks on the Data page).",
        default_text="the task id"),
    Key("description", "string", "One or two sentences about the task.", default=""),
    Key("source", "string", "Where the data comes from (a URL).", default=""),
    Key("license", "string", "The data's licence (checked by `publish`).", default=""),
    Key("citation", "string", "How to cite the data.", default=""),
    Key("guideline", "string", "The annotation instruction; used in elicitation prompts.", default=""),
    Key("text_template", "string", "Item text built from columns.context fields, e.g. "
        "\"{premise} / {hypothesis}\", instead of columns.text."),
    Key("list_separator", "string", "label-lists only: cells written as \"0,1,1\" are split at this "
        "separator.", default_text="lists or \"[0, 1, 1]\""),
    Key("columns", "table", "Which column holds what (see [dataset.columns])."),
)

DATASET_FORMAT = Section("[[dataset]] (format)", "A file in a generic format",
                         "`format` says how ratings are laid out: `long` (one row per rating), `label-lists` "
                         "(one row per item with a list of labels) or `counts` (one row per item with label "
                         "counts). Task keys (labels, scale, ...) set here apply to every task of the file.", (
    Key("format", "string", "How ratings are laid out.", required=True, choices=FORMATS),
    Key("path", "string", "The ratings file: CSV, TSV, JSON, JSONL or Parquet; relative to the study file, "
        "absolute, or hf://datasets/OWNER/NAME/FILE[@revision].", required=True),
    Key("file_type", "string", "File type when the suffix does not say.", choices=FILE_TYPES,
        default_text="from the suffix"),
    Key("revision", "string", "Hub revision (branch, tag or commit) for an hf:// path."),
    Key("records", "string", "JSON only: the top-level key holding the list of records."),
    Key("items_path", "string", "long only: a separate file of item text/context/metadata joined by "
        "columns.item_id (items without ratings are dropped and counted)."),
    Key("items_file_type", "string", "File type of items_path when the suffix does not say.",
        choices=FILE_TYPES),
    Key("annotators_path", "string", "long and label-lists only: a file with one row per annotator and "
        "their demographics (CSV, TSV, JSON, JSONL, Parquet or hf://); groupable columns (gender, age, "
        "country, ...) become annotator groups (docs/glossary.md, \"Annotator groups\")."),
    Key("annotators_file_type", "string", "File type of annotators_path when the suffix does not say.",
        choices=FILE_TYPES),
    Key("annotators_id", "string", "The id column of annotators_path.", default="annotator_id"),
    Key("task", "string or list of tables", "The task id (one task), or one [[dataset.task]] table per "
        "task when one file holds several label columns.", required=True),
    *SAMPLE_KEYS,
    *TASK_KEYS,
))

DATASET_TASK = Section("[[dataset.task]]", "One task of a file",
                       "Several tasks from one file (one label column each); dataset-level keys are the "
                       "defaults and `columns` here adds to the dataset's columns.", (
    Key("id", "string", "The task id (unique in the study).", required=True),
    *TASK_KEYS,
))

_ITEM_COLUMNS = (
    Key("item_id", "string", "Column of item ids.", required=True),
    Key("text", "string", "Column of item text (dotted paths reach into JSON objects: "
        "\"example.hypothesis\").", default_text="required unless text_template"),
    Key("context", "columns", "Columns kept as the item's context (JSON); named fields for text_template."),
    Key("metadata", "columns", "Columns kept as the item's metadata (JSON), e.g. a split."),
)
COLUMNS = {
    "long": Section("[dataset.columns] (long)", "Columns of a long file", "One row per rating.", (
        *_ITEM_COLUMNS,
        Key("label", "string", "Column of the rating's label.", required=True),
        Key("annotator_id", "string", "Column of annotator ids (enables annotator views and the check "
            "that nobody rated an item twice)."),
        Key("demographics", "columns", "Per-annotator columns (age, gender, ...); needs annotator_id."),
    )),
    "label-lists": Section("[dataset.columns] (label-lists)", "Columns of a label-lists file",
                           "One row per item; a cell holds the item's labels.", (
        *_ITEM_COLUMNS,
        Key("labels", "string", "Column holding each item's labels (a list, \"[0, 1, 1]\" or with "
            "list_separator \"0,1,1\").", required=True),
        Key("annotators", "string", "Column holding the annotator ids, parallel to the labels."),
    )),
    "counts": Section("[dataset.columns] (counts)", "Columns of a counts file",
                      "One row per item with its label counts (no per-rater data).", (
        *_ITEM_COLUMNS,
        Key("counts", "string", "Column of a label -> count mapping or a list of counts in label order."),
        Key("count_columns", "list of strings", "One count column per label, in label order (instead of "
            "counts)."),
    )),
}

SOURCES = ("simulated", "elicited", "import")
_MODEL_KEYS = (
    Key("model_id", "string", "The model's id (runs of one model share it).", required=True),
    Key("training", "string", "How the model was trained; an rlvr and an rlhf model with the same pair_id "
        "form a pair.", required=True, choices=tuple(t for t in TRAININGS if t != "baseline")),
    Key("display_name", "string", "Name shown in the app.", default_text="model_id"),
    Key("family", "string", "Model family, e.g. qwen3.", default=""),
    Key("base_model", "string", "The base model it was trained from.", default=""),
    Key("pair_id", "string", "Pairs an RLVR model with its RLHF sibling (same value on both)."),
    Key("params_b", "number", "Parameters, in billions."),
    Key("provider", "string", "Who serves or made the model.", default=""),
)
_RUN_HEAD = (
    Key("source", "string", "Where the distributions come from.", default="elicited", choices=SOURCES),
    Key("name", "string", "The run id (unique in the study).", required=True),
)
_REASONING = Key("reasoning", "string", "Reasoning mode: none, prompted chain of thought, or the model's "
                 "native thinking.", default="none", choices=REASONING)
_STEERING = Key("steering", "string", "Zero-shot or few-shot prompting.", default="zero", choices=STEERING)
_TASKS = Key("tasks", "list of strings", "Only these tasks.", default_text="every task")
_CREATED = Key("created_at", "string", "When the run was made (free text, e.g. a date).")

RUN_SIMULATED = Section("[[run]] source = \"simulated\"", "A simulated run",
                        "A documented simulated model over the study's own human data, to check a pipeline "
                        "end to end before spending GPU hours; never evidence.", (
    *_RUN_HEAD, *_MODEL_KEYS,
    Key("method", "string", "Elicitation method imitated.", required=True,
        choices=("verbalized", "sampling", "logprob")),
    _REASONING, _STEERING, _TASKS, _CREATED,
    Key("n_samples", "integer", "Samples per item (sampling).", default=10, minimum=1),
    Key("fail_rate", "number", "Share of samples that fail to parse.", default=0.03, minimum=0),
    Key("sharpen", "number", "Power applied to the human distribution (>1 over-confident).", default=1.0),
    Key("noise", "number", "Dirichlet concentration of the noise (lower = noisier).", default=30.0),
    Key("bias", "number", "Shift of mass towards the first label.", default=0.0),
    Key("cot_sharpen", "number", "Extra sharpening with reasoning.", default=1.0),
))

RUN_ELICITED = Section("[[run]] source = \"elicited\"", "An elicited run",
                       "Asks an OpenAI-compatible /v1/chat/completions server (vLLM, SGLang, llama.cpp, "
                       "hosted APIs); `python -m precompute elicit` fills a resumable cache, `build` reads it.", (
    *_RUN_HEAD, *_MODEL_KEYS,
    Key("method", "string", "How a distribution is asked for.", required=True,
        choices=("verbalized", "sampling", "logprob")),
    Key("predict", "string", "Whose label is asked for. `crowd`: the item's labels over all its annotators. "
        "`annotators`: one prompt per annotator who rated the item, describing them by their demographics "
        "(sociodemographic prompting, Beck et al., EACL 2024) and asking which option this annotator chose "
        "(LeWiDi 2025 task B); each predicted label is scored against the annotator's own (Perspectives and "
        "Annotator pages) and the run's distribution is the share of its predicted labels. Needs method "
        "sampling (the most common sampled answer; ties: the first option) or logprob (the most likely "
        "option) and tasks with annotator ids.", default="crowd", choices=("crowd", "annotators")),
    Key("max_annotators_per_item", "integer", "predict = \"annotators\": ask about at most this many of an "
        "item's annotators, drawn reproducibly per item (the others are counted in the build report); "
        "requests = annotators asked x n_samples.", default_text="every annotator of the item", minimum=1),
    Key("endpoint", "string or list of strings", "Server base URL(s), e.g. http://127.0.0.1:8000/v1; "
        "replicas share the work.", default_text="required (or endpoints)"),
    Key("endpoints", "string or list of strings", "Same as endpoint."),
    Key("model", "string", "The model name the server expects.", default_text="model_id"),
    Key("api_key_env", "string", "Name of the environment variable holding the API key (the key itself "
        "is never stored)."),
    _TASKS, _REASONING, _STEERING,
    Key("few_shot_k", "integer", "steering = \"few\": examples per prompt.", default_text="3 if few, else 0",
        minimum=0),
    Key("few_shot_pool", "list or table of item ids", "Item ids the examples are drawn from (or a table "
        "task id -> ids)."),
    Key("temperature", "number", "Sampling temperature.", default_text="1.0 for sampling, else 0.0", minimum=0),
    Key("n_samples", "integer", "Samples per item.", default_text="10 for sampling, else 1", minimum=1),
    Key("max_tokens", "integer", "Token limit per answer.",
        default_text="16 (200 verbalized) without reasoning, 1024 with", minimum=1),
    Key("concurrency", "integer", "Requests in flight per endpoint.", default=4, minimum=1),
    Key("timeout", "number", "Seconds per request.", default=60.0, minimum=0),
    Key("retries", "integer", "Extra attempts on 429, 5xx, timeouts and connection errors.", default=4,
        minimum=0),
    Key("top_logprobs", "integer", "logprob method: alternatives asked for.", default=20, minimum=1),
    Key("use_n", "boolean", "sampling: ask for n choices per request where the server honours it.",
        default=True),
    Key("response_format", "string", "json_schema (OpenAI, vLLM, SGLang, llama-server), json_object "
        "(llama-cpp-python) or none (prompt only, tolerant parse).",
        default_text="none for native reasoning, else json_schema",
        choices=("json_schema", "json_object", "none")),
    Key("chat_template_kwargs", "table", "Passed through to the server.", default_text="{}"),
    Key("cache", "string", "The answer cache (SQLite), relative to the study file.",
        default="elicit-cache.sqlite"),
    Key("answers", "string", "An answers file (.jsonl.gz, relative to the study file): the run's answers "
        "without prompts or dataset text, written by `atlas elicit --export-answers`, to commit and share. "
        "When the file exists, `build` reads the run from it instead of the cache, rebuilding every prompt "
        "from the datasets and checking it is the one that was answered."),
    Key("seed", "integer", "Seed of the prompts' example draws.", default_text="[study] seed"),
    _CREATED,
))

_IMPORT_RUN_KEYS = (_REASONING, _STEERING, Key(
    "method", "string", "How the predictions were made elsewhere.", default="import",
    choices=("import", "verbalized", "sampling", "logprob")),
    Key("temperature", "number", "Temperature used elsewhere, if known."),
    Key("prompt_id", "string", "Identifier of the prompt used elsewhere, if known."), _CREATED)
RUN_IMPORT = Section("[[run]] source = \"import\"", "An imported run",
                     "Predictions made elsewhere, validated like human data: unknown items or labels, wrong "
                     "vector lengths, negative values or sums off 1 are refused naming the file, row and "
                     "field; nothing is written.", (
    *_RUN_HEAD, *_MODEL_KEYS[2:],
    Key("model_id", "string", "The model's id.", default_text="required unless model_column"),
    Key("training", "string", "How the model was trained.", choices=_MODEL_KEYS[1].choices,
        default_text="required unless model_column"),
    Key("path", "string", "The predictions file, relative to the study file.", required=True),
    Key("format", "string", "File format; lewidi = tab-separated `item_id<TAB>[p1, p2]` or "
        "`item_id<TAB>{\"label\": p}`.", choices=("csv", "jsonl", "parquet", "lewidi"),
        default_text="from the suffix"),
    Key("kind", "string", "probs: one probability vector per item in the task's label order; samples: "
        "one row per sampled label; pos_share: the share of the second label of a binary task; "
        "annotator_labels: each annotator's own label predicted (LeWiDi 2025 task B), one row per item and "
        "annotator, or a task B file `item_id<TAB>[one label per annotator of the item, in the dataset's "
        "order]`.", choices=("probs", "samples", "pos_share", "annotator_labels"),
        default_text="from the columns; annotator_labels for a file named *_pe.tsv"),
    Key("task", "string or list of strings", "The task the predictions are for; a list only for a task B file "
        "whose lines hold one 0/1 list per task (VariErrNLI: the contradiction, entailment and neutral "
        "tasks, in that order).", default_text="the only task, or task_column"),
    Key("task_column", "string", "Column of task ids.", default="task_id"),
    Key("item_column", "string", "Column of item ids.", default="item_id"),
    Key("probs_column", "string", "kind probs: column of vectors (a list, a JSON list or a label -> "
        "probability object).", default="probs"),
    Key("probs_columns", "list of strings", "kind probs: one column per label, in label order.",
        default_text="columns named after the labels (also p_LABEL, prob_LABEL)"),
    Key("label_column", "string", "kind samples: column of sampled labels; kind annotator_labels: column of "
        "predicted labels.", default="label"),
    Key("annotator_column", "string", "kind annotator_labels: column of annotator ids (as the dataset "
        "writes them).", default="annotator_id"),
    Key("item_prefix", "string", "Prepended to every item id of the file, e.g. \"test-\" for a LeWiDi 2025 "
        "submission (the lewidi2025 adapter keys items \"<split>-<id>\")."),
    Key("pos_column", "string", "kind pos_share: column of the positive share.", default="pos_share"),
    Key("label_map", "table of labels", "Raw label codes of the file -> the task's labels, e.g. "
        "{ n = \"neutral\", e = \"entailment\" } (sampled labels, label -> probability objects and "
        "per-label column names)."),
    Key("renormalise", "boolean", "Rescale probability vectors whose sum is off 1 by at most "
        "renormalise_tolerance (e.g. rounded by another tool); the build output counts them.",
        default=False),
    Key("renormalise_tolerance", "number", "Largest |sum - 1| that renormalise repairs.", default=0.05,
        minimum=0),
    Key("model_column", "string", "A column naming the model of each row: the file becomes one run per "
        "value, each declared in [run.models.VALUE]."),
    Key("models", "table", "With model_column: one table per model value (see [run.models.VALUE])."),
    *_IMPORT_RUN_KEYS,
))

IMPORT_MODEL = Section("[run.models.VALUE]", "One model of a multi-model import file",
                       "With model_column, each value of that column is one run; its table gives the run's "
                       "model. Keys left out are taken from the [[run]] (model_id defaults to the value, "
                       "name to RUN-VALUE). Every value in the file must have a table, and every table a value.", (
    Key("name", "string", "The run id.", default_text="RUN-VALUE"),
    Key("model_id", "string", "The model's id.", default_text="the value"),
    Key("training", "string", "How the model was trained.", choices=_MODEL_KEYS[1].choices,
        default_text="the run's training (required somewhere)"),
    *_MODEL_KEYS[2:], *_IMPORT_RUN_KEYS,
))

RUNS = {"simulated": RUN_SIMULATED, "elicited": RUN_ELICITED, "import": RUN_IMPORT}
SECTIONS = (TOP, STUDY, DATASET_ADAPTER, DATASET_FORMAT, DATASET_TASK, *COLUMNS.values(),
            RUN_SIMULATED, RUN_ELICITED, RUN_IMPORT, IMPORT_MODEL)


# ---------------------------------------------------------------- validation

def _label(kind: str, i: int, table: dict, name_keys: tuple[str, ...]) -> str:
    name = next((table[k] for k in name_keys if isinstance(table.get(k), str)), None)
    return f"{kind} #{i}" + (f" \"{name}\"" if name else "")


def validate_config(cfg: dict, path: str | Path) -> None:
    """Check a parsed study file against the declaration; the first mistake raises a StudyError that
    names the file, the section and the key."""
    path = str(path)
    TOP.validate(cfg, path)
    if "study" in cfg:
        STUDY.validate(cfg["study"], f"{path}, [study]")
    for i, ds in enumerate(cfg.get("dataset", []), start=1):
        validate_dataset(ds, f"{path}, " + _label("[[dataset]]", i, ds, ("adapter", "task", "path")))
    for i, run in enumerate(cfg.get("run", []), start=1):
        validate_run(run, f"{path}, " + _label("[[run]]", i, run, ("name",)))


def validate_dataset(ds: dict, where: str) -> None:
    if "adapter" in ds and ds["adapter"] in ADAPTERS:
        DATASET_ADAPTER.validate(ds, where)
        return
    fmt = ds.get("format")
    if fmt not in FORMATS:
        return  # a plugin reader (or an unknown name, which config.load_human refuses with a suggestion)
    if "task" not in ds:
        raise StudyError(f"{where}: missing key 'task': give task = \"TASK_ID\" or one [[dataset.task]] "
                         "table per task")
    DATASET_FORMAT.validate(ds, where)
    columns = COLUMNS[fmt]
    columns.validate(ds.get("columns", {}), f"{where}, [dataset.columns]", check_required=False)
    tasks = ds["task"] if isinstance(ds["task"], list) else [{"id": ds["task"]}]
    for j, task in enumerate(tasks, start=1):
        w = where
        if isinstance(ds["task"], list):
            w = f"{where}, " + _label("[[dataset.task]]", j, task, ("id",))
            DATASET_TASK.validate(task, w)
            columns.validate(task.get("columns", {}), f"{w}, columns", check_required=False)
        if "labels" not in task and "labels" not in ds:
            raise StudyError(f"{w}: missing key 'labels' (label values in scale order, e.g. "
                             "labels = [\"0\", \"1\"])")
        columns.check_required({**ds.get("columns", {}), **task.get("columns", {})},
                               f"{w}, [dataset.columns]")


def validate_run(run: dict, where: str) -> None:
    source = run.get("source", "elicited")
    if source not in RUNS:
        return  # a plugin source, or an unknown name that config.load_study refuses with a suggestion
    section = RUNS[source]
    section.validate(run, where)
    if source == "elicited" and "endpoint" not in run and "endpoints" not in run:
        raise StudyError(f"{where}: missing key 'endpoint' (the server's base URL, e.g. "
                         "\"http://127.0.0.1:8000/v1\")")
    if source == "import":
        _validate_import(run, where)


def _validate_import(run: dict, where: str) -> None:
    if "model_column" not in run:
        if "models" in run:
            raise StudyError(f"{where}, key 'models': needs model_column (the column naming each row's model)")
        missing = [k for k in ("model_id", "training") if k not in run]
        if missing:
            raise StudyError(f"{where}: missing key(s) {', '.join(missing)}")
        return
    models = run.get("models")
    if not models:
        raise StudyError(f"{where}, key 'model_column': declare each model value in a [run.models.VALUE] "
                         "table (name, model_id, training, pair_id, ...)")
    for value, table in models.items():
        w = f"{where}, [run.models.{value}]"
        if not isinstance(table, dict):
            raise StudyError(f"{w}: expected a table, got {table!r}")
        IMPORT_MODEL.validate(table, w)
        if "training" not in table and "training" not in run:
            raise StudyError(f"{w}: missing key 'training' (here or in the [[run]])")


def with_defaults(section: Section, table: dict) -> dict:
    """`table` with the declared defaults filled in (keys whose default depends on others are left out)."""
    return {**section.defaults(), **table}


# ---------------------------------------------------------------- docs and help

def sections_summary() -> str:
    """One line per section, for the CLI help of build and elicit."""
    lines = [f"  {s.name:<34} {s.title}" for s in SECTIONS[1:]]
    return (f"The study file (TOML) has these sections; every key is explained in {DOC_PATH}\n"
            "(generated from precompute/study_schema.py):\n" + "\n".join(lines))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """docs/study-file.md."""
    out = ["# The study file", "",
           "<!-- Generated by `python -m precompute.study_schema > docs/study-file.md` from the declaration in "
           "precompute/study_schema.py; do not edit by hand (tests/test_docs.py checks it). -->", "",
           "A study file (TOML) declares the human data and the model runs of a study; "
           "`python -m precompute build --config study.toml --out my.duckdb` builds it into a store. "
           "`python -m precompute init RATINGS` writes a commented first version from a ratings file. "
           "Paths are relative to the study file. Every section is checked against this declaration "
           "before anything is read: an unknown key or a wrong type is refused, naming the file, the "
           "section and the key, with the closest known key suggested. `examples/study/` is a complete "
           "small study.", ""]
    for s in SECTIONS:
        heading = f"## {s.title}" + ("" if s is TOP else f": `{s.name}`")
        out += [heading, "", s.help, "",
                "| key | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
        for k in s.keys:
            allowed = ", ".join(f"`{c}`" for c in k.choices)
            if k.minimum is not None:
                allowed = allowed or f"at least {k.minimum:g}"
            default = k.default_doc()
            default = default if default in ("", "required") or k.default_text else f"`{default}`"
            out.append(f"| `{k.name}` | {k.type} | {_cell(default)} | {allowed} | {_cell(k.help)} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
