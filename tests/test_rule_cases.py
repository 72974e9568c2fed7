"""The golden table: real repos arranged from the corpus, and the rules expected to fire or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditors import audit
from auditors.policy import parse_policy
from auditors.rules import RULES, RULES_BY_ID
from tests.corpus import arrange

CASES_FILE = Path(__file__).parent / "fixtures" / "audit-cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())["cases"]


def run(case: dict[str, Any]) -> set[str]:
    policy = parse_policy(case["policy"], "policy", RULES_BY_ID) if case.get("policy") else None
    report = audit(arrange(case), policy=policy)
    return {f.rule for f in report.findings}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    fired = run(case)
    missing = set(case["fires"]) - fired
    unexpected = set(case["quiet"]) & fired
    assert not missing, f"expected {sorted(missing)} to fire; fired {sorted(fired)}"
    assert not unexpected, f"expected {sorted(unexpected)} to stay quiet; fired {sorted(fired)}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_a_real_case_that_fires_and_one_that_does_not(rule: Any) -> None:
    fires = [c["id"] for c in CASES if rule.id in c["fires"]]
    quiet = [c["id"] for c in CASES if rule.id in c["quiet"]]
    assert fires, f"{rule.id} has no case in {CASES_FILE.name} where it fires"
    assert quiet, f"{rule.id} has no case in {CASES_FILE.name} where it must not fire"


def test_case_ids_are_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
