import pytest

from auditors.errors import PolicyError
from auditors.policy import parse_policy
from auditors.report import Severity
from auditors.rules import RULES_BY_ID


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_policy(text, ".genai-tracker.yaml", RULES_BY_ID)


def test_full_policy_is_read() -> None:
    policy = parse(
        "allow_licenses: [creativeml-openrail-m]\n"
        "deny_licenses: [cc-by-nc-4.0]\n"
        "fail_on: warning\n"
        "severity: {BIAS002: off, DOC001: info}\n"
        "ignore:\n"
        "  - rule: RAIL002\n"
        "    reason: The license text ships in the weights repo beside this adapter.\n"
    )
    assert policy.allow_licenses == ("creativeml-openrail-m",)
    assert policy.severity == {"BIAS002": None, "DOC001": Severity.INFO}
    assert policy.ignored("RAIL002", "README.md") is not None
    assert policy.fail_on == "warning"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alow_licenses: [mit]\n", "unknown key(s) alow_licenses"),
        ("severity: {RAIL999: off}\n", "unknown rule id 'RAIL999'"),
        ("severity: {RAIL001: fatal}\n", "must be error|warning|info|off"),
        ("ignore:\n  - rule: RAIL002\n", "needs a written reason"),
        ("ignore:\n  - rule: RAIL002\n    reason: ok\n", "needs a written reason"),
        ("ignore:\n  - rule: RAIL002\n    why: because of reasons\n", "unknown key(s) why"),
        ("fail_on: sometimes\n", "fail_on must be one of"),
        ("license: [mit\n", "not valid YAML"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_bad_policies_are_errors_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse(text)
    assert message in str(err.value)
    assert str(err.value).startswith(".genai-tracker.yaml: ")
