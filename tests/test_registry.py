"""Meta-tests over the rule registry and the CLI: the tables police themselves."""

from __future__ import annotations

import re

import pytest

from auditors.rules import RULES, RULES_BY_ID
from tests.corpus import ROOT
from tracker.cli.reference import commands, reference
from tracker.cli.rules import rules_markdown


def test_rule_ids_are_unique_and_well_formed() -> None:
    assert len(RULES_BY_ID) == len(RULES)
    for r in RULES:
        assert re.fullmatch(r"[A-Z]{2,4}\d{3}", r.id), r.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", r.name), r.name
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_documents_why_and_how_to_fix(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.title and not rule.title.endswith(".")
    assert len(rule.rationale) > 60 and len(rule.fix) > 20 and len(rule.example) > 20
    assert rule.status in ("stable", "preview")


def test_license_rules_cite_a_paragraph() -> None:
    for r in RULES:
        if r.id.startswith(("RAIL", "UP")):
            assert re.search(r"¶|§", r.rationale), f"{r.id} rationale cites no paragraph"


def test_generated_rules_page_is_up_to_date() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "docs/rules.md is stale: run `make docs`"


def test_generated_cli_reference_is_up_to_date() -> None:
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == reference() + "\n", "docs/cli.md is stale: run `make docs`"


@pytest.mark.parametrize(
    "path,cmd", commands(), ids=lambda x: " ".join(x) if isinstance(x, list) else ""
)
def test_every_command_has_help_with_an_example(path, cmd) -> None:  # type: ignore[no-untyped-def]
    assert cmd.help, f"{' '.join(path)} has no help"
    if not getattr(cmd, "commands", None):
        assert "Example: tracker " in cmd.help, f"{' '.join(path)} help has no example"
