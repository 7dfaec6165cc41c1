"""The Voilà command line that serves notebooks/dashboard.ipynb, and only it.

Voilà 0.5 runs in single-notebook mode with its root at notebooks/, so the store, the quarantine files,
manifests and extracts (under data/) are outside anything it serves; the static-file deny-list refuses
every file as well, tracebacks are never sent to the browser, and it binds 127.0.0.1 unless told
otherwise. The kernel (which runs in notebooks/) finds the store through LOTUS_STORE and the user's
configuration file through LOTUS_CONFIG, both set here with `env` so that the command is complete on
its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lotus_analytics.config import USER_CONFIG_NAME, load_config
from lotus_analytics.dashboard.app import CONFIG_ENV, STORE_ENV

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "dashboard.ipynb"
CELL_TIMEOUT_SECONDS = 120


def voila_command(
    *, host: str | None = None, port: int | None = None, store: Path, config_file: Path | None = None,
    theme: str = "light",
) -> list[str]:
    """argv that serves the dashboard on host:port against the analysis store at `store`.

    `config_file` defaults to ./lotus.toml when it exists (as `load_config` does); `host` and `port`
    default to its [dashboard] settings (defaults.toml when it does not set them).
    """
    config = config_file or (Path(USER_CONFIG_NAME) if Path(USER_CONFIG_NAME).is_file() else None)
    if host is None or port is None:
        settings = load_config(config)
        host = settings.dashboard_host if host is None else host
        port = settings.dashboard_port if port is None else port
    return [
        "env", f"{STORE_ENV}={Path(store).resolve()}", *([f"{CONFIG_ENV}={config.resolve()}"] if config else []),
        sys.executable, "-m", "voila", str(NOTEBOOK),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={NOTEBOOK.parent}",
        "--VoilaConfiguration.file_allowlist=^$",
        "--VoilaConfiguration.file_denylist=.*",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.theme={theme}",
        f"--VoilaExecutor.timeout={CELL_TIMEOUT_SECONDS}",
    ]
