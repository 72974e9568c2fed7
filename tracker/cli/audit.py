"""`tracker audit TARGET`: findings for one model repo, with an exit code for CI."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from auditors.policy import POLICY_FILENAMES, Policy, parse_policy
from auditors.repo import RepoFile
from auditors.report import Report, Severity
from auditors.rules import RULES_BY_ID
from tracker.cli.errors import EXIT_FINDINGS
from tracker.cli.options import AuditFormat, AuditFormatOpt, FailOn, OutputOpt, ThresholdOpt
from tracker.errors import FetchError, TargetNotFound
from tracker.settings import Settings


def audit_command(
    target: Annotated[
        str, typer.Argument(help="Directory, model card file, Hub repo id or GitHub URL.")
    ],
    fmt: AuditFormatOpt = AuditFormat.text,
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            help="Exit 1 when a finding at or above this severity remains. [default: error]"
        ),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Always exit 0 (report-only CI runs).")
    ] = False,
    config: Annotated[
        Path | None, typer.Option(help="Policy file (default: .genai-tracker.yaml in the target).")
    ] = None,
    online: Annotated[
        bool | None,
        typer.Option(
            "--online/--offline",
            help="Ask the Hub for base models the knowledge base does not know. "
            "[default: online only for Hub and GitHub targets]",
        ),
    ] = None,
    threshold: ThresholdOpt = 0.6,
    baseline_sections: Annotated[
        bool,
        typer.Option(
            "--baseline-sections",
            help="Read the card's sections by headings and keywords, not the section classifier.",
        ),
    ] = False,
) -> None:
    """Audit one model repo for license compliance and bias documentation.

    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 bad input,
    bad configuration or an internal error.

    Example: tracker audit ./my-sd-finetune --format sarif -o audit.sarif --fail-on warning
    """
    from auditors.engine import audit
    from tracker.targets import kind_of, load_target

    settings = Settings.from_env()
    repo = load_target(target, settings)
    policy = load_policy(config, repo.files)
    remote = kind_of(target) != "local" if online is None else online
    resolver = _hub_resolver(settings) if remote else None
    report = audit(
        repo,
        policy=policy,
        resolve=resolver,
        threshold=threshold,
        classify_sections=not baseline_sections,
    )
    write_report(report, fmt.value, output)
    threshold_sev = _fail_threshold(fail_on, policy)
    if not exit_zero and report.fails(threshold_sev):
        raise typer.Exit(EXIT_FINDINGS)


def load_policy(config: Path | None, files: Mapping[str, RepoFile]) -> Policy:
    if config is not None:
        if not config.is_file():
            raise TargetNotFound(str(config), "policy file not found")
        return parse_policy(config.read_text(encoding="utf-8"), str(config), RULES_BY_ID)
    for name in POLICY_FILENAMES:
        f = files.get(name)
        if f is not None and f.text is not None:
            return parse_policy(f.text, name, RULES_BY_ID)
    return Policy()


def _fail_threshold(fail_on: FailOn | None, policy: Policy) -> Severity | None:
    level = fail_on.value if fail_on is not None else policy.fail_on or "error"
    return None if level == "never" else Severity(level)


def _hub_resolver(settings: Settings):  # type: ignore[no-untyped-def]
    from tracker.remote import fetch_hub_license

    def resolve(repo_id: str) -> str | None:
        try:
            license_id, license_name = fetch_hub_license(repo_id, settings)
        except FetchError:
            return None  # lineage stays "unknown" for this base; the audit goes on
        if license_id == "other" and license_name:
            return license_name
        return license_id

    return resolve


def write_report(report: Report, fmt: str, output: Path | None) -> None:
    from auditors.formats import get_formatter

    text = get_formatter(fmt)(report)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
