"""Print what the auditor says for every case in tests/fixtures/audit-cases.yaml, for review.

python scripts/dump_audit_cases.py [CASE_ID...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from auditors import audit  # noqa: E402
from auditors.policy import parse_policy  # noqa: E402
from auditors.rules import RULES_BY_ID  # noqa: E402
from tests.corpus import arrange  # noqa: E402

cases = yaml.safe_load(Path("tests/fixtures/audit-cases.yaml").read_text())["cases"]
for case in cases:
    if sys.argv[1:] and case["id"] not in sys.argv[1:]:
        continue
    policy = parse_policy(case["policy"], "policy", RULES_BY_ID) if case.get("policy") else None
    report = audit(arrange(case), policy=policy)
    print(
        f"== {case['id']}: declared={[i.license_id for i in report.declared]} "
        f"detected={[(i.license_id, i.method, i.confidence) for i in report.detected][:4]}"
    )
    print(f"   bases={[(b.repo_id, b.license_id, b.found_in) for b in report.base_models]}")
    for f in report.findings:
        print(f"   {f.rule} {f.path}:{f.line} {f.message}")
