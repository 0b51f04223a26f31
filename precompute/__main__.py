"""Command line of the offline pipeline. `python -m precompute --help` lists the commands."""
from __future__ import annotations

import argparse
import sys
import time

from precompute.study import StudyError

DESCRIPTION = "Disagreement Atlas offline pipeline: build stores of human and model label distributions."


def _cmd_build(args) -> int:
    from precompute.build import build_store
    from precompute.config import load_study
    t = time.perf_counter()
    study = load_study(args.config)
    report = build_store(study, args.out, show_progress=not args.quiet)
    _print_report(report, args.out, time.perf_counter() - t)
    return 0


def _cmd_demo(args) -> int:
    from precompute.build import build_store
    from precompute.demo import demo_study
    from precompute.scale import scale_study
    t = time.perf_counter()
    study = scale_study(args.scale, args.seed) if args.scale else demo_study(args.seed)
    report = build_store(study, args.out, show_progress=not args.quiet)
    _print_report(report, args.out, time.perf_counter() - t)
    return 0


def _cmd_info(args) -> int:
    from precompute.info import describe
    print(describe(args.store))
    return 0


def _print_report(report, out, seconds: float) -> None:
    items = sum(t["items"] for t in report.tasks.values())
    dropped = sum(t["dropped_below_min_annotators"] for t in report.tasks.values())
    failed = sum(r["failed_samples"] for r in report.runs.values())
    print(f"Built {out} in {seconds:.1f} s: {len(report.tasks)} tasks, {items} items "
          f"({dropped} dropped for too few annotators), {len(report.runs)} runs "
          f"({failed} unparseable samples counted).")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m precompute", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="build a store from a study config (study.toml)")
    b.add_argument("--config", required=True, help="path of the study config (TOML)")
    b.add_argument("--out", required=True, help="path of the store to write (replaced atomically)")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(func=_cmd_build)
    d = sub.add_parser("demo", help="build the simulated demo store")
    d.add_argument("--out", required=True, help="path of the store to write (replaced atomically)")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    d.add_argument("--scale", type=int, metavar="ROWS", default=0,
                   help="instead of the demo, a synthetic benchmark store of about ROWS item-metric rows "
                        "(20 tasks, 40 simulated runs + 3 baselines)")
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=_cmd_demo)
    i = sub.add_parser("info", help="print tasks, items, runs, bands and build info of a store")
    i.add_argument("store", help="path of a built store")
    i.set_defaults(func=_cmd_info)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (StudyError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # StoreError and friends: say it plainly, no traceback
        from data_layer.store import StoreError
        if isinstance(e, StoreError):
            print(f"error: {e}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
