"""Turn an audit TARGET (path, card file, Hub repo id, GitHub URL) into a RepoView."""

from __future__ import annotations

import re
from pathlib import Path

from auditors.repo import RepoView
from tracker.errors import TargetNotFound
from tracker.local import load_local
from tracker.settings import Settings

_GITHUB = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/[\w.-]+/[\w.-]+/?$")
_HUB_ID = re.compile(r"^[\w][\w.-]*/[\w][\w.-]*$")


def kind_of(target: str) -> str:
    """'local', 'github' or 'hub'. A path that exists wins over a look-alike repo id."""
    if Path(target).exists():
        return "local"
    if _GITHUB.match(target):
        return "github"
    if _HUB_ID.match(target):
        return "hub"
    return "local"


def load_target(target: str, settings: Settings) -> RepoView:
    kind = kind_of(target)
    if kind == "github":
        from tracker.remote import fetch_github_repo

        return fetch_github_repo(target, settings)
    if kind == "hub":
        from tracker.remote import fetch_hub_repo

        return fetch_hub_repo(target, settings)
    if not Path(target).exists():
        raise TargetNotFound(target, "no such file or directory, and not a Hub id or GitHub URL")
    return load_local(target)
