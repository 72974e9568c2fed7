"""The digest's charts (tracker.charts draws them), as SVG for the web and PNG for email.

Mail clients do not show SVG, and browsers show PNG blurry, so each chart is drawn in both.
Pages reference the files with `<img>`, never inline: a license name taken from a card is
then only text inside an image, whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.digest.content import DigestContent


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
    from tracker import charts as draw

    charts = charts_for(content)
    for chart in charts:
        if chart.name == "license-mix":
            fig = draw.bars(content.license_mix[:10], "new derivatives")
        else:
            weeks = [p.week.split("-")[1] for p in content.rates]
            rail = [p.rail_compliance for p in content.rates]
            fig = draw.rates(weeks, rail, [p.bias_evaluation for p in content.rates])
        draw.save(fig, out_dir, chart.name, chart.title)
    return charts
