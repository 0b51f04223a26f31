"""A `[[run]]` with `source = "elicited"`, parsed and validated into an `ElicitSpec`.

Every key, with its type, default and allowed values, is declared in
`precompute.study_schema.RUN_ELICITED` (docs/study-file.md); the defaults that depend on other keys
(temperature, n_samples, max_tokens, response_format, few_shot_k) are computed here. For example:

    [[run]]
    source = "elicited"
    name = "qwen3-8b-verbalized"
    model_id = "qwen3-8b"
    training = "rlvr"
    endpoint = "http://127.0.0.1:8000/v1"
    method = "verbalized"

`predict = "annotators"` asks about each annotator of an item instead of the crowd (persona.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from precompute.elicit.endpoints import public_url
from precompute.study import ModelSpec, StudyError
from precompute.study_schema import RUN_ELICITED, validate_run, with_defaults

DEFAULT_CACHE = RUN_ELICITED.key("cache").default


@dataclass(frozen=True)
class ElicitSpec:
    name: str
    model: ModelSpec
    api_model: str
    endpoints: tuple[str, ...]
    method: str
    predict: str = "crowd"  # or "annotators": one prompt per rating, about that annotator (persona.py)
    max_annotators_per_item: int | None = None
    reasoning: str = "none"
    steering: str = "zero"
    tasks: tuple[str, ...] | None = None
    api_key_env: str | None = None
    few_shot_k: int = 0
    few_shot_pool: dict | tuple = ()
    temperature: float = 0.0
    n_samples: int = 1
    max_tokens: int = 64
    concurrency: int = 4
    timeout: float = 60.0
    retries: int = 4
    top_logprobs: int = 20
    use_n: bool = True
    response_format: str = "json_schema"
    chat_template_kwargs: dict = field(default_factory=dict, hash=False)
    cache: Path = Path(DEFAULT_CACHE)
    answers: Path | None = None  # an answers file (precompute.elicit.answers), read instead of the cache
    seed: int = 0
    created_at: str = ""

    def pool_for(self, task_id: str) -> list[str]:
        if isinstance(self.few_shot_pool, dict):
            return [str(x) for x in self.few_shot_pool.get(task_id, [])]
        return [str(x) for x in self.few_shot_pool]

    def settings(self) -> dict:
        """What goes into runs.settings (never the API key, only the name of its variable)."""
        persona = ({"predict": self.predict, "max_annotators_per_item": self.max_annotators_per_item}
                   if self.predict == "annotators" else {})  # crowd runs' settings as before
        return {**persona, "api_model": self.api_model, "endpoints": [public_url(e) for e in self.endpoints],
                "api_key_env": self.api_key_env, "max_tokens": self.max_tokens,
                "few_shot_k": self.few_shot_k, "top_logprobs": self.top_logprobs,
                "response_format": self.response_format, "use_n": self.use_n,
                "chat_template_kwargs": self.chat_template_kwargs, "seed": self.seed}


def parse_spec(section: dict, base: Path, seed: int = 0) -> ElicitSpec:
    where = f"elicited [[run]] {section.get('name', '?')!r}"
    validate_run({**section, "source": "elicited"}, where)  # keys, types, allowed values (the schema)
    section = with_defaults(RUN_ELICITED, section)  # the declared defaults; computed ones below
    method = section["method"]
    reasoning = section["reasoning"]
    endpoints = section.get("endpoints", section.get("endpoint"))
    endpoints = (endpoints,) if isinstance(endpoints, str) else tuple(endpoints)
    if not endpoints or not all(isinstance(e, str) and e.startswith(("http://", "https://"))
                                for e in endpoints):
        shown = tuple(public_url(e) if isinstance(e, str) else e for e in endpoints)
        raise StudyError(f"{where}, key 'endpoint': expected http(s) base URL(s), got {shown!r}")
    steering = section["steering"]
    predict = section["predict"]
    if predict == "annotators" and method == "verbalized":
        raise StudyError(f"{where}, key 'predict': predict = \"annotators\" needs method = \"sampling\" or "
                         "\"logprob\" (one label per annotator); method = \"verbalized\" asks for the shares of a "
                         "crowd")
    if predict != "annotators" and "max_annotators_per_item" in section:
        raise StudyError(f"{where}, key 'max_annotators_per_item': only for predict = \"annotators\"")
    k = int(section.get("few_shot_k", 3 if steering == "few" else 0))
    pool = section.get("few_shot_pool", ())
    if steering == "few" and (k < 1 or not pool):
        raise StudyError(f"{where}: steering = 'few' needs few_shot_k >= 1 and a few_shot_pool of item ids")
    thinking = reasoning in ("cot", "native")
    default_max = 1024 if thinking else (200 if method == "verbalized" else 16)
    try:
        params_b = section.get("params_b")
        model = ModelSpec(model_id=str(section["model_id"]),
                          display_name=str(section.get("display_name", section["model_id"])),
                          training=str(section["training"]), family=section["family"],
                          base_model=section["base_model"], pair_id=section.get("pair_id"),
                          params_b=float(params_b) if params_b is not None else None,
                          provider=section["provider"])
        spec = ElicitSpec(
            name=str(section["name"]), model=model, api_model=str(section.get("model", section["model_id"])),
            endpoints=tuple(e.rstrip("/") for e in endpoints), method=method, predict=predict,
            max_annotators_per_item=section.get("max_annotators_per_item"), reasoning=reasoning,
            steering=steering, tasks=tuple(section["tasks"]) if section.get("tasks") else None,
            api_key_env=section.get("api_key_env"), few_shot_k=k,
            few_shot_pool=dict(pool) if isinstance(pool, dict) else tuple(pool),
            temperature=float(section.get("temperature", 1.0 if method == "sampling" else 0.0)),
            n_samples=int(section.get("n_samples", 10 if method == "sampling" else 1)),
            max_tokens=int(section.get("max_tokens", default_max)),
            concurrency=section["concurrency"], timeout=float(section["timeout"]),
            retries=section["retries"], top_logprobs=section["top_logprobs"], use_n=section["use_n"],
            response_format=str(section.get("response_format",
                                            "none" if reasoning == "native" else "json_schema")),
            chat_template_kwargs=dict(section.get("chat_template_kwargs", {})),
            cache=(base / section["cache"]).resolve(),
            answers=(base / section["answers"]).resolve() if section.get("answers") else None,
            seed=int(section.get("seed", seed)), created_at=str(section.get("created_at", "")))
    except (TypeError, ValueError) as e:  # includes StudyError from ModelSpec
        raise StudyError(f"{where}: {e}") from e
    return spec
