"""Access to the shared real-data corpus (../shared beside the checkout) for tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

from auditors.repo import RepoFile, RepoView

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENAI_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def corpus_file(rel: str) -> RepoFile:
    path = CORPUS / rel
    return RepoFile.from_bytes(path.name, path.read_bytes())


def corpus_repo(
    repo_id: str | None, card: str | None, files: dict[str, str] | None = None
) -> RepoView:
    """A repo arranged from corpus files: `card` is README.md; `files` maps name -> corpus path."""
    view = RepoView(name=repo_id or "local", repo_id=repo_id)
    if card is not None:
        data = (CORPUS / card).read_bytes()
        view.add(RepoFile.from_bytes("README.md", data))
    for name, rel in (files or {}).items():
        view.add(RepoFile.from_bytes(name, (CORPUS / rel).read_bytes()))
    return view


def arrange(case: dict[str, object]) -> RepoView:
    """Build the repo a case in tests/fixtures/audit-cases.yaml describes."""
    files = case.get("files") or {}
    assert isinstance(files, dict)
    view = corpus_repo(case.get("repo_id"), case.get("card"), files)  # type: ignore[arg-type]
    if case.get("edit") == "unclose-front-matter":
        card = view.files["README.md"]
        assert card.text is not None
        lines = card.text.split("\n")
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
        view.add(RepoFile("README.md", "\n".join(lines[:close] + lines[close + 1 :]), card.size))
    if case.get("set_license"):
        card = view.files["README.md"]
        assert card.text is not None
        text = re.sub(r"(?m)^license:.*$", f"license: {case['set_license']}", card.text, count=1)
        view.add(RepoFile("README.md", text, card.size))
    for name in case.get("binary") or []:  # type: ignore[attr-defined]
        view.add(RepoFile.from_bytes(name, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)))
    return view
