"""A tiny study on disk (a counts CSV and study.toml) and the real CLI run as a subprocess, for
tests of what `python -m precompute` prints and exits with."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COUNTS_CSV = """id,text,n0,n1
a,You are a wonderful person.,4,1
b,Shut up and go away.,1,4
c,This policy is a disaster.,3,2
d,What a lovely day.,5,0
"""

STUDY = """[study]
name = "cli fixture"
min_annotators = 2

[[dataset]]
format = "counts"
task = "toy"
path = "counts.csv"
labels = ["0", "1"]
label_names = ["not offensive", "offensive"]
[dataset.columns]
item_id = "id"
text = "text"
count_columns = ["n0", "n1"]
"""


def write_cli_study(folder: Path, extra: str = "", study: str = STUDY, csv: str = COUNTS_CSV) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "counts.csv").write_text(csv, encoding="utf-8")
    path = folder / "study.toml"
    path.write_text(study + extra, encoding="utf-8")
    return path


def env() -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def cli(*args, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "precompute", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env(), **kw)


def start_cli(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "precompute", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), **kw)
