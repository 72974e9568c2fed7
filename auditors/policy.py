"""A maintainer's policy: licenses allowed or denied, severity overrides, justified ignores.

Read from `.genai-tracker.yaml` in the audited repo or a file given with `--config`. Every key
is checked: an unknown key, a misspelt rule id or an ignore without a written reason is an
error, never silently dropped, because a policy that quietly does nothing is worse than none.

    allow_licenses: [creativeml-openrail-m, openrail++]   # anything else -> POL001
    deny_licenses: [cc-by-nc-4.0]                          # these -> POL001
    fail_on: warning                                       # error | warning | never
    severity: {BIAS002: off, DOC001: info}                 # error | warning | info | off
    ignore:
      - rule: RAIL002
        path: README.md                                    # optional
        reason: "License text ships in the parent repo's weights folder (see LICENSE-weights)."
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditors.errors import PolicyError
from auditors.report import Severity

POLICY_FILENAMES = (".genai-tracker.yaml", ".genai-tracker.yml")
_KEYS = {"allow_licenses", "deny_licenses", "fail_on", "severity", "ignore"}
_IGNORE_KEYS = {"rule", "path", "reason"}
FAIL_ON = ("error", "warning", "never")


@dataclass(frozen=True)
class Ignore:
    rule: str
    reason: str
    path: str | None = None


@dataclass(frozen=True)
class Policy:
    source: str = "(defaults)"
    allow_licenses: tuple[str, ...] = ()
    deny_licenses: tuple[str, ...] = ()
    fail_on: str | None = None
    severity: Mapping[str, Severity | None] = field(default_factory=dict)  # None = rule off
    ignore: tuple[Ignore, ...] = ()

    def ignored(self, rule: str, path: str | None) -> Ignore | None:
        for ig in self.ignore:
            if ig.rule == rule and (ig.path is None or ig.path == path):
                return ig
        return None


def parse_policy(text: str, source: str, rule_ids: Collection[str]) -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(source, f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    if data is None:
        return Policy(source)
    if not isinstance(data, dict):
        raise PolicyError(source, "expected a mapping of settings")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise PolicyError(
            source, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}"
        )
    fail_on = data.get("fail_on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise PolicyError(source, f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    return Policy(
        source=source,
        allow_licenses=_str_list(data, "allow_licenses", source),
        deny_licenses=_str_list(data, "deny_licenses", source),
        fail_on=fail_on,
        severity=_severities(data.get("severity") or {}, source, rule_ids),
        ignore=tuple(_ignore(i, source, rule_ids) for i in data.get("ignore") or ()),
    )


def _str_list(data: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(source, f"{key} must be a list of license ids")
    return tuple(value)


def _severities(raw: Any, source: str, rule_ids: Collection[str]) -> dict[str, Severity | None]:
    if not isinstance(raw, dict):
        raise PolicyError(source, "severity must map rule ids to error|warning|info|off")
    out: dict[str, Severity | None] = {}
    for rule, level in raw.items():
        _known_rule(rule, source, rule_ids)
        if level in ("off", False):
            out[rule] = None
        elif level in ("error", "warning", "info"):
            out[rule] = Severity(level)
        else:
            raise PolicyError(
                source, f"severity of {rule} must be error|warning|info|off, not {level!r}"
            )
    return out


def _ignore(raw: Any, source: str, rule_ids: Collection[str]) -> Ignore:
    if not isinstance(raw, dict):
        raise PolicyError(source, f"each ignore entry must be a mapping, not {raw!r}")
    unknown = sorted(set(raw) - _IGNORE_KEYS)
    if unknown:
        raise PolicyError(source, f"unknown key(s) {', '.join(unknown)} in ignore entry")
    rule = raw.get("rule")
    _known_rule(rule, source, rule_ids)
    reason = raw.get("reason")
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise PolicyError(
            source, f"ignore of {rule} needs a written reason (a sentence, not {reason!r})"
        )
    path = raw.get("path")
    return Ignore(str(rule), reason.strip(), str(path) if path else None)


def _known_rule(rule: Any, source: str, rule_ids: Collection[str]) -> None:
    if rule not in rule_ids:
        raise PolicyError(source, f"unknown rule id {rule!r} (see `tracker rules`)")
