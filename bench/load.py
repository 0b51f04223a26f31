"""Many visitors at once (issue 22): the app served as 1 and 2 processes (`python -m ui.serve`),
driven on loopback by a client that speaks Streamlit's own protocol, as the browser does.

A visitor loads the page's HTML (which sets the proxy's sticky-session cookie), opens the
websocket /_stcore/stream, sends a BackMsg `rerun_script` with the page and its query string,
and waits for the ForwardMsg `script_finished`: the time to a finished render. A burst is N
visitors starting at once. Per page and N the table prints p50/p95 of that time, the server's
CPU per render (user + system time of every server process, from /proc, over the burst) and
the server processes' peak resident memory (sum of each process's VmHWM).

    python -m bench.load [--processes 1 2] [--visitors 1 5 20 40] [--pages overview item ...]
                         [--rounds 10] [--store PATH]

Bounded: every burst has a deadline (--timeout), every count is fixed; loopback only.
The client runs on the same machine as the server and takes some of its CPU (parsing the
messages), so the times are an upper bound for remote visitors.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Realistic URLs per page: the default view, one task, a band, another metric (the Overview and
# the Item page are what a link from a talk or a paper opens).
CASES: dict[str, list[dict[str, str]]] = {
    "overview": [{}, {"tasks": "demo-nli"}, {"metric": "jsd"}],
    "bands": [{}, {"tasks": "demo-offensive"}],
    "models": [{}, {"tasks": "demo-nli"}],
    "items": [{}, {"sort": "gap"}, {"q": "referee"}],
    "item": [{"task": "demo-nli", "item": f"demo-nli-{i:04d}"} for i in (49, 50, 51, 52)],
    "data": [{}],
    "published": [{}],
}
DEFAULT_PAGE = "overview"


def cases_for(store: Path) -> dict[str, list[dict[str, str]]]:
    """CASES with the store's own tasks and items where it is not the demo (e.g. a 10M scale
    store): its first task where the demo names demo-nli, its second for demo-offensive."""
    import duckdb
    con = duckdb.connect(str(store), read_only=True)
    try:
        tasks = [r[0] for r in con.execute("SELECT task_id FROM tasks ORDER BY task_id").fetchall()]
        if "demo-nli" in tasks:
            return CASES
        first, second = tasks[0], tasks[min(1, len(tasks) - 1)]
        ids = [r[0] for r in con.execute("SELECT item_id FROM human_dist WHERE task_id = ? ORDER BY item_id",
                                         [first]).fetchall()]
        items = ids[49:53] if len(ids) >= 53 else ids[:4]  # as the demo's 49-52, where there are so many
    finally:
        con.close()
    swap = {"demo-nli": first, "demo-offensive": second}
    out = {page: [{k: swap.get(v, v) for k, v in case.items()} for case in cases] for page, cases in CASES.items()}
    out["item"] = [{"task": first, "item": item} for item in items]
    return out
MIXED = ("overview", "item")  # "20 + 20": half open the Overview, half an item
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proto():
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    return BackMsg, ForwardMsg


# ------------------------------------------------------------------ the server under test

def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _children(k)]


@dataclass
class Server:
    proc: subprocess.Popen
    base: str

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def memory_mib(self, key: str = "VmHWM") -> float:
        total = 0
        for pid in self.pids():
            try:
                m = re.search(rf"^{key}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            except OSError:
                continue
            total += int(m.group(1)) if m else 0
        return total / 1024


@contextmanager
def served(processes: int, store: Path, log: Path, app_dir: Path = ROOT):
    from ui.serve import running
    with running(processes, store, log, cwd=app_dir) as (base, proc):
        yield Server(proc, base)


# ------------------------------------------------------------------ one visitor

@dataclass
class Visit:
    seconds: float
    errors: list[str] = field(default_factory=list)


def _cookie(base: str, page: str, query: str) -> str:
    """GET the page's HTML as a browser does first; the proxy's sticky cookie, if any."""
    with urllib.request.urlopen(f"{base}/{'' if page == DEFAULT_PAGE else page}?{query}", timeout=30) as r:
        r.read()
        return "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])


def _rerun(page: str, query: str, widgets=None) -> bytes:
    BackMsg, _ = _proto()
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = "" if page == DEFAULT_PAGE else page  # the default page lives at the root
    if widgets is not None:
        msg.rerun_script.widget_states.widgets.append(widgets)
    return msg.SerializeToString()


async def _until_finished(ws, seen: dict | None = None) -> list[str]:
    """Read ForwardMsgs until the run finishes; exceptions shown on the page are returned, and
    selectboxes (label -> proto) collected into `seen` when given."""
    _, ForwardMsg = _proto()
    errors = []
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            what = el.WhichOneof("type")
            if what == "exception":
                errors.append(el.exception.message)
            elif what == "alert" and el.alert.format == el.alert.ERROR:  # e.g. the store could not be opened
                errors.append(el.alert.body)
            elif what == "selectbox" and seen is not None:
                seen[el.selectbox.label] = el.selectbox
            elif what == "heading" and seen is not None:
                seen.setdefault("headings", []).append(el.heading.body)
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return errors
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                return [*errors, "compile error"]


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/_stcore/stream"


async def visit(base: str, page: str, params: dict[str, str]) -> Visit:
    import websockets
    query = urlencode(params)
    t0 = time.perf_counter()
    cookie = await asyncio.to_thread(_cookie, base, page, query)
    async with websockets.connect(_ws_url(base), subprotocols=["streamlit"], max_size=None,
                                  additional_headers={"Cookie": cookie} if cookie else None) as ws:
        await ws.send(_rerun(page, query))
        errors = await _until_finished(ws)
    return Visit(time.perf_counter() - t0, errors)


# ------------------------------------------------------------------ bursts

@dataclass
class Burst:
    label: str
    visitors: int
    times: list[float]
    cpu_per_render: float
    peak_mib: float
    errors: int

    def pct(self, q: float) -> float:
        xs = sorted(self.times)
        return xs[min(len(xs) - 1, max(0, round(q * len(xs)) - 1))]


async def _burst(base: str, plan: list[tuple[str, dict]], timeout: float) -> list[Visit]:
    return await asyncio.wait_for(asyncio.gather(*(visit(base, p, q) for p, q in plan)), timeout)


def burst(server: Server, label: str, plan: list[tuple[str, dict]], timeout: float) -> Burst:
    cpu0 = server.cpu_seconds()
    visits = asyncio.run(_burst(server.base, plan, timeout))
    time.sleep(0.2)  # the last messages' bookkeeping
    cpu = server.cpu_seconds() - cpu0
    errors = sum(len(v.errors) for v in visits)
    if errors:
        print(f"  {label}: {errors} exceptions on the page, e.g. {next(e for v in visits for e in v.errors)[:200]}")
    return Burst(label, len(plan), [v.seconds for v in visits], cpu / len(plan), server.memory_mib(), errors)


def plan_for(page: str, n: int) -> list[tuple[str, dict]]:
    if page == "mixed":
        return [(MIXED[i % 2], CASES[MIXED[i % 2]][(i // 2) % len(CASES[MIXED[i % 2]])]) for i in range(n)]
    return [(page, CASES[page][i % len(CASES[page])]) for i in range(n)]


def warm(server: Server, pages: list[str], processes: int, timeout: float) -> None:
    """Every case rendered a few times so that each process has its caches filled (a slice's
    answers and figures are kept per process; the first visitor of a slice pays for them)."""
    for page in pages:
        for _ in range(2 * processes):
            asyncio.run(_burst(server.base, [(p, q) for p, q in plan_for(page, len(CASES.get(page, [1, 2])))],
                               timeout))


# ------------------------------------------------------------------ one session: next item, sidebar

async def _session_steps(base: str, steps: int) -> tuple[list[float], list[float]]:
    """One visitor: next-item clicks (a rerun of the Item page with the next item's URL, as the
    page link does), then sidebar changes (the Metric selectbox set to another metric)."""
    import websockets
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    nexts, sidebar = [], []
    async with websockets.connect(_ws_url(base), subprotocols=["streamlit"], max_size=None) as ws:
        items = CASES["item"]
        await ws.send(_rerun("item", urlencode(items[0])))
        await _until_finished(ws)
        for i in range(1, steps + 1):
            t0 = time.perf_counter()
            await ws.send(_rerun("item", urlencode(items[i % len(items)])))
            await _until_finished(ws)
            nexts.append(time.perf_counter() - t0)
        seen: dict = {}
        await ws.send(_rerun("overview", ""))
        await _until_finished(ws, seen)
        metric = seen["Metric"]
        for i in range(1, steps + 1):
            chosen = metric.options[i % min(3, len(metric.options))]  # e.g. "Jensen-Shannon distance (lower ...)"
            t0 = time.perf_counter()
            await ws.send(_rerun("overview", "", WidgetState(id=metric.id, string_value=chosen)))
            shown: dict = {}
            errors = await _until_finished(ws, shown)
            sidebar.append(time.perf_counter() - t0)
            assert not errors, errors
            # the page was redrawn for the chosen metric (its chart's title names it)
            assert any(h.startswith(chosen.split(" (")[0]) for h in shown.get("headings", [])), (chosen, shown)
    return nexts, sidebar


def _demo_store() -> Path:
    """The demo store built for this run (not the shared cache's copy, which another checkout
    may replace while the benchmark runs)."""
    import tempfile

    from precompute.build import build_store
    from precompute.demo import demo_study
    path = Path(tempfile.mkdtemp(prefix="atlas-bench-load-")) / "demo.duckdb"
    build_store(demo_study(0), path, show_progress=False)
    return path


# ------------------------------------------------------------------ the table

def _row(processes: int, b: Burst) -> str:
    return (f"| {processes} | {b.label} | {b.visitors} | {b.pct(0.5):.2f} | {b.pct(0.95):.2f} | "
            f"{1000 * b.cpu_per_render:.0f} | {b.peak_mib:.0f} |" + (f" {b.errors} errors" if b.errors else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--visitors", type=int, nargs="+", default=[1, 5, 20, 40])
    ap.add_argument("--pages", nargs="+", default=[*CASES, "mixed"], choices=[*CASES, "mixed"])
    ap.add_argument("--rounds", type=int, default=10, help="rounds of 20 + 20 mixed visitors for the memory check")
    ap.add_argument("--steps", type=int, default=10, help="next-item clicks and sidebar changes in one session")
    ap.add_argument("--timeout", type=float, default=300, help="deadline of one burst, seconds")
    ap.add_argument("--app-dir", type=Path, default=ROOT,
                    help="serve the app of another checkout (with ui/serve.py), e.g. the code before a "
                         "change, to compare before and after in one run on the same machine state")
    ap.add_argument("--store", type=Path, help="a store (default: the demo store, built into a temporary folder)")
    args = ap.parse_args()
    store = args.store or _demo_store()
    CASES.update(cases_for(store))
    log = Path("/tmp") / f"atlas-bench-load-{os.getpid()}.log"
    load = os.getloadavg()
    print(f"app {args.app_dir}; store {store}; {os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"at start; server log {log}")
    for processes in args.processes:
        with served(processes, store, log, args.app_dir) as server:
            warm(server, [p for p in args.pages if p != "mixed"] or list(MIXED), processes, args.timeout)
            print(f"\n{processes} process{'es' * (processes > 1)}, after warm-up: "
                  f"{server.memory_mib('VmRSS'):.0f} MiB resident")
            print("| processes | page | visitors | p50 s | p95 s | server CPU ms / render | peak RSS MiB |")
            print("|---:|---|---:|---:|---:|---:|---:|")
            for page in args.pages:
                for n in args.visitors:
                    print(_row(processes, burst(server, page, plan_for(page, n), args.timeout)), flush=True)
            nexts, sidebar = asyncio.run(asyncio.wait_for(_session_steps(server.base, args.steps), args.timeout))
            print(f"one session: next item p50 {statistics.median(nexts):.2f} s (max {max(nexts):.2f}); "
                  f"sidebar change (metric) p50 {statistics.median(sidebar):.2f} s (max {max(sidebar):.2f})")
            if args.rounds:
                rss = []
                for _ in range(args.rounds):
                    burst(server, "mixed", plan_for("mixed", 40), args.timeout)
                    rss.append(server.memory_mib("VmRSS"))
                print(f"resident MiB after each of {args.rounds} rounds of 20 + 20 mixed: "
                      + " ".join(f"{r:.0f}" for r in rss))
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
