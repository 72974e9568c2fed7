"""ISO weeks: what a digest covers (`2026-W47` is Monday 16 to Sunday 22 November 2026, UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tracker.errors import ConfigError

_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W47` (or `2026W47`); a ConfigError naming the input when it is not one."""
        m = _WEEK.match(text.strip())
        if m is None:
            raise ConfigError(f"--week {text!r}: expected an ISO week such as 2026-W47")
        year, week = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ConfigError(f"--week {text!r}: {year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, moment: datetime) -> IsoWeek:
        iso = moment.astimezone(UTC).isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, now: datetime) -> IsoWeek:
        """The last week that has ended by `now`: the one before the week `now` is in."""
        return cls.of(now).previous()

    @property
    def start(self) -> datetime:
        """Monday 00:00 UTC."""
        monday = date.fromisocalendar(self.year, self.week, 1)
        return datetime.combine(monday, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 UTC (exclusive)."""
        return self.start + timedelta(days=7)

    def previous(self, weeks: int = 1) -> IsoWeek:
        return IsoWeek.of(self.start - timedelta(days=7 * weeks))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def span(self) -> str:
        """`16–22 Nov 2026`, for titles."""
        last = self.end - timedelta(days=1)
        if self.start.month == last.month:
            return f"{self.start.day}–{last.day} {last:%b %Y}"
        return f"{self.start:%-d %b} – {last:%-d %b %Y}"
