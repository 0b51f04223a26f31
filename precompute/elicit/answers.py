"""Answers files: what a server answered for an elicited run, without the prompts.

The request cache (`cache.py`) keeps each request body, and so the dataset text in it; a project
that may not redistribute its datasets cannot commit the cache. An answers file keeps, per sample,
only what `build` needs: task id, item id, sample index, the cache key and the server's answer
record. `build` rebuilds every prompt from the datasets and templates, recomputes each key and reads
the answer stored under it, so a prompt that changed (other dataset version, other template) is
found and named instead of being matched to an answer given to another prompt.

A model's answer may quote its item (reasoning traces often repeat the text): verbatim quotes of 30
or more characters of the item's text or context are replaced by "[item text]" on export, and the
export checks that this does not change how the answer is read.

Format: gzip-compressed JSON lines, one line per sample, sorted by task, item and sample (runs with
`predict = "annotators"`: by task, item, the item's annotators in the dataset's order, sample; each line
names its `annotator_id`); the first line is a header {"answers_file": 1, "run": ..., "prompt_id": ..., "settings": ...}.
Written by `atlas elicit --config STUDY --export-answers` for every run that sets `answers`.
"""
from __future__ import annotations

import gzip
import json
from difflib import SequenceMatcher
from pathlib import Path

from precompute.config import load_human, read_config
from precompute.elicit.cache import RequestCache
from precompute.elicit.parse import interpret
from precompute.elicit.plan import plan_run, unique_keys
from precompute.elicit.spec import ElicitSpec, parse_spec
from precompute.study import HumanData, StudyError

FORMAT_VERSION = 1


REDACTED = "[item text]"
MIN_QUOTE = 30  # characters: a model quoting this much of an item verbatim is redistributing it


def redact(value, sources: list[str]):
    """`value` (an answer record, nested) with every verbatim quote of MIN_QUOTE or more characters
    of a source (the item's text and context) replaced by REDACTED."""
    if isinstance(value, dict):
        return {k: redact(v, sources) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, sources) for v in value]
    if not isinstance(value, str) or len(value) < MIN_QUOTE:
        return value
    for source in sources:
        if len(source) < MIN_QUOTE:
            continue
        blocks = SequenceMatcher(None, value, source, autojunk=False).get_matching_blocks()
        for b in sorted((b for b in blocks if b.size >= MIN_QUOTE), key=lambda b: -b.a):
            value = value[:b.a] + REDACTED + value[b.a + b.size:]
    return value


def item_sources(human: list[HumanData]) -> dict[tuple[str, str], list[str]]:
    out = {}
    for hd in human:
        ctx = hd.items["context"] if "context" in hd.items.columns else [None] * len(hd.items)
        for item_id, text, context in zip(hd.items["item_id"].astype(str), hd.items["text"], ctx, strict=True):
            out[(hd.task.task_id, item_id)] = [str(text)] + ([context] if isinstance(context, str) else [])
    return out


def _same_reading(spec: ElicitSpec, labels: list[str], a: dict, b: dict) -> bool:
    x = interpret(spec.method, a, len(labels), labels, spec.reasoning)
    y = interpret(spec.method, b, len(labels), labels, spec.reasoning)
    return (x.ok, x.label, None if x.probs is None else list(x.probs)) == \
        (y.ok, y.label, None if y.probs is None else list(y.probs))


def write_answers(spec: ElicitSpec, plans, pid: str, cache: RequestCache, out: Path,
                  human: list[HumanData]) -> int:
    """Write one run's answers file (atomically); returns the number of lines of samples written. Every
    planned sample must be cached: a partial answers file would make `build` fail later. Verbatim
    quotes of an item (a reasoning trace often repeats the text) are replaced by REDACTED, checked
    not to change what `build` reads from the answer."""
    keys = unique_keys(plans)
    rows = _cache_rows(cache, keys)
    missing = len(keys) - len(rows)
    if missing:
        raise StudyError(f"run {spec.name!r}: {missing} of {len(keys)} samples are not in {spec.cache}; "
                         "run `atlas elicit` for it before exporting its answers")
    sources = item_sources(human)
    labels = {h.task.task_id: list(h.task.label_names) for h in human}
    header = {"answers_file": FORMAT_VERSION, "redacted": f"verbatim quotes of {MIN_QUOTE}+ characters of an "
              f"item's text or context are replaced by {REDACTED}", "run": spec.name, "prompt_id": pid,
              "model": spec.api_model, "method": spec.method, "reasoning": spec.reasoning,
              "settings": {**spec.settings(), "temperature": spec.temperature, "n_samples": spec.n_samples}}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    # mtime=0: the same answers give the same bytes, so a re-export is not a change in git
    written = 0
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write((json.dumps(header, sort_keys=True) + "\n").encode())
        for p in sorted(plans, key=lambda p: (p.task_id, p.item_id)):
            for i, k in enumerate(p.keys):
                record, latency, created = rows[k]
                kept = redact(record, sources[(p.task_id, p.item_id)])
                if not _same_reading(spec, labels[p.task_id], record, kept):
                    raise StudyError(f"run {spec.name!r}, task {p.task_id!r}, item {p.item_id!r}, sample {i}: "
                                     "removing the quoted item text would change how the answer is read")
                record = kept
                line = {"task_id": p.task_id, "item_id": p.item_id, "sample": i, "key": k,
                        "record": record, "latency_s": latency, "created_at": created}
                if p.annotator_id is not None:  # predict = "annotators": whose label was asked for
                    line["annotator_id"] = p.annotator_id
                gz.write((json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n").encode())
                written += 1
    tmp.replace(out)
    return written


def _cache_rows(cache: RequestCache, keys: list[str]) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        rows = cache.con.execute("SELECT key, record, latency_s, created_at FROM responses WHERE key IN "
                                 f"({','.join('?' * len(chunk))})", chunk)
        out.update((k, (json.loads(r), lat, c)) for k, r, lat, c in rows)
    return out


def export_answers(config: str | Path, only: set[str] | None = None) -> list[Path]:
    """Write the answers file of every elicited run of the study that names one (`answers = ...`)."""
    path = Path(config)
    cfg = read_config(path)
    meta = cfg.get("study", {})
    sections = [s for s in cfg.get("run", []) if s.get("source", "elicited") == "elicited"
                and (not only or s.get("name") in only)]
    named = [s for s in sections if s.get("answers")]
    if not named:
        raise StudyError(f"{path}: no elicited [[run]] sets `answers = \"FILE.jsonl.gz\"`; add it to the runs "
                         "whose answers you want to export")
    human = load_human(cfg, path)
    written = []
    for section in named:
        spec = parse_spec(section, path.parent, int(meta.get("seed", 0)))
        plans, pid = plan_run(spec, human, int(meta.get("min_annotators", 2)))
        with RequestCache(spec.cache) as cache:
            write_answers(spec, plans, pid, cache, spec.answers, human)
        written.append(spec.answers)
    return written


def read_answers(path: Path, run: str) -> dict[str, dict]:
    """{cache key: answer record} of an answers file; names the file and line of anything malformed."""
    records: dict[str, dict] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise StudyError(f"{path}, line {n}: not JSON ({e.msg})") from e
                if n == 1:
                    if row.get("answers_file") != FORMAT_VERSION:
                        raise StudyError(f"{path}, line 1: not an answers file of format {FORMAT_VERSION} "
                                         "(written by `atlas elicit --export-answers`)")
                    if row.get("run") != run:
                        raise StudyError(f"{path}, line 1: holds the answers of run {row.get('run')!r}, "
                                         f"not of {run!r}")
                    continue
                for field in ("key", "record"):
                    if field not in row:
                        raise StudyError(f"{path}, line {n}: missing field {field!r}")
                records[row["key"]] = row["record"]
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise StudyError(f"{path}: cannot read the answers file ({e})") from e
    return records
