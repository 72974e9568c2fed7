"""Read a local model repo (a directory or a lone card file) into a RepoView.

Only what the audit reads is loaded: the card, license-like files, the policy file and small
top-level text files (a NOTICE may be named anything). Weights are never opened, and a file
over the size limit is recorded with its size instead of being read.
"""

from __future__ import annotations

from pathlib import Path

from auditors.errors import InputError
from auditors.repo import MAX_TEXT_BYTES, RepoFile, RepoView
from tracker.errors import TargetNotFound

_TEXT_SUFFIXES = {".md", ".txt", ".yaml", ".yml", ".rst", ""}


def load_directory(path: Path) -> RepoView:
    view = RepoView(name=str(path))
    for child in sorted(path.iterdir()):
        if child.is_file() and _worth_reading(child):
            view.add(_read(child, child.name))
    return view


def load_card_file(path: Path) -> RepoView:
    file = _read(path, path.name)
    if file.text is None:
        raise InputError(str(path), f"cannot audit this file as a model card: {file.problem}")
    return RepoView(name=str(path), files={path.name: file}, card_name=path.name)


def load_local(target: str) -> RepoView:
    path = Path(target)
    if path.is_dir():
        return load_directory(path)
    if path.is_file():
        return load_card_file(path)
    raise TargetNotFound(target, "no such file or directory")


def _worth_reading(path: Path) -> bool:
    probe = RepoFile(path.name, None, 0)
    return probe.is_license_file or path.suffix.lower() in _TEXT_SUFFIXES


def _read(path: Path, name: str) -> RepoFile:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            return RepoFile(name, None, size, f"too large to read as text ({size / 1e6:.1f} MB)")
        return RepoFile.from_bytes(name, path.read_bytes())
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
