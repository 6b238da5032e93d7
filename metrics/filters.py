"""The slice of the firm a KPI is computed over: a date range (a month, a quarter to date, or
any custom range) and optional client, team and person lists. Every metric takes one, so the
CLI, the pages and the tests ask the same question the same way.

In SQL the filters arrive as the named parameters $start, $end, $clients, $teams, $people;
an empty list means "all" (see `FILTER_SQL_NOTE`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from billing.period import Period

# How the .sql files test the list filters (an empty list keeps every row):
FILTER_SQL_NOTE = "(len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), client_id))"

GRAINS = ("month", "quarter", "custom")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    clients: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    grain: str = "custom"  # month | quarter | custom: how `previous()` steps back

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the range ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def month(cls, period: Period | str, **lists: tuple[str, ...]) -> Filters:
        period = Period.parse(period) if isinstance(period, str) else period
        return cls(period.start, period.end, grain="month", **lists)

    @classmethod
    def quarter_to(cls, period: Period | str, **lists: tuple[str, ...]) -> Filters:
        """The calendar quarter up to the end of `period` (quarter to date), never past it."""
        period = Period.parse(period) if isinstance(period, str) else period
        first = Period(period.year, (period.month - 1) // 3 * 3 + 1)
        return cls(first.start, period.end, grain="quarter", **lists)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def last_month(self) -> Period:
        return Period.of(self.end)

    def previous(self) -> Filters:
        """The comparable range just before: the month before, the same stretch of the quarter
        before, or a custom range of the same length ending the day before this one starts."""
        if self.grain == "month":
            prev = self.last_month.shift(-1)
            return replace(self, start=prev.start, end=prev.end)
        if self.grain == "quarter":
            return Filters.quarter_to(
                self.last_month.shift(-3),
                clients=self.clients,
                teams=self.teams,
                people=self.people,
            )
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=self.days - 1), end=end)

    def with_range(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)

    @property
    def firm_wide(self) -> bool:
        """No client, team or person list: the whole firm."""
        return not (self.clients or self.teams or self.people)

    def params(self) -> dict[str, object]:
        """The named parameters every metrics .sql file takes."""
        return {
            "start": self.start,
            "end": self.end,
            "clients": list(self.clients),
            "teams": list(self.teams),
            "people": list(self.people),
        }

    def label(self) -> str:
        if self.grain == "month":
            return self.start.strftime("%B %Y")
        if self.grain == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"Q{quarter} {self.start.year} to {self.end:%b %d}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def trend_months(filters: Filters, months: int = 12) -> list[Filters]:
    """The `months` calendar months ending with the one that holds filters.end, oldest first,
    with the same client/team/person lists: the x axis of every 12-month trend."""
    last = filters.last_month
    return [
        Filters.month(
            last.shift(-n), clients=filters.clients, teams=filters.teams, people=filters.people
        )
        for n in range(months - 1, -1, -1)
    ]


def trend_range(filters: Filters, months: int = 12) -> tuple[list[Filters], Filters]:
    """trend_months and the one range that spans them (what a trend reads in one query)."""
    window = trend_months(filters, months)
    return window, filters.with_range(window[0].start, window[-1].end)
