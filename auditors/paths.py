"""Where the project's data lives: `data/` in a checkout, `auditors/_data` in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir() -> Path:
    bundled = _HERE / "_data"
    return bundled if bundled.is_dir() else _HERE.parent / "data"


def templates_dir() -> Path:
    bundled = _HERE.parent / "tracker" / "_templates"
    return bundled if bundled.is_dir() else _HERE.parent / "templates"
