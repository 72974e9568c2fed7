"""Running `tracker` as a user does (a subprocess), and the headless browser the UI tests drive."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Debian's Chromium, installed by scripts/setup; Playwright drives it and downloads nothing.
CHROMIUM = "/usr/bin/chromium"
#: Headless, and quiet on this machine's closed network (no background or update requests).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def run_tracker(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """`python -m tracker.cli ARGS`; without `env`, this environment minus TRACKER_DB."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(env),
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
