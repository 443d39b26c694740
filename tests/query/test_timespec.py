"""timespec: the filter over a photo's EXIF time — intersecting filters, describing them, and
applying one to many photos at once (mask agrees with matches)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from daemon.query.timespec import NEVER, DateRange, DayWindow, TimeSpec
from daemon.query.when import find_time

TODAY = date(2025, 7, 16)  # as in test_when.py: the reader's specs are among those masked


def _local_seconds(when: datetime) -> int:
    return int((when - datetime(1970, 1, 1)).total_seconds())


def test_intersect() -> None:
    summer = TimeSpec(yearly=(DayWindow((6, 1), (8, 31)),))
    year_2023 = TimeSpec((DateRange(date(2023, 1, 1), date(2023, 12, 31)),))
    evening = TimeSpec(hours=(17, 23))
    weekend = TimeSpec(weekdays=frozenset({5, 6}))
    # a year meets a yearly window as that year's dates
    assert summer.intersect(year_2023) == TimeSpec((DateRange(date(2023, 6, 1),
                                                              date(2023, 8, 31)),))
    assert summer.intersect(TimeSpec()) == summer
    both = summer.intersect(evening).intersect(weekend)
    assert both == TimeSpec(yearly=summer.yearly, hours=(17, 23), weekdays=frozenset({5, 6}))
    # windows across New Year
    winter = TimeSpec(yearly=(DayWindow((12, 1), (2, 29)),))
    holidays = TimeSpec(yearly=(DayWindow((12, 31), (1, 8)),))
    assert winter.intersect(holidays).yearly == (DayWindow((12, 31), (1, 8)),)
    assert winter.intersect(summer) == NEVER
    # hours across midnight
    night = TimeSpec(hours=(23, 5))
    assert night.intersect(TimeSpec(hours=(3, 12))).hours == (3, 5)
    assert night.intersect(evening) == NEVER
    assert weekend.intersect(TimeSpec(weekdays=frozenset({0}))) == NEVER
    assert NEVER.intersect(TimeSpec()) == NEVER


def _random_specs(rng: np.random.Generator) -> list[TimeSpec]:
    specs = [find_time(q, TODAY).spec for q in (
        "зимой", "ночью", "на Новый год", "в выходные летом вечером", "на Пасху",
        "летом с 1990 по 2025", "вчера вечером", "ночью 31 декабря", "в феврале")]
    for _ in range(40):
        def day() -> tuple[int, int]:
            month = int(rng.integers(1, 13))
            return month, int(rng.integers(1, (29 if month == 2 else 30) + 1))

        first = date(1960, 1, 1) + timedelta(int(rng.integers(0, 25000)))
        ranges = tuple(DateRange(first + timedelta(int(k)), first + timedelta(int(k + n)))
                       for k, n in rng.integers(0, 4000, size=(int(rng.integers(0, 3)), 2)))
        specs.append(TimeSpec(
            ranges=ranges,
            yearly=tuple(DayWindow(day(), day()) for _ in range(int(rng.integers(0, 3)))),
            hours=tuple(int(h) for h in rng.integers(0, 24, 2)) if rng.random() < 0.5 else None,
            weekdays=frozenset(int(d) for d in rng.integers(0, 7, int(rng.integers(0, 4)))),
        ))
    return specs


def test_mask_agrees_with_matches() -> None:
    rng = np.random.default_rng(7)
    # a few thousand moments from 1950 to 2030, before 1970 too, and the edges of days
    seconds = rng.integers(_local_seconds(datetime(1950, 1, 1)),
                           _local_seconds(datetime(2030, 1, 1)), 3000)
    seconds = np.concatenate([seconds, seconds // 86400 * 86400, seconds // 86400 * 86400 - 1])
    moments = [datetime(1970, 1, 1) + timedelta(seconds=int(s)) for s in seconds]
    for spec in _random_specs(rng):
        mask = spec.mask(seconds)
        expected = np.array([spec.matches(m) for m in moments])
        assert mask.dtype == bool and mask.shape == seconds.shape
        wrong = np.flatnonzero(mask != expected)
        assert wrong.size == 0, (spec, moments[wrong[0]] if wrong.size else None)


def test_describe_is_one_line_per_part() -> None:
    assert TimeSpec().describe() == "любое время"
    spec = TimeSpec((DateRange(date(2023, 3, 8), date(2023, 3, 8)),
                     DateRange(date(2024, 1, 1), date(2024, 1, 31))),
                    hours=(23, 5), weekdays=frozenset({6, 0}))
    assert spec.describe() == "2023-03-08 | 2024-01-01..2024-01-31 & часы 23..5 & дни пн,вс"
