"""The filter over when a photo was taken (TimeSpec) and the calendar arithmetic behind it.

A TimeSpec is four conditions that must all hold; each left empty (None for hours) allows any:
- ranges: absolute dates, DateRange first..last with both days included;
- yearly: days of every year, DayWindow (month, day)..(month, day), which may wrap past New
  Year (winter 12-01..02-29); windows are reckoned in a leap year, so a window ending on
  02-29 ends on the 28th in other years and a leap day matches;
- hours: [from, to) of the local hour, which may wrap past midnight (night 23..5);
- weekdays: 0 = Monday .. 6 = Sunday.
TimeSpec() matches every photo; NEVER, whose only range holds no day, matches none
(TimeSpec.never tells a contradiction). intersect() is «both must hold»: ranges meeting yearly
windows become the ranges' days inside them (2023 and summer = 2023-06-01..2023-08-31), and a
contradiction is NEVER. describe() is one line for the user and the logs.

matches() tests one naive local datetime. mask() tests many photos at once: it takes int64
seconds of local wall-clock time since 1970-01-01 00:00, the EXIF time counted as if it were
UTC with no time zone applied (daemon/index/store.py's local_seconds). The day is
seconds // 86400, floored so that times before 1970 fall on the right day; the hour is
(seconds // 3600) % 24; the weekday (day + 3) % 7, as 1970-01-01 was a Thursday. For every
element, mask(s)[i] == matches(datetime(1970, 1, 1) + timedelta(seconds=s[i])).

daemon/query/when.py reads the Russian words of a query into TimeSpecs; the helpers here that
it uses too (shift, occurrence, merge_ranges, orthodox_easter…) are public, the rest private.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

import numpy as np

from daemon.query.when_words import WEEKDAY_SHORT

_EPOCH = date(1970, 1, 1).toordinal()


# ---------------------------------------------------------------- the filter


@dataclass(frozen=True)
class DateRange:
    first: date  # inclusive
    last: date  # inclusive


@dataclass(frozen=True)
class DayWindow:
    """Days of every year, (month, day) inclusive; may wrap past New Year (12-31..01-01)."""

    first: tuple[int, int]
    last: tuple[int, int]

    def contains(self, month: int, day: int) -> bool:
        if self.first <= self.last:
            return self.first <= (month, day) <= self.last
        return (month, day) >= self.first or (month, day) <= self.last


@dataclass(frozen=True)
class TimeSpec:
    ranges: tuple[DateRange, ...] = ()  # a date in any of them; empty: any date
    yearly: tuple[DayWindow, ...] = ()  # a day of the year in any of them; empty: any
    hours: tuple[int, int] | None = None  # [from, to) local hour, may wrap (ночью: 23, 5)
    weekdays: frozenset[int] = frozenset()  # 0 = Monday; empty: any

    @property
    def never(self) -> bool:
        """True for a contradiction («летом в январе»): no photo matches."""
        return bool(self.ranges) and all(r.first > r.last for r in self.ranges)

    def matches(self, when: datetime) -> bool:
        """when: naive local wall-clock time."""
        day = when.date()
        return (
            (not self.ranges or any(r.first <= day <= r.last for r in self.ranges))
            and (not self.yearly or any(w.contains(day.month, day.day) for w in self.yearly))
            and (self.hours is None or when.hour in hour_set(self.hours))
            and (not self.weekdays or day.weekday() in self.weekdays)
        )

    def mask(self, local_seconds: np.ndarray) -> np.ndarray:
        """local_seconds: int64 seconds of local wall-clock time since 1970-01-01 00:00."""
        seconds = np.asarray(local_seconds, dtype=np.int64)
        days = seconds // 86400  # floor division: right for times before 1970 too
        ok = np.ones(seconds.shape, dtype=bool)
        if self.ranges:
            merged = merge_ranges(self.ranges)
            if not merged:
                return np.zeros(seconds.shape, dtype=bool)
            firsts = np.array([r.first.toordinal() - _EPOCH for r in merged], dtype=np.int64)
            lasts = np.array([r.last.toordinal() - _EPOCH for r in merged], dtype=np.int64)
            # the ranges are sorted and apart: only the last one starting before can hold it
            k = np.searchsorted(firsts, days, side="right") - 1
            ok &= (k >= 0) & (days <= lasts[np.maximum(k, 0)])
        if self.yearly:
            as_days = days.astype("datetime64[D]")
            months = as_days.astype("datetime64[M]")
            month_day = (months.astype(np.int64) % 12 + 1) * 100 + (
                (as_days - months.astype("datetime64[D]")).astype(np.int64) + 1)
            inside = np.zeros(seconds.shape, dtype=bool)
            for w in self.yearly:
                first, last = w.first[0] * 100 + w.first[1], w.last[0] * 100 + w.last[1]
                if first <= last:
                    inside |= (month_day >= first) & (month_day <= last)
                else:
                    inside |= (month_day >= first) | (month_day <= last)
            ok &= inside
        if self.hours is not None:
            ok &= _lookup(hour_set(self.hours), 24)[(seconds // 3600) % 24]
        if self.weekdays:
            ok &= _lookup(self.weekdays, 7)[(days + 3) % 7]  # 1970-01-01 was a Thursday
        return ok

    def describe(self) -> str:
        """One line: «2023-06-01..2023-08-31», «каждый год 06-01..08-31 & дни сб,вс»."""
        if self.never:
            return "никогда"
        parts = []
        if self.ranges:
            parts.append(" | ".join(_range_text(r) for r in merge_ranges(self.ranges)))
        if self.yearly:
            parts.append("каждый год " + " | ".join(_window_text(w) for w in self.yearly))
        if self.hours is not None:
            parts.append(f"часы {self.hours[0]}..{self.hours[1]}")
        if self.weekdays:
            parts.append("дни " + ",".join(WEEKDAY_SHORT[d] for d in sorted(self.weekdays)))
        return " & ".join(parts) or "любое время"

    def intersect(self, other: TimeSpec) -> TimeSpec:
        """Both must hold. A contradiction is NEVER; a year meets a yearly window as dates."""
        if self.never or other.never:
            return NEVER
        ranges, yearly = self.ranges or other.ranges, self.yearly or other.yearly
        if self.ranges and other.ranges:
            ranges = merge_ranges([DateRange(max(a.first, b.first), min(a.last, b.last))
                                    for a in self.ranges for b in other.ranges])
            if not ranges:
                return NEVER
        if self.yearly and other.yearly:
            yearly = windows([arc for a in self.yearly for b in other.yearly
                               for arc in _arcs_intersection(a, b)])
            if not yearly:
                return NEVER
        if ranges and yearly:
            ranges, yearly = _resolve(ranges, yearly), ()
            if not ranges:
                return NEVER
        hours = self.hours if other.hours is None else other.hours
        if self.hours is not None and other.hours is not None:
            common = hour_set(self.hours) & hour_set(other.hours)
            if not common:
                return NEVER
            hours = hours_arc(common)
        weekdays = self.weekdays or other.weekdays
        if self.weekdays and other.weekdays:
            weekdays = self.weekdays & other.weekdays
            if not weekdays:
                return NEVER
        return TimeSpec(ranges, yearly, hours, weekdays)


NEVER = TimeSpec(ranges=(DateRange(date.max, date.min),))


# ------------------------------------------------------- calendar arithmetic


def shift(day: date, days: int = 0, months: int = 0) -> date:
    if months:
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        day = date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
    return day + timedelta(days=days)


def month_days(month: int) -> int:
    return monthrange(2000, month)[1]  # a leap year: February has 29 in yearly windows


def day_or_next(year: int, month: int, day: int) -> date:
    """date(year, month, day), or the first of the next month if the month is too short."""
    days = monthrange(year, month)[1]
    return date(year, month, day) if day <= days else date(year, month, days) + timedelta(1)


def day_or_last(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def occurrence(window: DayWindow, year: int) -> DateRange | None:
    """The window's days that end in that year (a wrapping window starts the year before)."""
    start_year = year - 1 if window.first > window.last else year
    if start_year < MINYEAR or year > MAXYEAR:
        return None
    first, last = day_or_next(start_year, *window.first), day_or_last(year, *window.last)
    return DateRange(first, last) if first <= last else None


def _resolve(ranges: Sequence[DateRange], yearly: Sequence[DayWindow]) -> tuple[DateRange, ...]:
    """The days of the ranges inside the yearly windows, as absolute ranges."""
    days = []
    for r in ranges:
        for w in yearly:
            for year in range(max(r.first.year, MINYEAR + 1), min(r.last.year + 1, MAXYEAR) + 1):
                found = occurrence(w, year)
                if found is not None:
                    days.append(DateRange(max(r.first, found.first), min(r.last, found.last)))
    return merge_ranges(days)


def merge_ranges(ranges: Iterable[DateRange]) -> tuple[DateRange, ...]:
    """Sorted, without empty ones, overlapping and touching ones joined."""
    merged: list[DateRange] = []
    for r in sorted((r for r in ranges if r.first <= r.last), key=lambda r: r.first):
        if merged and r.first.toordinal() <= merged[-1].last.toordinal() + 1:
            merged[-1] = DateRange(merged[-1].first, max(merged[-1].last, r.last))
        else:
            merged.append(r)
    return tuple(merged)


def _day_of_leap_year(month_day: tuple[int, int]) -> int:
    return date(2000, *month_day).timetuple().tm_yday


def arcs(window: DayWindow) -> list[tuple[int, int]]:
    """The window as days 1..366 of a leap year, split at New Year."""
    first, last = _day_of_leap_year(window.first), _day_of_leap_year(window.last)
    return [(first, last)] if first <= last else [(first, 366), (1, last)]


def _arcs_intersection(a: DayWindow, b: DayWindow) -> list[tuple[int, int]]:
    return [(max(x[0], y[0]), min(x[1], y[1])) for x in arcs(a) for y in arcs(b)
            if max(x[0], y[0]) <= min(x[1], y[1])]


def windows(arcs: Sequence[tuple[int, int]]) -> tuple[DayWindow, ...]:
    """Days of a leap year back to windows: touching ones joined, rejoined across New Year."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(arcs):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    if len(merged) > 1 and merged[0][0] == 1 and merged[-1][1] == 366:
        merged = merged[1:-1] + [(merged[-1][0], merged[0][1])]

    def month_day(day: int) -> tuple[int, int]:
        d = date(2000, 1, 1) + timedelta(day - 1)
        return d.month, d.day

    return tuple(DayWindow(month_day(a), month_day(b)) for a, b in merged)


def hour_set(hours: tuple[int, int]) -> set[int]:
    start, end = hours
    return {h for h in range(24) if (start <= h < end if start < end else h >= start or h < end)}


def hours_arc(hours: set[int]) -> tuple[int, int] | None:
    """The shortest [from, to) holding those hours; None for all 24."""
    missing = set(range(24)) - hours
    if not missing:
        return None
    gaps = []  # (length, first hour) of each run of missing hours
    for start in missing:
        if (start - 1) % 24 not in missing:
            length = 1
            while (start + length) % 24 in missing:
                length += 1
            gaps.append((length, start))
    length, start = max(gaps)
    return (start + length) % 24, start


def _lookup(values: Iterable[int], size: int) -> np.ndarray:
    table = np.zeros(size, dtype=bool)
    table[list(values)] = True
    return table


def _range_text(r: DateRange) -> str:
    return r.first.isoformat() if r.first == r.last else f"{r.first}..{r.last}"


def _window_text(w: DayWindow) -> str:
    first, last = f"{w.first[0]:02}-{w.first[1]:02}", f"{w.last[0]:02}-{w.last[1]:02}"
    return first if first == last else f"{first}..{last}"


def orthodox_easter(year: int) -> date:
    """Meeus' Julian-calendar algorithm, moved to the Gregorian calendar."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    julian = date(year, (d + e + 114) // 31, (d + e + 114) % 31 + 1)
    return julian + timedelta(days=year // 100 - year // 400 - 2)
