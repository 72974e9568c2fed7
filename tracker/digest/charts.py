"""The digest's charts, drawn with matplotlib (Agg) as SVG for the web and PNG for email.

Mail clients do not show SVG, and browsers show PNG blurry, so each chart is drawn in both.
Pages reference the files with `<img>`, never inline: a license name taken from a card is
then only text inside an image, whatever it holds.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.digest.content import DigestContent

_INK, _ACCENT, _SECOND, _GRID = "#1f2937", "#2563eb", "#db2777", "#e5e7eb"
_LABEL_CHARS = 40
#: 6.4 in at 120 dpi: 768 px, sharp in a 600 px email column on a 1.25x screen.
PNG_DPI = 120


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: charts/<name>.svg and .png
    title: str
    alt: str  # what it shows, for screen readers and mail clients that block images

    @property
    def content_id(self) -> str:
        """What an email's HTML names with `cid:` (and, in <>, the PNG part's Content-ID)."""
        return f"{self.name}@genai-tracker"


def charts_for(content: DigestContent) -> list[Chart]:
    """The charts this week has data for (none for a week with nothing to plot)."""
    out = []
    if content.license_mix:
        top = ", ".join(f"{k} {n}" for k, n in content.license_mix[:5])
        out.append(
            Chart("license-mix", "Licenses of this week's new derivatives", f"Bar chart: {top}")
        )
    if any(p.rail_compliance is not None or p.bias_evaluation is not None for p in content.rates):
        out.append(
            Chart(
                "rates",
                f"Compliance and bias-evaluation rates, last {len(content.rates)} weeks",
                "Line chart of the share of RAIL derivatives that comply and of model cards "
                "reporting a bias evaluation, week by week",
            )
        )
    return out


def draw_charts(content: DigestContent, out_dir: Path) -> list[Chart]:
    """Write every chart of `content` as `out_dir/<name>.svg` and `.png`."""
    charts = charts_for(content)
    if not charts:
        return charts
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "axes.edgecolor": _GRID})
    out_dir.mkdir(parents=True, exist_ok=True)
    for chart in charts:
        fig = _license_mix(plt, content) if chart.name == "license-mix" else _rates(plt, content)
        fig.suptitle(chart.title, x=0.02, ha="left", fontsize=11, color=_INK)
        fig.tight_layout()  # once: bbox_inches="tight" would lay out again for each format
        for fmt in ("svg", "png"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=_metadata(fmt))
            (out_dir / f"{chart.name}.{fmt}").write_bytes(buffer.getvalue())
        plt.close(fig)
    return charts


def _metadata(fmt: str) -> dict[str, Any]:
    """No creation date or software stamp, so the same week draws the same bytes."""
    return {"Date": None} if fmt == "svg" else {"Software": None}


def _license_mix(plt: Any, content: DigestContent) -> Any:
    mix = content.license_mix[:10]
    labels = [_short(k) for k, _ in mix][::-1]
    counts = [n for _, n in mix][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(mix) + 1.0))
    bars = ax.barh(labels, counts, color=_ACCENT)
    ax.bar_label(bars, padding=3, color=_INK)
    ax.set_xlabel("new derivatives")
    ax.xaxis.get_major_locator().set_params(integer=True)
    _tidy(ax)
    return fig


def _rates(plt: Any, content: DigestContent) -> Any:
    weeks = [p.week.split("-")[1] for p in content.rates]
    x = list(range(len(weeks)))
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for series, label, colour in (
        ([p.rail_compliance for p in content.rates], "RAIL derivatives complying", _ACCENT),
        ([p.bias_evaluation for p in content.rates], "cards with a bias evaluation", _SECOND),
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


def _tidy(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_INK)


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
