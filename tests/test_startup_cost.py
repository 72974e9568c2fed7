"""A local single-repo audit must not pay for heavy imports (torch, spaCy, huggingface_hub)."""

from __future__ import annotations

import subprocess
import sys

from tests.corpus import ROOT

HEAVY = ("torch", "spacy", "huggingface_hub", "httpx", "jinja2")


def test_local_audit_imports_no_heavy_module() -> None:
    repo = ROOT / "data" / "demo" / "hub" / "nerijs" / "pixel-art-xl"
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['tracker', 'audit', {str(repo)!r}, '--format', 'json', '--exit-zero']\n"
        "try:\n    runpy.run_module('tracker.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("HEAVY="))
    assert line == "HEAVY=", f"local audit imported: {line[6:]}"
