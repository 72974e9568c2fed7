"""The CLI as a maintainer uses it: real processes, real files, exit codes as published."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import ROOT

DEMO = ROOT / "data" / "demo" / "hub"
COMPLIANT = DEMO / "CompVis" / "stable-diffusion-v1-4"
RELICENSED = DEMO / "UCLA-AGI" / "Llama-3-Instruct-8B-SPPO-Iter3"


def tracker(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_findings_at_error_exit_1_and_exit_zero_overrides() -> None:
    res = tracker("audit", str(RELICENSED))
    assert res.returncode == 1, res.stderr
    assert "UP001" in res.stdout
    assert tracker("audit", str(RELICENSED), "--exit-zero").returncode == 0
    assert tracker("audit", str(RELICENSED), "--fail-on", "never").returncode == 0


def test_fail_on_warning_fails_a_repo_with_only_warnings() -> None:
    ok = tracker("audit", str(COMPLIANT), "--format", "json")
    report = json.loads(ok.stdout)
    assert report["summary"]["error"] == 0, report["findings"]
    assert ok.returncode == 0
    if report["summary"]["warning"]:
        assert tracker("audit", str(COMPLIANT), "--fail-on", "warning").returncode == 1


def test_json_report_has_the_documented_keys() -> None:
    report = json.loads(tracker("audit", str(RELICENSED), "--format", "json").stdout)
    assert report["schema_version"] == 1
    assert list(report) == [
        "schema_version",
        "tool",
        "target",
        "licenses",
        "base_models",
        "rail_analysis",
        "findings",
        "suppressed",
        "summary",
    ]
    assert [d["id"] for d in report["licenses"]["declared"]] == ["apache-2.0"]
    assert any(
        d["id"] == "apache-2.0" and d["path"] == "LICENSE" for d in report["licenses"]["detected"]
    )
    assert report["base_models"][0]["license"] == "llama3"
    finding = next(f for f in report["findings"] if f["rule"] == "UP001")
    assert set(finding) >= {"rule", "severity", "message", "path", "line", "fix"}
    assert finding["severity"] == "error" and finding["path"] == "README.md"


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda d: d / "missing", "no such file or directory"),
        (lambda d: _write(d / "weights.bin", b"\x00\x01\x02" * 100), "binary file"),
        (lambda d: _write(d / "README.md", b"x" * (6 * 1024 * 1024)), "too large"),
    ],
    ids=["missing-path", "binary-file", "50mb-readme"],
)
def test_bad_targets_give_one_line_and_exit_2(tmp_path: Path, make, expect: str) -> None:  # type: ignore[no-untyped-def]
    res = tracker("audit", str(make(tmp_path)))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0]
    assert "Traceback" not in res.stderr


def test_huge_readme_inside_a_repo_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    _write(tmp_path / "README.md", b"# card\n" + b"x" * (6 * 1024 * 1024))
    res = tracker("audit", str(tmp_path), "--format", "json")
    report = json.loads(res.stdout)
    assert "FILE001" in {f["rule"] for f in report["findings"]}


def test_unreadable_front_matter_is_a_finding(tmp_path: Path) -> None:
    _write(tmp_path / "README.md", b"---\nlicense: mit\ntags: [a\n---\n# Model\n")
    report = json.loads(tracker("audit", str(tmp_path), "--format", "json").stdout)
    card001 = [f for f in report["findings"] if f["rule"] == "CARD001"]
    assert card001 and "not valid YAML" in card001[0]["message"]


def test_policy_file_in_repo_overrides_and_ignores_with_reason(tmp_path: Path) -> None:
    for f in RELICENSED.iterdir():
        _write(tmp_path / f.name, f.read_bytes())
    _write(
        tmp_path / ".genai-tracker.yaml",
        b"severity: {UP003: off}\nignore:\n  - rule: UP001\n"
        b"    reason: Meta granted us a separate written license.\n",
    )
    res = tracker("audit", str(tmp_path), "--format", "json")
    report = json.loads(res.stdout)
    rules = {f["rule"] for f in report["findings"]}
    assert "UP001" not in rules and "UP003" not in rules
    assert report["suppressed"][0]["rule"] == "UP001"
    assert "separate written license" in report["suppressed"][0]["reason"]


def test_policy_with_unknown_key_is_an_error(tmp_path: Path) -> None:
    policy = _write(tmp_path / "policy.yaml", b"deny: [mit]\n")
    res = tracker("audit", str(COMPLIANT), "--config", str(policy))
    assert res.returncode == 2
    assert "unknown key(s) deny" in res.stderr and "Traceback" not in res.stderr


def test_licenses_identify_json(tmp_path: Path) -> None:
    res = tracker("licenses", "identify", str(RELICENSED / "LICENSE"), "--format", "json")
    out = json.loads(res.stdout)
    top = out[0]["identifications"][0]
    assert top["id"] == "apache-2.0" and top["method"] in ("exact", "similarity")
    assert top["line_start"] >= 1 and top["confidence"] > 0.9


def test_rules_json_lists_the_registry() -> None:
    rules = json.loads(tracker("rules", "--format", "json").stdout)
    assert {"LIC001", "RAIL001", "RAIL005", "UP001", "BIAS001", "BIAS002", "DOC001"} <= {
        r["id"] for r in rules
    }


def test_demo_writes_reports(tmp_path: Path) -> None:
    res = tracker("demo", "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    index = (tmp_path / "out" / "index.md").read_text()
    assert "UCLA-AGI/Llama-3-Instruct-8B-SPPO-Iter3" in index
    assert (tmp_path / "out" / "findings-by-rule.svg").read_text().startswith("<svg")
    sarif = json.loads((tmp_path / "out" / "nerijs__pixel-art-xl.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert (tmp_path / "out" / "tracker.db").is_file()
    assert "9 fetched, 0 unchanged, 0 failed" in index
    # The section classifier read every scraped card into the database's card_sections view.
    assert "The section classifier then read the 9 cards in it" in index
    with sqlite3.connect(tmp_path / "out" / "tracker.db") as conn:
        (cards,) = conn.execute("SELECT COUNT(DISTINCT key) FROM card_sections").fetchone()
    assert cards == 9


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
