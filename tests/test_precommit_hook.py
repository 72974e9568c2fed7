"""The shipped pre-commit hook runs the audit the way pre-commit would: its entry, in the repo."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.corpus import CORPUS, ROOT


def test_hook_entry_audits_the_repo_it_runs_in(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "genai-tracker-audit")
    assert hook["pass_filenames"] is False
    shutil.copy(CORPUS / "cards" / "alkiskoudounas__sd-pokemon-256px.md", tmp_path / "README.md")
    shutil.copy(CORPUS / "licenses" / "mit.txt", tmp_path / "LICENSE")
    argv = shlex.split(hook["entry"])
    assert argv[0] == "tracker"
    res = subprocess.run(
        [sys.executable, "-m", "tracker.cli", *argv[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 1  # an SD derivative under MIT: RAIL001 blocks the commit
    assert "RAIL001" in res.stdout
