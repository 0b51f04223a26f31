"""Command line of the offline pipeline. `python -m precompute --help` lists the commands."""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from precompute.cli_input import EPILOG, CommandError, read_study_file
from precompute.study import StudyError

DESCRIPTION = ("Disagreement Atlas: build stores of human and model label distributions (the offline "
               "pipeline) and explore them in the dashboard (`app`).")


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; raised where the program was, so every `finally` and cleanup
    runs (the builder removes its temporary store) before `main` says what was kept."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_RECEIVED: list[int] = []  # signals seen in this run of main(): DuckDB turns the exception raised
# inside a running query into RuntimeError("Query interrupted"), so the signal is remembered here


def _raise_interrupted(signum, _frame):
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def _store_kept(out: Path, existed: bool) -> str:
    return (f"the previous store at {out} is unchanged" if existed else f"no store was written at {out}") + \
        "; the temporary file was removed"


def _build(args, make_study) -> int:
    from precompute.build import build_store, check_output
    t = time.perf_counter()
    out = check_output(args.out)  # before any work: today's failure, not the end of a long build
    existed = out.exists()
    try:
        report = build_store(make_study(), out, show_progress=not args.quiet)
    except BaseException as e:  # read by _run if this was an interruption
        e.kept = _store_kept(out, existed)
        raise
    _print_report(report, out, time.perf_counter() - t)
    return 0


def _cmd_build(args) -> int:
    from precompute.config import load_study
    read_study_file(args.config)
    return _build(args, lambda: load_study(args.config))


def _cmd_demo(args) -> int:
    from precompute.demo import demo_study
    from precompute.scale import scale_study
    return _build(args, lambda: scale_study(args.scale, args.seed) if args.scale else demo_study(args.seed))


def _cmd_elicit(args) -> int:
    from precompute.elicit.engine import ElicitError
    from precompute.elicit.run import elicit_study
    if not 0 <= args.max_unparseable <= 1:
        raise CommandError(2, f"--max-unparseable must be a share between 0 and 1, not {args.max_unparseable}")
    read_study_file(args.config)
    if args.export_answers:
        from precompute.elicit.answers import export_answers
        for path in export_answers(args.config, set(args.run) if args.run else None):
            print(f"wrote {path}")
        return 0
    try:
        reports = elicit_study(args.config, set(args.run) if args.run else None, not args.quiet)
    except ElicitError as e:
        raise CommandError(6, str(e)) from e
    over = [r for r in reports if r.unusable_share is not None and r.unusable_share > args.max_unparseable]
    for r in over:
        print(f"error: run {r.run}: {r.held_unparseable + r.held_rejected} of {r.held} cached answers "
              f"({r.unusable_share:.0%}) are unparseable or rejected, more than --max-unparseable "
              f"{args.max_unparseable:g} allows; see the causes above (prompt, response_format, "
              "max_tokens, model name)", file=sys.stderr)
    if over:
        return 7
    if all(r.complete for r in reports):
        return 0
    print("Some samples were not fetched; run the same command again to resume.", file=sys.stderr)
    return 1


def _cmd_info(args) -> int:
    from data_layer.store_check import check_store
    from precompute.info import describe
    if not args.check:
        print(describe(args.store))
        return 0
    result = check_store(args.store)
    for note in result.notes:
        print(f"note: {note}")
    if not result.ok:
        for problem in result.problems:
            print(f"error: {args.store}: {problem}", file=sys.stderr)
        return 5
    print(f"{args.store}: OK: schema, {result.tables} tables with their columns, {result.rows} rows and "
          f"content checksum {result.checksum} match the manifest written at build")
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


def _cmd_app(args) -> int:
    from ui.launch import LaunchError, run_app
    try:
        return run_app(args.store, args.port, args.address)
    except LaunchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


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
    prog = "atlas" if Path(sys.argv[0]).stem == "atlas" else "python -m precompute"  # the installed command
    p = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
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
    e.add_argument("--max-unparseable", type=float, default=0.5, metavar="SHARE",
                   help="fail (exit 7) when more than this share of a run's cached answers are "
                        "unparseable or rejected (default 0.5)")
    e.add_argument("--export-answers", action="store_true",
                   help="ask nobody: write the answers file (`answers = ...`) of each run from the cache, "
                        "without prompts or dataset text, to commit or share; `build` reads it")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    e.set_defaults(func=_cmd_elicit)
    from precompute.init_study import add_parsers
    add_parsers(sub)  # init, import
    i = sub.add_parser("info", help="print tasks, items, runs, bands and build info of a store")
    i.add_argument("store", help="path of a built store")
    i.add_argument("--check", action="store_true",
                   help="verify the whole store against the manifest written at build: schema version, "
                        "tables, columns, row counts and content checksum (reads every row; exit 5 "
                        "and one line per problem if anything differs)")
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
    a = sub.add_parser("app", help="start the dashboard (with the production settings of .streamlit/config.toml, "
                       "from any directory); without --store: ATLAS_STORE, ATLAS_STORE_REPO or the demo store")
    a.add_argument("--store", help="path of a built store to explore")
    a.add_argument("--port", type=int, help="port to serve on (default 8501)")
    a.add_argument("--address", help="address to listen on (default: all interfaces)")
    a.set_defaults(func=_cmd_app)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handlers = _catch_signals()
    try:
        return _run(args)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _catch_signals() -> dict:
    """SIGINT and SIGTERM both raise Interrupted (SIGTERM used to kill the build without its
    cleanup, leaving the temporary store and its .wal behind)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, _raise_interrupted)
    return previous


def _run(args) -> int:
    _RECEIVED.clear()
    try:
        return _dispatch(args)
    except BaseException as e:
        if not (isinstance(e, KeyboardInterrupt) or _RECEIVED):
            raise
        signum = _RECEIVED[-1] if _RECEIVED else signal.SIGINT
        kept = getattr(e, "kept", "nothing was changed")
        print(f"interrupted ({signal.Signals(signum).name}): {kept}", file=sys.stderr)
        return 128 + signum


def _dispatch(args) -> int:
    import duckdb

    from data_layer.store import StoreError
    from precompute.output import OutputError
    from precompute.publish import PublishError
    try:
        return args.func(args)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.code
    except (StudyError, PublishError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 4
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 5
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except duckdb.Error as e:  # a store that passed the open check but whose rows cannot be read
        if args.command not in ("info", "publish"):
            raise
        print(f"error: {args.store} cannot be read, damaged or truncated? ({str(e).splitlines()[0]}); "
              f"`python -m precompute info {args.store} --check` says more", file=sys.stderr)
        return 5


if __name__ == "__main__":
    sys.exit(main())
