"""`atlas app`: the production settings reach Streamlit as flags, from any working directory."""
from __future__ import annotations

import os
import tomllib

import pytest
from streamlit import config as st_config

from precompute.__main__ import main as cli
from tests.conftest import ROOT
from ui.launch import APP_SCRIPT, SETTINGS, streamlit_args


def test_every_setting_becomes_a_flag_streamlit_knows():
    settings = tomllib.loads(SETTINGS.read_text(encoding="utf-8"))
    args = streamlit_args(None, 8600, "127.0.0.1")
    assert args[:2] == ["run", str(ROOT / "app.py")] and APP_SCRIPT.is_file()
    flags = dict(a.removeprefix("--").split("=", 1) for a in args[2:])
    st_config.get_option("server.port")  # loads Streamlit's option table
    for section, options in settings.items():
        for key in options:
            assert f"{section}.{key}" in st_config._config_options, f"{section}.{key} is not a Streamlit option"
    assert flags["client.showErrorDetails"] == "none" and flags["client.toolbarMode"] == "viewer"
    assert flags["server.maxUploadSize"] == "1" and flags["server.headless"] == "true"
    assert flags["server.port"] == "8600" and flags["server.address"] == "127.0.0.1"


def test_the_store_is_made_absolute_for_the_app(demo_store_path, monkeypatch, tmp_path):
    monkeypatch.delenv("ATLAS_STORE", raising=False)
    monkeypatch.chdir(demo_store_path.parent)
    streamlit_args(demo_store_path.name, None, None)
    assert os.environ["ATLAS_STORE"] == str(demo_store_path.resolve())
    monkeypatch.delenv("ATLAS_STORE")


def test_a_missing_store_is_an_error_that_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(["app", "--store", "nothing.duckdb"]) == 2
    err = capsys.readouterr().err
    assert "no store at" in err and "atlas demo --out nothing.duckdb" in err
    assert "ATLAS_STORE" not in os.environ or os.environ["ATLAS_STORE"] != str(tmp_path / "nothing.duckdb")


@pytest.mark.parametrize("argv0, prog", [("/venv/bin/atlas", "atlas"), ("precompute/__main__.py", "python -m precompute")])
def test_help_names_the_command_as_it_was_called(argv0, prog, monkeypatch):
    from precompute.__main__ import parser
    monkeypatch.setattr("sys.argv", [argv0])
    assert parser().prog == prog
