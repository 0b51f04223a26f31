"""A `[[run]]` with `source = "elicited"`, parsed and validated into an `ElicitSpec`.

Keys (all but name, model_id, training, endpoint and method have defaults):

    [[run]]
    source = "elicited"
    name = "qwen3-8b-verbalized"       # run id
    model_id = "qwen3-8b"              # display_name, family, base_model, pair_id, params_b, provider
    training = "rlvr"                  # rlvr | rlhf | sft | base | finetuned
    model = "Qwen/Qwen3-8B"            # model name the server expects (default: model_id)
    endpoint = "http://127.0.0.1:8000/v1"   # or a list of replica base URLs
    api_key_env = "MY_API_KEY"         # name of the env var holding the key (never the key)
    tasks = ["md_agreement"]           # default: every task of the study
    method = "verbalized"              # verbalized | sampling | logprob
    reasoning = "none"                 # none | cot | native (chat_template_kwargs.enable_thinking)
    steering = "zero"                  # zero | few
    few_shot_k = 3                     # steering = "few": k examples ...
    few_shot_pool = ["id1", "id2"]     # ... drawn from these item ids (or {task_id = [...]})
    temperature = 0.0                  # default 1.0 for sampling, else 0.0
    n_samples = 1                      # default 10 for sampling, else 1
    max_tokens = 64                    # default 16/200 (none), 1024 (cot, native)
    concurrency = 4                    # in-flight requests per endpoint
    timeout = 60.0                     # seconds per request
    retries = 4                        # extra attempts on 429, 5xx, timeouts, connection errors
    top_logprobs = 20                  # logprob method
    use_n = true                       # sampling: ask for n choices per request when honoured
    response_format = "json_schema"    # verbalized and sampling: json_schema (OpenAI, vLLM, SGLang, llama-server),
                                       # json_object (llama-cpp-python: {"type": "json_object", "schema"}),
                                       # or none (prompt only, tolerant parse); default none for native
    chat_template_kwargs = {}          # passed through to the server
    cache = "elicit-cache.sqlite"      # relative to the config's folder
    seed = 0                           # default: [study] seed
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from precompute.elicit.endpoints import public_url
from precompute.study import ModelSpec, StudyError

METHODS = ("verbalized", "sampling", "logprob")
MODEL_KEYS = ("model_id", "display_name", "family", "base_model", "pair_id", "params_b", "training",
              "provider")
RUN_KEYS = ("source", "name", "model", "endpoint", "endpoints", "api_key_env", "tasks", "method",
            "reasoning", "steering", "few_shot_k", "few_shot_pool", "temperature", "n_samples",
            "max_tokens", "concurrency", "timeout", "retries", "top_logprobs", "use_n",
            "response_format", "chat_template_kwargs", "cache", "seed", "created_at", "_study")
RESPONSE_FORMATS = ("json_schema", "json_object", "none")
DEFAULT_CACHE = "elicit-cache.sqlite"


@dataclass(frozen=True)
class ElicitSpec:
    name: str
    model: ModelSpec
    api_model: str
    endpoints: tuple[str, ...]
    method: str
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
    seed: int = 0
    created_at: str = ""

    def pool_for(self, task_id: str) -> list[str]:
        if isinstance(self.few_shot_pool, dict):
            return [str(x) for x in self.few_shot_pool.get(task_id, [])]
        return [str(x) for x in self.few_shot_pool]

    def settings(self) -> dict:
        """What goes into runs.settings (never the API key, only the name of its variable)."""
        return {"api_model": self.api_model, "endpoints": [public_url(e) for e in self.endpoints],
                "api_key_env": self.api_key_env, "max_tokens": self.max_tokens,
                "few_shot_k": self.few_shot_k, "top_logprobs": self.top_logprobs,
                "response_format": self.response_format, "use_n": self.use_n,
                "chat_template_kwargs": self.chat_template_kwargs, "seed": self.seed}


def parse_spec(section: dict, base: Path, seed: int = 0) -> ElicitSpec:
    where = f"elicited [[run]] {section.get('name', '?')!r}"
    unknown = sorted(set(section) - set(RUN_KEYS) - set(MODEL_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], RUN_KEYS + MODEL_KEYS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise StudyError(f"{where}: unknown key {unknown[0]!r}.{hint}")
    missing = [k for k in ("name", "model_id", "training", "method") if k not in section]
    if "endpoint" not in section and "endpoints" not in section:
        missing.append("endpoint")
    if missing:
        raise StudyError(f"{where}: missing key(s) {missing}")
    method = section["method"]
    if method not in METHODS:
        raise StudyError(f"{where}, field method: must be one of {METHODS}, not {method!r}")
    reasoning = section.get("reasoning", "none")
    endpoints = section.get("endpoints", section.get("endpoint"))
    endpoints = (endpoints,) if isinstance(endpoints, str) else tuple(endpoints)
    if not endpoints or not all(isinstance(e, str) and e.startswith(("http://", "https://"))
                                for e in endpoints):
        shown = tuple(public_url(e) if isinstance(e, str) else e for e in endpoints)
        raise StudyError(f"{where}, field endpoint: expected http(s) base URL(s), got {shown!r}")
    steering = section.get("steering", "zero")
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
                          training=str(section["training"]), family=str(section.get("family", "")),
                          base_model=str(section.get("base_model", "")), pair_id=section.get("pair_id"),
                          params_b=float(params_b) if params_b is not None else None,
                          provider=str(section.get("provider", "")))
        spec = ElicitSpec(
            name=str(section["name"]), model=model, api_model=str(section.get("model", section["model_id"])),
            endpoints=tuple(e.rstrip("/") for e in endpoints), method=method, reasoning=reasoning,
            steering=steering, tasks=tuple(section["tasks"]) if section.get("tasks") else None,
            api_key_env=section.get("api_key_env"), few_shot_k=k,
            few_shot_pool=dict(pool) if isinstance(pool, dict) else tuple(pool),
            temperature=float(section.get("temperature", 1.0 if method == "sampling" else 0.0)),
            n_samples=int(section.get("n_samples", 10 if method == "sampling" else 1)),
            max_tokens=int(section.get("max_tokens", default_max)),
            concurrency=int(section.get("concurrency", 4)), timeout=float(section.get("timeout", 60.0)),
            retries=int(section.get("retries", 4)), top_logprobs=int(section.get("top_logprobs", 20)),
            use_n=bool(section.get("use_n", True)),
            response_format=str(section.get("response_format",
                                            "none" if reasoning == "native" else "json_schema")),
            chat_template_kwargs=dict(section.get("chat_template_kwargs", {})),
            cache=(base / section.get("cache", DEFAULT_CACHE)).resolve(),
            seed=int(section.get("seed", seed)), created_at=str(section.get("created_at", "")))
    except (TypeError, ValueError) as e:  # includes StudyError from ModelSpec
        raise StudyError(f"{where}: {e}") from e
    if reasoning not in ("none", "cot", "native"):
        raise StudyError(f"{where}, field reasoning: must be none, cot or native, not {reasoning!r}")
    if spec.response_format not in RESPONSE_FORMATS:
        raise StudyError(f"{where}, field response_format: one of {RESPONSE_FORMATS}, "
                         f"not {spec.response_format!r}")
    if spec.n_samples < 1 or spec.concurrency < 1 or spec.retries < 0 or spec.max_tokens < 1:
        raise StudyError(f"{where}: n_samples, concurrency and max_tokens must be >= 1, retries >= 0")
    return spec
