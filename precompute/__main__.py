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
    t = time.perf_counter()
    report = build_store(demo_study(args.seed), args.out, show_progress=not args.quiet)
    _print_report(report, args.out, time.perf_counter() - t)
    return 0


def _cmd_elicit(args) -> int:
    from precompute.elicit.engine import ElicitError
    from precompute.elicit.run import elicit_study
    try:
        reports = elicit_study(args.config, set(args.run) if args.run else None, not args.quiet)
    except ElicitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if all(r.complete for r in reports):
        return 0
    print("Some samples were not fetched; run the same command again to resume.", file=sys.stderr)
    return 1


def _cmd_info(args) -> int:
    from precompute.info import describe
    print(describe(args.store))
    return 0


def _print_report(report, out, seconds: float) -> None:
    items = sum(t["items"] for t in report.tasks.values())
    dropped = sum(t["dropped_below_min_annotators"] for t in report.tasks.values())
    failed = sum(r.get("failed_generations", r["failed_samples"]) for r in report.runs.values())
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
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=_cmd_demo)
    e = sub.add_parser("elicit", help="ask LLM servers for the elicited runs of a study config and "
                                      "cache every answer (resumable); `build` reads the cache")
    e.add_argument("--config", required=True, help="path of the study config (TOML)")
    e.add_argument("--run", action="append", metavar="NAME",
                   help="only this [[run]] (repeatable; default: every run with source = 'elicited')")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    e.set_defaults(func=_cmd_elicit)
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
