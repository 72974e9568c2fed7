"""What counts as a change between two snapshots (pure rules, no database)."""

from tracker.events import State, changes


def state(license_id: str | None, *rules: str) -> State:
    keys = {(r, "README.md"): f"{r} fired" for r in rules}
    return State(license_id, frozenset(keys), keys)


def kinds(before: State | None, after: State) -> list[tuple[str, object]]:
    return [(c.kind, c.detail) for c in changes(before, after)]


def test_first_snapshot_is_a_new_artifact() -> None:
    assert kinds(None, state("mit")) == [("new-artifact", {"license": "mit"})]


def test_license_from_none_to_agpl() -> None:
    assert ("license-changed", {"from": None, "to": "agpl-3.0"}) in kinds(
        state(None), state("agpl-3.0")
    )


def test_findings_raised_and_resolved_carry_their_message() -> None:
    got = kinds(state("mit", "RAIL001", "DOC001"), state("mit", "DOC001", "LIC004"))
    assert (
        "finding-raised",
        {"rule": "LIC004", "path": "README.md", "message": "LIC004 fired"},
    ) in got
    assert (
        "finding-resolved",
        {"rule": "RAIL001", "path": "README.md", "message": "RAIL001 fired"},
    ) in got
    assert not any(d.get("rule") == "DOC001" for _, d in got if isinstance(d, dict))


def test_bias_evaluation_added_and_removed_follow_bias002() -> None:
    assert kinds(state("mit", "BIAS002"), state("mit")) == [("bias-eval-added", {})]
    assert kinds(state("mit"), state("mit", "BIAS002")) == [("bias-eval-removed", {})]


def test_no_change_no_events() -> None:
    assert changes(state("mit", "BIAS002"), state("mit", "BIAS002")) == []
