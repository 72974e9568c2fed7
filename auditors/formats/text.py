"""Plain-text report for terminals and CI logs: one line per finding, then a summary."""

from __future__ import annotations

from auditors.report import Report, Severity


def _where(path: str | None, line: int | None, field: str | None) -> str:
    where = path or "(repo)"
    if line:
        where += f":{line}"
    if field:
        where += f" [{field}]"
    return where


def format_text(report: Report) -> str:
    out = [f"Audit of {report.target}"]
    declared = ", ".join(i.license_id for i in report.declared) or "none"
    detected = (
        ", ".join(
            f"{i.license_id} in {i.path} ({i.method}, {i.confidence:.0%})" for i in report.detected
        )
        or "none"
    )
    bases = (
        ", ".join(f"{b.repo_id} ({b.license_id or 'license unknown'})" for b in report.base_models)
        or "none stated"
    )
    out += [
        f"  declared license: {declared}",
        f"  detected: {detected}",
        f"  base models: {bases}",
        "",
    ]
    for f in report.findings:
        out.append(f"{_where(f.path, f.line, f.field)}: {f.severity.value} {f.rule} {f.message}")
        out.append(f"    fix: {f.fix}")
    for s in report.suppressed:
        out.append(
            f"{_where(s.finding.path, s.finding.line, None)}: ignored {s.finding.rule} "
            f"(reason: {s.reason})"
        )
    counts = ", ".join(f"{report.count(sev)} {sev.value}" for sev in Severity)
    out.append(f"\n{len(report.findings)} findings ({counts})")
    return "\n".join(out) + "\n"
