"""No tracebacks: every mistake and interruption of the real CLI (`python -m precompute`, run as a
subprocess) ends in one `error:` or `interrupted` line and the exit code documented in
precompute/cli_input.py EXIT_CODES."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from precompute.cli_input import EXIT_CODES
from tests.cli_study import ROOT, STUDY, cli, env, start_cli, write_cli_study


def _one_error_line(done, code: int, *fragments: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_exit_codes_are_in_the_help_and_the_readme():
    done = cli("--help")
    assert done.returncode == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("lists every command and the exit codes"):readme.index("### Damaged stores")]
    for code, text in EXIT_CODES.items():
        assert f"{code:>3}  {text[:30]}" in done.stdout
        if code:
            assert re.search(rf"(^|[ ;]){code} ", paragraph, flags=re.M), f"README does not explain exit code {code}"


def test_study_file_that_is_not_utf8(tmp_path):
    study = write_cli_study(tmp_path)
    study.write_bytes(STUDY.replace('"cli fixture"', '"caf\xe9"').encode("latin-1"))
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "s.duckdb", "--quiet"), 3,
                    str(study), "not UTF-8")


@pytest.mark.parametrize("line, fragment", [
    ("seed = 1000000000000000000000000000000", "study.seed: 1000000000000000000000000000000 is too large"),
    ('min_annotators = "two"', "[study] min_annotators: expected a whole number, got 'two'"),
])
def test_bad_numbers_in_the_study(tmp_path, line, fragment):
    study = write_cli_study(tmp_path, study=STUDY.replace("min_annotators = 2", line))
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "s.duckdb", "--quiet"), 2, fragment)
    assert not (tmp_path / "s.duckdb").exists()


def test_huge_count_in_a_run(tmp_path):
    study = write_cli_study(tmp_path, extra="""
[[run]]
source = "simulated"
name = "sim"
model_id = "m"
training = "rlhf"
method = "sampling"
n_samples = 1000000000000000000000000000000
""")
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "s.duckdb", "--quiet"), 2,
                    "run[0].n_samples: 1000000000000000000000000000000 is too large")


def test_config_naming_a_directory_or_nothing(tmp_path):
    _one_error_line(cli("build", "--config", tmp_path, "--out", tmp_path / "s.duckdb"), 3, "is a directory")
    _one_error_line(cli("build", "--config", tmp_path / "nope.toml", "--out", tmp_path / "s.duckdb"), 3,
                    "does not exist")


def test_outputs_are_checked_before_any_work(tmp_path):
    """The study names a data file that does not exist: had the build started, that would be
    the error (exit 2). An unusable --out is refused first."""
    study = write_cli_study(tmp_path)
    (tmp_path / "counts.csv").unlink()
    (tmp_path / "folder").mkdir()
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "folder", "--quiet"), 4,
                    "is a directory")
    (tmp_path / "plain").write_text("x")
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "plain" / "sub" / "s.duckdb"), 4,
                    f"{tmp_path / 'plain'} is a regular file")
    assert (tmp_path / "plain").read_text() == "x"
    _one_error_line(cli("build", "--config", study, "--out", tmp_path / "s.duckdb"), 2, "counts.csv")


def test_read_only_output_folder(tmp_path):
    """A folder where no file can be created. Permission bits do not stop root, so as root the
    CLI runs in a private mount namespace (`unshare -rm`, gone with the process) where the
    folder is bind-mounted read-only: writes fail with EROFS even for root. As another user,
    chmod 555 is enough. Either way what is checked is the CLI's real write probe, not a mock."""
    study = write_cli_study(tmp_path / "study")
    ro = tmp_path / "ro"
    ro.mkdir()
    out = ro / "s.duckdb"
    args = [sys.executable, "-m", "precompute", "build", "--config", str(study), "--out", str(out), "--quiet"]
    if os.geteuid() == 0:
        if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"]).returncode != 0:
            pytest.skip("running as root without user namespaces: no way to make a folder read-only")
        args = ["unshare", "-rm", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(ro), *args]
    else:
        ro.chmod(0o555)
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env())
    ro.chmod(0o755)
    _one_error_line(done, 4, f"no file can be created in {ro}")
    assert list(ro.iterdir()) == []


def test_info_on_a_truncated_store(tmp_path):
    study = write_cli_study(tmp_path)
    store = tmp_path / "s.duckdb"
    assert cli("build", "--config", study, "--out", store, "--quiet").returncode == 0
    store.write_bytes(store.read_bytes()[: store.stat().st_size // 2])
    _one_error_line(cli("info", store), 5, str(store), "damaged or truncated")


def test_min_annotators_zero_with_an_unrated_item_is_refused_at_the_study_file(tmp_path):
    """An item nobody rated once reached the baselines and blamed `baseline:prior`; the study
    file's schema now refuses min_annotators < 1 before any data is read (human.py keeps its own
    check, naming the item, for studies made in Python)."""
    study = write_cli_study(tmp_path, study=STUDY.replace("min_annotators = 2", "min_annotators = 0"),
                            csv="id,text,n0,n1\na,hello,2,1\nb,nobody rated me,0,0\nc,hi,1,1\n")
    done = cli("build", "--config", study, "--out", tmp_path / "s.duckdb", "--quiet")
    _one_error_line(done, 2, "[study], key 'min_annotators'", "at least 1")
    assert "baseline" not in done.stderr


class _Reader:
    """Collects a process's stderr in a thread (tqdm writes \\r, not lines)."""

    def __init__(self, proc):
        self.text = ""
        self.thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for chunk in iter(lambda: stream.read1(4096), b""):
            self.text += chunk.decode(errors="replace")

    def wait_for(self, needle: str, proc, seconds: float = 180) -> None:
        end = time.monotonic() + seconds
        while needle not in self.text:
            assert proc.poll() is None, f"exited before {needle!r}: {self.text[-500:]}"
            assert time.monotonic() < end, f"no {needle!r} within {seconds} s"
            time.sleep(0.05)


def _temporaries(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.glob(f".{name}.building-*"))


@pytest.mark.parametrize("sig, step", [(signal.SIGINT, "model runs and item metrics"),
                                       (signal.SIGTERM, "materialising item scores"),
                                       (signal.SIGINT, "item-major copy")],
                         ids=["SIGINT in Python", "SIGTERM in SQL", "SIGINT in SQL"])
def test_interrupted_build_keeps_the_previous_store_and_removes_its_temporary(tmp_path, sig, step):
    """The demo build (seconds) is signalled when its progress reaches `step`: model runs are
    computed in Python; the other two steps are single DuckDB statements, so the signal usually
    lands inside DuckDB, where the handler's exception comes back as RuntimeError("Query
    interrupted") (the outcome must be the same either way)."""
    store = tmp_path / "demo.duckdb"
    store.write_bytes(b"the previous store")
    proc = start_cli("demo", "--out", store)
    reader = _Reader(proc)
    reader.wait_for(step, proc)
    assert _temporaries(tmp_path, store.name)  # it is mid-build
    proc.send_signal(sig)
    assert proc.wait(timeout=120) == 128 + sig
    reader.thread.join(timeout=10)
    last = reader.text.strip().splitlines()[-1].split("\r")[-1]
    assert last == (f"interrupted ({sig.name}): the previous store at {store} is unchanged; "
                    "the temporary file was removed"), reader.text[-500:]
    assert "Traceback" not in reader.text
    assert store.read_bytes() == b"the previous store"
    assert _temporaries(tmp_path, store.name) == []


def test_a_later_build_removes_the_temporary_of_a_killed_one(tmp_path):
    """SIGKILL cannot be handled: the temporary stays. The next build of the same store removes
    it, since the process that owned it is gone."""
    store = tmp_path / "s.duckdb"
    proc = start_cli("demo", "--out", store)
    reader = _Reader(proc)
    reader.wait_for("model runs and item metrics", proc)
    proc.kill()
    proc.wait(timeout=60)
    left = _temporaries(tmp_path, store.name)
    assert left and f".s.duckdb.building-{proc.pid}" in left
    study = write_cli_study(tmp_path / "study")
    done = cli("build", "--config", study, "--out", store, "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"removed {tmp_path / f'.s.duckdb.building-{proc.pid}'}" in done.stderr
    assert _temporaries(tmp_path, store.name) == [] and store.exists()
