"""SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers.

The rule list comes from the registry; each finding becomes a result with a physical location.
GitHub drops results without one, so repo-level findings point at the model card (line 1).
"""

from __future__ import annotations

import json
from typing import Any

from auditors.engine import __version__
from auditors.report import Finding, Report, Severity
from auditors.rules import RULES, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/genai-tracker/genai-tracker"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_FALLBACK_PATH = "README.md"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.rationale}\n\nFix: {rule.fix}",
            "markdown": f"{rule.rationale}\n\n**Fix:** {rule.fix}\n\n**Example:** {rule.example}",
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["license-compliance", rule.id[:3].lower()], "status": rule.status},
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    message = f.message if not f.field else f"{f.message} (field `{f.field}`)"
    return {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _LEVEL[f.severity],
        "message": {"text": f"{message}. Fix: {f.fix}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path or _FALLBACK_PATH, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line or 1},
                }
            }
        ],
    }


def format_sarif(report: Report) -> str:
    index = {r.id: n for n, r in enumerate(RULES)}
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "genai-tracker",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(r) for r in RULES],
                    }
                },
                "automationDetails": {"id": f"genai-tracker/{report.target}"},
                "results": [_result(f, index) for f in report.findings],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
