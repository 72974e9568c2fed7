"""The JSON report: a published, versioned contract (see docs/json-report.md).

Keys come out in a fixed order and lists in the engine's order, so two runs diff cleanly.
Bump SCHEMA_VERSION on any change that removes or renames a key.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from auditors.engine import __version__
from auditors.knowledge import load_knowledge_base
from auditors.report import Finding, Identification, RailAnalysis, Report, Severity

SCHEMA_VERSION = 1


def identification_dict(i: Identification) -> dict[str, Any]:
    info = load_knowledge_base().license(i.license_id)
    return {
        "id": i.license_id,
        "spdx": info.spdx if info is not None else None,
        "confidence": i.confidence,
        "method": i.method,
        "path": i.path,
        "line_start": i.line_start,
        "line_end": i.line_end,
        "field": i.field,
        "coverage": i.coverage,
        "alternatives": list(i.alternatives),
        "note": i.note,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "field": f.field,
        "fix": f.fix,
        "evidence": f.evidence,
    }


def rail_dict(a: RailAnalysis) -> dict[str, Any]:
    return {
        "path": a.path,
        "reference": a.reference,
        "similarity": a.similarity,
        "modified": a.is_modified,
        "restrictions": [asdict(r) for r in a.restrictions],
        "clauses": [asdict(c) for c in a.clauses],
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "genai-tracker", "version": __version__},
        "target": report.target,
        "licenses": {
            "declared": [identification_dict(i) for i in report.declared],
            "detected": [identification_dict(i) for i in report.detected],
        },
        "base_models": [
            {
                "repo_id": b.repo_id,
                "found_in": b.found_in,
                "line": b.line,
                "license": b.license_id,
                "license_source": b.license_source,
            }
            for b in report.base_models
        ],
        "rail_analysis": [rail_dict(a) for a in report.rail],
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [finding_dict(s.finding) | {"reason": s.reason} for s in report.suppressed],
        "summary": {
            "error": report.count(Severity.ERROR),
            "warning": report.count(Severity.WARNING),
            "info": report.count(Severity.INFO),
            "compliant": not report.fails(Severity.WARNING),
        },
    }


def format_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
