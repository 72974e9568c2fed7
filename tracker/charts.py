"""Charts drawn with matplotlib (Agg), each written as SVG (the web) and PNG (email, slides).

Two shapes serve the digest and `tracker stats`: horizontal bars of counts by label (a license
mix) and lines of rates over weeks (RAIL compliance and bias-evaluation coverage). Labels taken
from cards stay text inside the image, whatever they hold; matplotlib is imported only here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_INK, _ACCENT, _SECOND, _GRID = "#1f2937", "#2563eb", "#db2777", "#e5e7eb"
_LABEL_CHARS = 40
#: 6.4 in at 120 dpi: 768 px, sharp in a 600 px email column on a 1.25x screen.
PNG_DPI = 120


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "axes.edgecolor": _GRID})
    return plt


def bars(counts: Sequence[tuple[str, int]], xlabel: str) -> Any:
    """Horizontal bars, the first pair on top."""
    plt = pyplot()
    labels = [_short(k) for k, _ in counts][::-1]
    values = [n for _, n in counts][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(counts) + 1.0))
    drawn = ax.barh(labels, values, color=_ACCENT)
    ax.bar_label(drawn, padding=3, color=_INK)
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    _tidy(ax)
    return fig


def rates(weeks: Sequence[str], rail: Sequence[float | None], bias: Sequence[float | None]) -> Any:
    """RAIL compliance and bias-evaluation coverage (fractions) week by week; None is a gap."""
    plt = pyplot()
    x = list(range(len(weeks)))
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for series, label, colour in (
        (rail, "RAIL derivatives complying", _ACCENT),
        (bias, "cards with a bias evaluation", _SECOND),
    ):
        values = [math.nan if v is None else 100 * v for v in series]  # a gap, not a zero
        ax.plot(x, values, marker="o", color=colour, label=label)
    ax.set_xticks(x, weeks)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.legend(frameon=False, loc="upper left", fontsize=9)
    ax.grid(axis="y", color=_GRID)
    _tidy(ax)
    return fig


def save(fig: Any, out_dir: Path, name: str, title: str) -> list[Path]:
    """Title the figure, write `out_dir/<name>.svg` and `.png`, close it."""
    plt = pyplot()
    fig.suptitle(title, x=0.02, ha="left", fontsize=11, color=_INK)
    fig.tight_layout()  # once: bbox_inches="tight" would lay out again for each format
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("svg", "png"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=_metadata(fmt))
        path = out_dir / f"{name}.{fmt}"
        path.write_bytes(buffer.getvalue())
        written.append(path)
    plt.close(fig)
    return written


def _metadata(fmt: str) -> dict[str, Any]:
    """No creation date or software stamp, so the same data draws the same bytes."""
    return {"Date": None} if fmt == "svg" else {"Software": None}


def _tidy(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_INK)


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
