"""Reading one repository folder of a snapshot directory, for the Hub and GitHub services.

A snapshot holds `hub/<owner>/<name>/...` and `github/<owner>/<name>/...`. Each repo folder is
the repo's files as they are, plus optional control files (dot-files named in CONTROL_FILES)
that override synthesised metadata and are never served as repo files. Hashes are computed from
file contents only, so the same folder always gives the same commit id and ETags.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Files that configure the replay server rather than belong to the repo.
CONTROL_FILES = frozenset({".model_info.json", ".github_license.json", ".github_repo.json"})

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def blob_sha(data: bytes) -> str:
    """Git's blob id for `data` (what the Hub sends as the ETag of a non-LFS file)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def iso_time(timestamp: float) -> str:
    """`2023-08-23T21:15:42.000Z`, the Hub's timestamp format."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class SnapshotRepo:
    """One repo folder: its files, their bytes, and stable content hashes."""

    owner: str
    name: str
    root: Path

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def files(self) -> list[str]:
        """Repo file paths (POSIX, relative), sorted, without control files or `.git/`."""
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if path.is_file() and rel not in CONTROL_FILES and not rel.startswith(".git/"):
                found.append(rel)
        return sorted(found)

    def read(self, rel_path: str) -> bytes | None:
        """The bytes of a repo file, or None when `rel_path` is not one of `files()`."""
        if rel_path not in self.files():
            return None
        return (self.root / rel_path).read_bytes()

    def is_dir(self, rel_path: str) -> bool:
        prefix = rel_path.strip("/") + "/"
        return any(f.startswith(prefix) for f in self.files())

    def commit_sha(self) -> str:
        """A 40-hex id that changes exactly when a file's path or content changes."""
        digest = hashlib.sha1()
        for rel in self.files():
            digest.update(f"{rel}\x00{blob_sha((self.root / rel).read_bytes())}\n".encode())
        return digest.hexdigest()

    def last_modified(self) -> str:
        """The newest file modification time (the folder's own time when it is empty)."""
        times = [(self.root / rel).stat().st_mtime for rel in self.files()]
        return iso_time(max(times, default=self.root.stat().st_mtime))

    def total_size(self) -> int:
        return sum((self.root / rel).stat().st_size for rel in self.files())

    def control(self, name: str) -> dict[str, Any]:
        """The JSON object in control file `name`, or {} when there is none."""
        path = self.root / name
        if not path.is_file():
            return {}
        loaded = json.loads(path.read_text(encoding="utf-8"))
        return loaded if isinstance(loaded, dict) else {}


def find_repo(base: Path, owner: str, name: str) -> SnapshotRepo | None:
    """The repo folder `base/owner/name`, or None when absent or the names are not plain."""
    if not (_is_plain(owner) and _is_plain(name)):
        return None
    root = base / owner / name
    return SnapshotRepo(owner, name, root) if root.is_dir() else None


def _is_plain(segment: str) -> bool:
    return bool(_NAME.fullmatch(segment)) and segment not in {".", ".."}
