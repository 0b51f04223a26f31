"""Build the full real-data store (examples/real-data.toml over ../shared/datasets) and print the
time and peak memory of each dataset and of the whole build.

    python -m bench.real_data_build [--config examples/real-data.toml] [--datasets PATH]

Each dataset is read and built alone in a fresh process (its peak RSS includes the Python and
library baseline, printed first), then the whole study is built in one process, as
`python -m precompute build` does. Target: the whole set in under 60 s and under 2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELATIVE = "../../shared/datasets"  # how examples/real-data.toml names the datasets folder


def _config(config: Path, datasets: Path | None, folder: Path) -> Path:
    """The config, with its datasets folder pointed at `datasets` when that is given or needed."""
    text = config.read_text(encoding="utf-8")
    if datasets is None:
        if (config.parent / RELATIVE).is_dir():
            return config
        shared = os.environ.get("ATLAS_SHARED_DIR")
        datasets = Path(shared) / "datasets" if shared else Path("/work/shared/datasets")
    if not datasets.is_dir():
        sys.exit(f"no datasets folder at {datasets}; pass --datasets")
    out = folder / config.name
    out.write_text(text.replace(RELATIVE, datasets.resolve().as_posix()), encoding="utf-8")
    return out


def _child(config: Path, index: int | None, out: Path) -> dict:
    """Runs in the child process: read one [[dataset]] (or all with index None) and build it."""
    from precompute import config as cfg
    from precompute.build import build_store
    from precompute.study import Study
    if index is None:
        t = time.perf_counter()
        study = cfg.load_study(config)
    else:
        text = config.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        section = data["dataset"][index]
        cfg._load_plugins()
        t = time.perf_counter()
        key = "adapter" if "adapter" in section else "format"
        human = cfg.DATASET_READERS[section[key]](section, config.parent)
        meta = data.get("study", {})
        study = Study(name=f"bench {index}", human=human, min_annotators=int(meta.get("min_annotators", 2)),
                      baselines=bool(meta.get("baselines", True)), config_text=text)
    read = time.perf_counter() - t
    report = build_store(study, out, show_progress=False)
    return {"read": read, "build": time.perf_counter() - t - read, "tasks": len(report.tasks),
            "items": sum(v["items"] for v in report.tasks.values()),
            "ratings": sum(v["ratings"] for v in report.tasks.values()),
            "dropped": sum(v["dropped_below_min_annotators"] for v in report.tasks.values())}


def _measure(args: list[str]) -> tuple[dict, float, float]:
    """Run this module in a child; (its JSON result, wall seconds, peak RSS in MB)."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.real_data_build", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"child {args} failed with exit code {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), time.perf_counter() - t, usage.ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=ROOT / "examples" / "real-data.toml")
    p.add_argument("--datasets", type=Path, default=None, help="folder holding the dataset folders")
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--all", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.baseline:  # the libraries every build imports, nothing read
        import precompute.adapters  # noqa: F401
        import precompute.build  # noqa: F401
        print(json.dumps({}))
        return
    if a.child is not None or a.all:
        print(json.dumps(_child(a.config, None if a.all else a.child, a.out)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(a.config, a.datasets, Path(tmp))
        sections = tomllib.loads(config.read_text(encoding="utf-8"))["dataset"]
        _, base_s, base_mb = _measure(["--baseline"])
        rows = [("imports only (baseline)", "", "", "", "", "", "", f"{base_s:.1f}", f"{base_mb:.0f}")]
        for i, s in enumerate(sections):
            r, wall, mb = _measure(["--config", str(config), "--child", str(i), "--out", f"{tmp}/d{i}.duckdb"])
            rows.append((s.get("adapter") or s.get("format"), r["tasks"], r["items"], r["ratings"], r["dropped"],
                         f"{r['read']:.1f}", f"{r['build']:.1f}", f"{wall:.1f}", f"{mb:.0f}"))
        r, wall, mb = _measure(["--config", str(config), "--all", "--out", f"{tmp}/all.duckdb"])
        rows.append(("TOTAL (one build, all datasets)", r["tasks"], r["items"], r["ratings"], r["dropped"],
                     f"{r['read']:.1f}", f"{r['build']:.1f}", f"{wall:.1f}", f"{mb:.0f}"))
    header = ("dataset", "tasks", "items", "ratings", "dropped", "read s", "build s", "wall s", "peak MB")
    widths = [max(len(str(x[i])) for x in [header, *rows]) for i in range(len(header))]
    for n, row in enumerate([header, *rows]):
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0 or n == len(rows) - 1:
            print("  ".join("-" * w for w in widths))
    ok = wall < 60 and mb < 2048
    print(f"\ntarget: whole set under 60 s and 2048 MB -> {'met' if ok else 'NOT met'} "
          f"({wall:.1f} s, {mb:.0f} MB; build includes baseline runs and item metrics)")


if __name__ == "__main__":
    main()
