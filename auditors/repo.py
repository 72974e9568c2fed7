"""The in-memory view of a model repository that every auditor works on.

`tracker` builds a RepoView from a directory, a Hub repo or a GitHub repo; auditors never do I/O.
Files are decoded here once: a binary or oversized file keeps its name and size and says why it
has no text, so rules can report it instead of crashing on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Files larger than this are not read as text (a 50 MB README is reported, not parsed).
MAX_TEXT_BYTES = 5 * 1024 * 1024

CARD_NAMES = ("README.md", "readme.md", "README.MD", "Readme.md", "MODEL_CARD.md", "model_card.md")
_LICENSE_FILE = re.compile(
    r"^(?:un)?licen[sc]e(?:[-_.].*)?$|^copying(?:[-_.].*)?$|^notice(?:\.(?:txt|md))?$"
    r"|^use[-_]?(?:policy|restrictions)(?:\.(?:txt|md))?$|^acceptable[-_]use[-_]policy(?:\.(?:txt|md))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RepoFile:
    """One file of the repository: its text, or the reason it has none."""

    path: str
    text: str | None
    size: int
    problem: str | None = None

    @classmethod
    def from_bytes(cls, path: str, data: bytes, max_bytes: int = MAX_TEXT_BYTES) -> RepoFile:
        size = len(data)
        if size > max_bytes:
            return cls.too_large(path, size)
        if b"\x00" in data[:8192]:
            return cls(path, None, size, "binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            return cls(path, text.replace("\r\n", "\n"), size, "not UTF-8 (read as Latin-1)")
        return cls(path, text.replace("\r\n", "\n").replace("\r", "\n"), size)

    @classmethod
    def too_large(cls, path: str, size: int) -> RepoFile:
        """A file not read because of its size (`size` in bytes, as far as it is known)."""
        return cls(path, None, size, f"too large to read as text ({size / 1_000_000:.1f} MB)")

    @property
    def is_license_file(self) -> bool:
        return bool(_LICENSE_FILE.match(self.path.rsplit("/", 1)[-1]))


@dataclass
class RepoView:
    """A repository as auditors see it: named files plus optional Hub metadata.

    `name` is what the user asked for (a path, a Hub repo id, a GitHub URL); `repo_id` is the
    Hub-style id when one is known, used for naming rules and lineage.
    """

    name: str
    files: dict[str, RepoFile] = field(default_factory=dict)
    repo_id: str | None = None
    hub_metadata: Mapping[str, Any] | None = None
    card_name: str | None = None  # a card audited on its own may have any file name

    def add(self, file: RepoFile) -> None:
        self.files[file.path] = file

    @property
    def card_file(self) -> RepoFile | None:
        if self.card_name is not None:
            return self.files.get(self.card_name)
        for name in CARD_NAMES:
            if name in self.files:
                return self.files[name]
        return None

    @property
    def license_files(self) -> list[RepoFile]:
        """Top-level files named like a license, notice or use policy, in path order."""
        return sorted(
            (f for p, f in self.files.items() if "/" not in p and f.is_license_file),
            key=lambda f: f.path,
        )
