"""Report formats: SARIF validates against the official schema; JSON and Markdown are stable."""

from __future__ import annotations

import json

import jsonschema
import pytest

from auditors import RepoFile, RepoView, audit
from auditors.formats import FORMATS, get_formatter
from auditors.rules import RULES
from tests.corpus import SHARED, corpus_repo

SCHEMA = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    repo = corpus_repo(
        "alkiskoudounas/sd-pokemon-256px",
        "cards/alkiskoudounas__sd-pokemon-256px.md",
        {"LICENSE": "licenses/mit.txt"},
    )
    return audit(repo)


def test_sarif_validates_against_the_official_schema(report) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(get_formatter("sarif")(report))
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.id for r in RULES]
    assert run["results"], "expected findings for an SD derivative declared MIT"


def test_sarif_results_meet_github_code_scanning_requirements(report) -> None:  # type: ignore[no-untyped-def]
    run = json.loads(get_formatter("sarif")(report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]


def test_json_is_stable_across_runs(report) -> None:  # type: ignore[no-untyped-def]
    again = audit(
        corpus_repo(
            "alkiskoudounas/sd-pokemon-256px",
            "cards/alkiskoudounas__sd-pokemon-256px.md",
            {"LICENSE": "licenses/mit.txt"},
        )
    )
    assert get_formatter("json")(report) == get_formatter("json")(again)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_finding(report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    out = get_formatter(fmt)(report)
    for finding in report.findings:
        assert finding.rule in out


def test_untrusted_card_text_is_escaped_in_markdown() -> None:
    card = b"---\nlicense: '<script>alert(1)</script>'\n---\n# [x](javascript:alert(1))\n"
    report = audit(RepoView("evil", {"README.md": RepoFile.from_bytes("README.md", card)}))
    md = get_formatter("markdown")(report)
    assert "<script>" not in md
    assert "\\<script\\>" in md
