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


def _cmd_publish(args) -> int:
    from precompute.publish import PublishError, plan_publish, push
    plan = plan_publish(args.store, args.repo, args.revision, args.private, args.force)
    for v in plan.forced:
        print(f"warning: publishing {v.task_id} despite: {v.reason} (--force)", file=sys.stderr)
    files = ", ".join(plan.files)
    if args.dry_run:
        print(plan.card)
        print(f"\n(dry run) would upload {files} to dataset {args.repo}"
              f"{' (private)' if args.private else ''} at revision {args.revision or 'main'}")
        return 0
    try:
        commit = push(plan)
    except OSError as e:  # HfHubHTTPError (no token, no rights), offline mode, network errors
        raise PublishError(f"the Hugging Face Hub refused or could not be reached: {e}") from e
    print(f"Published {files} to https://huggingface.co/datasets/{args.repo} "
          f"(revision {args.revision or 'main'}): {getattr(commit, 'commit_url', commit)}\n"
          f"Point the app at it with ATLAS_STORE_REPO={args.repo}"
          + (f" ATLAS_STORE_REVISION={args.revision}" if args.revision else ""))
    return 0


def _print_report(report, out, seconds: float) -> None:
    items = sum(t["items"] for t in report.tasks.values())
    dropped = sum(t["dropped_below_min_annotators"] for t in report.tasks.values())
    failed = sum(r.get("failed_generations", r["failed_samples"]) for r in report.runs.values())
    print(f"Built {out} in {seconds:.1f} s: {len(report.tasks)} tasks, {items} items "
          f"({dropped} dropped for too few annotators), {len(report.runs)} runs "
          f"({failed} unparseable samples counted).")
    from precompute.info import coverage_lines
    for line in [*report.notes, *coverage_lines(report.runs)]:
        print(f"  {line}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m precompute", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from precompute.study_schema import sections_summary  # the study file's sections, from its schema
    study_help = {"epilog": sections_summary(), "formatter_class": argparse.RawDescriptionHelpFormatter}
    b = sub.add_parser("build", help="build a store from a study config (study.toml)", **study_help)
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
    e = sub.add_parser("elicit", help="ask LLM servers for the elicited runs of a study config and "
                                      "cache every answer (resumable); `build` reads the cache", **study_help)
    e.add_argument("--config", required=True, help="path of the study config (TOML)")
    e.add_argument("--run", action="append", metavar="NAME",
                   help="only this [[run]] (repeatable; default: every run with source = 'elicited')")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    e.set_defaults(func=_cmd_elicit)
    from precompute.init_study import add_parsers
    add_parsers(sub)  # init, import
    i = sub.add_parser("info", help="print tasks, items, runs, bands and build info of a store")
    i.add_argument("store", help="path of a built store")
    i.set_defaults(func=_cmd_info)
    pu = sub.add_parser("publish", help="upload a store and a generated dataset card to a Hugging Face "
                        "dataset repo (uses HF_TOKEN or `hf auth login`)")
    pu.add_argument("store", help="path of a built store")
    pu.add_argument("--repo", required=True, help="dataset repo OWNER/NAME (created if absent)")
    pu.add_argument("--revision", help="branch to publish to (created if absent; default main)")
    pu.add_argument("--private", action="store_true", help="create the dataset repo private")
    pu.add_argument("--force", action="store_true",
                    help="publish tasks whose licence is not known to allow redistribution")
    pu.add_argument("--dry-run", action="store_true",
                    help="print the dataset card and the files to upload; contact nobody")
    pu.set_defaults(func=_cmd_publish)
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
        from precompute.publish import PublishError
        if isinstance(e, StoreError | PublishError):
            print(f"error: {e}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
