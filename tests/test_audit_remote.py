"""Audits that reach the Hub: targets by repo id, and lineage looked up online.

The real huggingface_hub client talks to the project's replay server, pointed at it through
HF_ENDPOINT exactly as a user points it at a mirror.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.corpus import CORPUS, ROOT
from tracker.replay import ReplayServer

NC_BASE = "CohereForAI/c4ai-command-r-plus"  # declares cc-by-nc-4.0; not in the knowledge base


def tracker(args: list[str], endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "GITHUB_API_URL": endpoint + "/github-api"}
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_hub_repo_target_is_fetched_through_the_configured_endpoint(replay_server) -> None:  # type: ignore[no-untyped-def]
    res = tracker(["audit", "nerijs/pixel-art-xl", "--format", "json"], replay_server.url)
    report = json.loads(res.stdout)
    assert report["target"] == "nerijs/pixel-art-xl"
    assert "RAIL002" in {f["rule"] for f in report["findings"]}
    assert res.returncode == 1


def test_github_url_target(replay_server) -> None:  # type: ignore[no-untyped-def]
    url = "https://github.com/meta-llama/llama"
    res = tracker(["audit", url, "--format", "json", "--exit-zero"], replay_server.url)
    report = json.loads(res.stdout)
    assert any(d["id"] == "llama2" for d in report["licenses"]["detected"]), report["licenses"]


def test_missing_hub_repo_is_a_one_line_error(replay_server) -> None:  # type: ignore[no-untyped-def]
    res = tracker(["audit", "nobody/nothing-here"], replay_server.url)
    assert res.returncode == 2 and "nobody/nothing-here" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_online_lineage_finds_a_base_license_the_knowledge_base_lacks(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    base = snapshot / "hub" / NC_BASE
    base.mkdir(parents=True)
    shutil.copy(CORPUS / "cards" / "CohereForAI__c4ai-command-r-plus.md", base / "README.md")
    derivative = tmp_path / "derivative"
    derivative.mkdir()
    card = (CORPUS / "cards" / "TIGER-Lab__MAmmoTH-7B.md").read_text(encoding="utf-8")
    card = re.sub(r"(?m)^license:.*$", f"license: mit\nbase_model: {NC_BASE}", card, count=1)
    (derivative / "README.md").write_text(card, encoding="utf-8")
    with ReplayServer(snapshot) as server:
        online = json.loads(
            tracker(["audit", str(derivative), "--online", "-f", "json"], server.url).stdout
        )
        offline = json.loads(tracker(["audit", str(derivative), "-f", "json"], server.url).stdout)
    base_ref = online["base_models"][0]
    assert (base_ref["repo_id"], base_ref["license"], base_ref["license_source"]) == (
        NC_BASE,
        "cc-by-nc-4.0",
        "hub",
    )
    assert "UP001" in {f["rule"] for f in online["findings"]}
    assert offline["base_models"][0]["license_source"] == "unknown"
    assert "UP001" not in {f["rule"] for f in offline["findings"]}
