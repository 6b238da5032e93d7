"""When a job is due and which slot it fills: the 15-minute window (`2026-03-16T09:15`), the
day (`2026-03-16`) or the month (`2026-03`). A slot runs at most once (job_runs' key), so a
second `python -m jobs run` in the same slot does nothing: cron may fire twice, a timer may
catch up, a person may run it by hand.

Business days are Monday to Friday less the firm's public holidays (rules/billing_day.py)."""

from __future__ import annotations

import tomllib
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

CONFIG_PATH = Path(__file__).with_name("config.toml")


@dataclass(frozen=True)
class Schedule:
    job: str
    enabled: bool = True
    every_minutes: int | None = None
    at: time | None = None
    business_day: int | None = None  # Nth business day of the month; -1 the last

    def slot(self, now: datetime, off: set[date]) -> str | None:
        """The slot `now` falls in when the job is due, else None."""
        if not self.enabled:
            return None
        if self.every_minutes:
            minute = (now.hour * 60 + now.minute) // self.every_minutes * self.every_minutes
            return f"{now.date()}T{minute // 60:02d}:{minute % 60:02d}"
        if self.at is not None and now.time() < self.at:
            return None
        if self.business_day is not None:
            if now.date() != nth_business_day(now.year, now.month, self.business_day, off):
                return None
            return f"{now.year}-{now.month:02d}"
        return now.date().isoformat()


def nth_business_day(year: int, month: int, nth: int, off: set[date]) -> date:
    """The `nth` business day of the month (1 the first, -1 the last)."""
    days = [date(year, month, d) for d in range(1, monthrange(year, month)[1] + 1)]
    business = [d for d in days if d.weekday() < 5 and d not in off]
    return business[nth - 1 if nth > 0 else nth]


def _time(text: str, job: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"jobs config: [{job}] at = {text!r} is not HH:MM") from None


def load_schedules(path: Path | None = None) -> dict[str, Schedule]:
    """Reads the jobs config (default jobs/config.toml, or $JOBS_CONFIG)."""
    path = path or CONFIG_PATH
    data = tomllib.loads(path.read_text())
    schedules = {}
    for job, values in data.items():
        unknown = set(values) - {"enabled", "every_minutes", "at", "business_day"}
        if unknown:
            raise ValueError(f"jobs config: [{job}] unknown key(s) {', '.join(sorted(unknown))}")
        every = values.get("every_minutes")
        if every is not None and not (isinstance(every, int) and 1 <= every <= 1440):
            raise ValueError(f"jobs config: [{job}] every_minutes must be 1..1440")
        schedules[job] = Schedule(
            job,
            bool(values.get("enabled", True)),
            every,
            _time(values["at"], job) if "at" in values else None,
            values.get("business_day"),
        )
    return schedules


def previous_business_day(day: date, off: set[date]) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5 or day in off:
        day -= timedelta(days=1)
    return day
