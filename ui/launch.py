"""`atlas app`: start the dashboard on a store, from any working directory.

`streamlit run app.py` reads `.streamlit/config.toml` from the *working directory* only, so run
from elsewhere (or from an installed package) the production settings would silently not apply:
tracebacks shown to visitors, the developer toolbar, no upload cap. This launcher reads the
settings file that sits beside app.py (in a checkout and in an installed package alike; see
pyproject.toml) and passes every setting to Streamlit as a command-line flag.

Streamlit is imported only when the app starts, so `atlas --help` stays quick.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[1]  # the checkout, or site-packages when installed
APP_SCRIPT = APP_DIR / "app.py"
SETTINGS = APP_DIR / ".streamlit" / "config.toml"


class LaunchError(Exception):
    """The app cannot be started as asked (missing store, missing settings)."""


def settings_flags(settings: Path = SETTINGS) -> list[str]:
    """Every setting of the Streamlit config file as `--section.key=value` flags."""
    if not settings.is_file():
        raise LaunchError(f"the app's settings file {settings} is missing; reinstall the package")
    flags = []
    for section, options in tomllib.loads(settings.read_text(encoding="utf-8")).items():
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def streamlit_args(store: str | None, port: int | None, address: str | None) -> list[str]:
    """The arguments of `streamlit run` for the installed app; sets ATLAS_STORE for `store`."""
    if store is not None:
        path = Path(store).expanduser().resolve()
        if not path.is_file():
            raise LaunchError(f"no store at {path}: build one with `atlas build --config study.toml "
                              f"--out {store}` or `atlas demo --out {store}`")
        os.environ["ATLAS_STORE"] = str(path)  # absolute: the app's working directory may differ
    args = ["run", str(APP_SCRIPT), *settings_flags()]
    if port is not None:
        args.append(f"--server.port={port}")
    if address is not None:
        args.append(f"--server.address={address}")
    return args


def run_app(store: str | None, port: int | None, address: str | None) -> int:
    """Run the dashboard in this process until it is stopped; returns the exit status."""
    args = streamlit_args(store, port, address)
    from streamlit.web import cli
    try:
        cli.main(args=args, prog_name="atlas app", standalone_mode=True)
    except SystemExit as e:  # click ends every command with SystemExit
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0
