"""The async engine: asks an OpenAI-compatible /chat/completions endpoint for every sample a run
still lacks, with bounded concurrency per endpoint (several replica URLs share the work),
retries with exponential backoff and jitter on 429, 5xx, timeouts and connection errors, a
durable cache written answer by answer, a progress bar (rate, ETA, tokens, failures) and a
run report. The API key is read from the environment variable the config names, at call time.
"""
from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from precompute.elicit.cache import RequestCache
from precompute.elicit.endpoints import hide_credentials, public_url
from precompute.elicit.parse import interpret
from precompute.elicit.plan import ItemPlan, unique_keys
from precompute.elicit.spec import ElicitSpec
from precompute.study import StudyError

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
FATAL_STATUS = {401, 403, 404}
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


class ElicitError(RuntimeError):
    """The run cannot go on (wrong key, wrong URL or model name): stop instead of retrying."""


@dataclass
class RunReport:
    run: str
    samples: int = 0
    from_cache: int = 0
    stored: int = 0
    http_requests: int = 0
    retries: int = 0
    failed_parse: int = 0
    rejected: int = 0
    transport_failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    client_cpu_s: float = 0.0
    n_honoured: bool | None = None
    per_endpoint: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    # What the cache holds for the run's planned samples after this call, answers cached by
    # earlier calls included (set by precompute.elicit.run; a rerun fetches nothing new, so the
    # counts above would say "0 unparseable" of a run whose every cached answer failed).
    held: int | None = None
    held_unparseable: int = 0
    held_rejected: int = 0
    # predict = "annotators": prompts made (one per rating asked), how many had no description of the
    # annotator, and how many distinct prompts they were (annotators described alike share one)
    annotator_prompts: int | None = None
    undescribed: int = 0
    distinct_prompts: int = 0

    @property
    def complete(self) -> bool:
        return self.from_cache + self.stored == self.samples

    @property
    def unusable_share(self) -> float | None:
        """Share of the cached answers that give no label (unparseable or rejected)."""
        if not self.held:
            return None
        return (self.held_unparseable + self.held_rejected) / self.held

    def text(self) -> str:
        rate = self.stored / self.seconds if self.seconds else 0.0
        lines = [f"run {self.run}: {self.samples} samples planned, {self.from_cache} already cached, "
                 f"{self.stored} fetched now in {self.seconds:.1f} s ({rate:.2f}/s), "
                 f"{self.http_requests} HTTP requests, {self.retries} retries",
                 f"  tokens: {self.prompt_tokens} prompt, {self.completion_tokens} completion",
                 f"  failures now: {self.failed_parse} unparseable answers and {self.rejected} rejected "
                 f"requests (both stored, counted at build), {self.transport_failed} samples not fetched "
                 f"after retries (causes below; rerun to fetch them)"]
        if self.annotator_prompts is not None:
            lines.insert(1, f"  {self.annotator_prompts} annotator prompts (one per rating asked), "
                            f"{self.undescribed} with no description of the annotator; {self.distinct_prompts} "
                            "distinct (annotators of an item described alike share a prompt and its answers)")
        if self.held is not None:
            share = f" ({self.unusable_share:.0%} give no label)" if self.held else ""
            lines.append(f"  the cache holds {self.held} of the {self.samples} samples: "
                         f"{self.held_unparseable} unparseable, {self.held_rejected} rejected{share}")
        if self.n_honoured is not None:
            lines.append(f"  server honours n: {self.n_honoured}")
        if self.per_endpoint:
            lines.append("  per endpoint: " + ", ".join(f"{u} {n}" for u, n in self.per_endpoint.items()))
        for msg, n in self.errors.most_common(5):
            lines.append(f"  {n} x {msg}")
        return "\n".join(lines)


@dataclass
class _Work:
    plan: ItemPlan
    samples: list[int]


class Engine:
    def __init__(self, spec: ElicitSpec, cache: RequestCache, labels: dict[str, list[str]],
                 show_progress: bool = True):
        self.spec, self.cache, self.labels, self.show = spec, cache, labels, show_progress
        self.use_n = spec.use_n and spec.method == "sampling"
        self.report = RunReport(spec.name)
        self.headers = {"Content-Type": "application/json"}
        if spec.api_key_env:
            key = os.environ.get(spec.api_key_env)
            if not key:
                raise StudyError(f"run {spec.name!r}: environment variable {spec.api_key_env!r} "
                                 "(api_key_env) is not set")
            self.headers["Authorization"] = f"Bearer {key}"
        self.slots = [asyncio.Semaphore(spec.concurrency) for _ in spec.endpoints]

    def run(self, plans: list[ItemPlan]) -> RunReport:
        return asyncio.run(self.arun(plans))

    async def arun(self, plans: list[ItemPlan]) -> RunReport:
        t0, cpu0 = time.perf_counter(), time.process_time()
        present = self.cache.present(unique_keys(plans))
        queue: asyncio.Queue[_Work] = asyncio.Queue()
        if self.spec.predict == "annotators":
            self.report.annotator_prompts = len(plans)
            self.report.undescribed = sum(not p.described for p in plans)
            self.report.distinct_prompts = len({p.keys[0] for p in plans})
        planned: set[str] = set()  # a prompt two plans share is asked and counted once (unique_keys)
        for p in plans:
            new = [i for i, k in enumerate(p.keys) if k not in planned]
            planned.update(p.keys)
            todo = [i for i in new if p.keys[i] not in present]
            self.report.samples += len(new)
            self.report.from_cache += len(new) - len(todo)
            if todo and self.use_n and len(todo) > 1:
                queue.put_nowait(_Work(p, todo))
            else:
                for i in todo:
                    queue.put_nowait(_Work(p, [i]))
        self.bar = _bar(self.report, self.show)
        limits = httpx.Limits(max_connections=self.spec.concurrency * len(self.spec.endpoints) + 2)
        try:
            async with httpx.AsyncClient(timeout=httpx.Timeout(self.spec.timeout), limits=limits) as client:
                workers = [asyncio.create_task(self._worker(client, queue, w))
                           for w in range(self.spec.concurrency * len(self.spec.endpoints))]
                await asyncio.gather(*workers)
        finally:
            if self.bar is not None:
                self.bar.close()
            self.report.seconds = time.perf_counter() - t0
            self.report.client_cpu_s = time.process_time() - cpu0
        return self.report

    async def _worker(self, client: httpx.AsyncClient, queue: asyncio.Queue, wid: int) -> None:
        while not queue.empty():
            work = queue.get_nowait()
            more = await self._fetch(client, work, wid)
            for w in more:
                queue.put_nowait(w)

    def _body(self, work: _Work) -> dict:
        body = {"model": self.spec.api_model, "messages": work.plan.messages, **work.plan.params,
                "seed": self.spec.seed * 1_000_003 + work.samples[0]}
        if len(work.samples) > 1:
            body["n"] = len(work.samples)
        return body

    async def _fetch(self, client: httpx.AsyncClient, work: _Work, wid: int) -> list[_Work]:
        """Ask for one work unit; store what came back; return work still to do."""
        body = self._body(work)
        n_end = len(self.spec.endpoints)
        for attempt in range(self.spec.retries + 1):
            e = (wid + attempt) % n_end
            url = self.spec.endpoints[e]
            shown = public_url(url)  # what is printed and cached: no user info
            async with self.slots[e]:
                t = time.perf_counter()
                self.report.http_requests += 1
                try:
                    resp = await client.post(f"{url}/chat/completions", json=body, headers=self.headers)
                    error, retry_after = self._classify(resp)
                except httpx.TimeoutException as exc:
                    resp, error, retry_after = None, self._timeout_message(exc, shown), None
                except httpx.TransportError as exc:
                    resp, retry_after = None, None
                    error = hide_credentials(f"{type(exc).__name__} from {shown}: {exc or 'no detail'}",
                                             self.spec.endpoints)[:200]
                latency = time.perf_counter() - t
            if resp is not None and error is None:
                try:
                    data = resp.json()
                except ValueError as exc:
                    error = f"{shown} answered invalid JSON ({exc}): {resp.text[:60]!r}"[:200]
                else:
                    try:
                        return self._store(work, body, data, shown, latency)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        error = (f"{shown} answered JSON without chat-completions choices "
                                 f"({type(exc).__name__}: {exc})")[:200]
            elif resp is not None and resp.status_code not in RETRY_STATUS:
                self._store_rejection(work, body, error, shown, latency)
                return []
            if attempt < self.spec.retries:
                self.report.retries += 1
                self._tick(0)
                await asyncio.sleep(retry_after or min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
                                    * (0.5 + random.random()))
        self.report.transport_failed += len(work.samples)
        self.report.errors[error] += len(work.samples)
        self._tick(0)
        return []

    def _timeout_message(self, exc: httpx.TimeoutException, shown: str) -> str:
        """httpx's timeouts carry no message: say which one and the limit that was hit."""
        what = {httpx.ReadTimeout: "no answer (read timeout)", httpx.ConnectTimeout: "no connection (connect timeout)",
                httpx.WriteTimeout: "request not sent (write timeout)",
                httpx.PoolTimeout: "no free connection (pool timeout)"}.get(type(exc), type(exc).__name__)
        return f"{what} from {shown} after {self.spec.timeout:g} s (the run's timeout)"

    def _classify(self, resp: httpx.Response) -> tuple[str | None, float | None]:
        if resp.status_code == 200:
            return None, None
        text = resp.text[:300].replace("\n", " ")
        if resp.status_code in FATAL_STATUS:
            raise ElicitError(f"run {self.spec.name!r}: {public_url(str(resp.request.url))} answered HTTP "
                              f"{resp.status_code} ({text}); check the endpoint, model name and API key")
        retry_after = resp.headers.get("retry-after")
        try:
            wait = min(float(retry_after), BACKOFF_CAP) if retry_after else None
        except ValueError:
            wait = None
        return f"HTTP {resp.status_code}: {text}", wait

    def _store(self, work: _Work, body: dict, data: dict, url: str, latency: float) -> list[_Work]:
        choices = data["choices"]
        if not choices:
            raise ValueError("no choices")
        usage = dict(data.get("usage") or {})
        if len(choices) > 1 and usage.get("completion_tokens") is not None:  # one usage for n choices
            usage["completion_tokens"] = round(usage["completion_tokens"] / len(choices))
            usage["split_over_choices"] = len(choices)
        if "n" in body:
            self.report.n_honoured = len(choices) >= body["n"]
        for choice, idx in zip(choices, work.samples, strict=False):
            record = {"choice": choice, "usage": usage, "model": data.get("model"),
                      "n_in_request": len(choices)}
            self._put(work.plan, idx, body, record, url, latency)
        rest = work.samples[len(choices):]
        if rest:
            self.use_n = False  # the server gives fewer choices than asked: loop with seeds
        return [_Work(work.plan, [i]) for i in rest]

    def _store_rejection(self, work: _Work, body: dict, error: str, url: str, latency: float) -> None:
        for idx in work.samples:
            self._put(work.plan, idx, body, {"error": error}, url, latency)

    def _put(self, plan: ItemPlan, idx: int, body: dict, record: dict, url: str, latency: float) -> None:
        stored = self.cache.put(plan.keys[idx], model=self.spec.api_model, run=self.spec.name,
                                task_id=plan.task_id, item_id=plan.item_id, sample_idx=idx,
                                request=body, record=record, endpoint=url, latency_s=latency)
        if not stored:
            return
        self.report.stored += 1
        self.report.per_endpoint[url] += 1
        names = self.labels[plan.task_id]
        sample = interpret(self.spec.method, record, len(names), names, self.spec.reasoning)
        if "error" in record:
            self.report.rejected += 1
            self.report.errors[record["error"][:120]] += 1
        elif not sample.ok:
            self.report.failed_parse += 1
            self.report.errors[sample.error[:120]] += 1
        self.report.prompt_tokens += sample.prompt_tokens or 0
        self.report.completion_tokens += sample.completion_tokens or 0
        self._tick(1)

    def _tick(self, n: int) -> None:
        if self.bar is None:
            return
        r = self.report
        self.bar.set_postfix_str(f"tok={r.prompt_tokens + r.completion_tokens} "
                                 f"fail={r.failed_parse + r.rejected + r.transport_failed} retry={r.retries}",
                                 refresh=False)
        self.bar.update(n)


def _bar(report: RunReport, show: bool):
    if not show:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=report.samples, initial=report.from_cache, desc=report.run, unit="sample",
                dynamic_ncols=True)
