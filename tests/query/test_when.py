"""when: the time expressions of a query — what they mean as a filter over a photo's EXIF time
and which characters they take (the filter itself: test_timespec.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from daemon.query.when import DateRange, find_time, without_spans

GOLDEN = Path(__file__).parent / "data" / "time_expressions.tsv"
TODAY = date(2025, 7, 16)  # a Wednesday; the golden table is read against it


def _golden_rows() -> list[tuple[int, str, str]]:
    """(line number, expression, expected) of each row of the golden table."""
    lines = [(n, line) for n, line in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1)
             if line.strip() and not line.startswith("#")]
    assert lines[0][1] == "expression\texpected"
    rows = []
    for n, line in lines[1:]:
        expression, expected = line.split("\t")
        rows.append((n, expression, expected))
    return rows


def _read(query: str, today: date = TODAY) -> str:
    match = find_time(query, today)
    return "—" if match is None else match.spec.describe()


def _local_seconds(when: datetime) -> int:
    return int((when - datetime(1970, 1, 1)).total_seconds())


# ------------------------------------------------------------ the golden table


def test_golden_table_covers_every_kind_of_expression() -> None:
    rows = _golden_rows()
    assert len(rows) >= 90
    assert len({expression for _, expression, _ in rows}) == len(rows), "a row is repeated"
    assert sum(expected == "—" for *_, expected in rows) >= 20, "too few that are not time"


# the id is the row's line in the table; a failure shows the expression itself
@pytest.mark.parametrize(("line", "expression", "expected"), _golden_rows(),
                         ids=[f"tsv-line-{n}" for n, *_ in _golden_rows()])
def test_golden_expression(line: int, expression: str, expected: str) -> None:
    assert _read(expression) == expected, f"line {line}: «{expression}»"


# ------------------------------------------------ what is read and what is left


@pytest.mark.parametrize(("query", "content", "understood"), [
    ("собака на даче в июле", "собака на даче", "июль"),
    ("кошка летом 2023", "кошка", "лето 2023"),
    ("море в прошлом году", "море", "прошлый год (2024)"),
    ("собака в июле вечером", "собака", "июль, вечер"),
    ("фото с 2019 по 2021 на море", "фото на море", "с 2019 по 2021"),
    ("ёлка на Новый год", "ёлка", "Новый год"),
    ("кошка  вечером ,  на диване", "кошка, на диване", "вечер"),
    ("Москва, лето 2015!", "Москва", "лето 2015"),
    ("кот у окна в 2019 году.", "кот у окна", "2019"),
    ("-собака зимой", "-собака", "зима"),
    ("осенний парк", "парк", "осень"),
    ("весенние цветы в саду", "цветы в саду", "весна"),
])
def test_the_time_is_cut_out_and_the_content_is_left(query: str, content: str,
                                                     understood: str) -> None:
    match = find_time(query, TODAY)
    assert match is not None
    assert without_spans(query, match.spans) == content
    assert match.understood == understood


def test_spans_take_their_prepositions_and_join_across_spaces() -> None:
    query = "собака на даче в июле"
    assert find_time(query, TODAY).spans == ((15, 21),)  # «в июле», not «на даче»
    query = "кошка летом 2023 и собака в субботу"
    spans = find_time(query, TODAY).spans
    assert [query[a:b] for a, b in spans] == ["летом 2023", "в субботу"]
    assert without_spans(query, spans) == "кошка и собака"


def test_a_birthday_is_not_a_date_and_leaves_the_query_alone() -> None:
    for query in ("день рождения", "с днём рождения", "торт на день рождения", "свадьба"):
        assert find_time(query, TODAY) is None, query


def test_case_and_yo_do_not_matter() -> None:
    assert _read("ЛЕТОМ 2023") == _read("летом 2023") == "2023-06-01..2023-08-31"
    assert _read("днём") == _read("днем") == "часы 12..17"
    assert _read("Новогодние Праздники") == "каждый год 12-31..01-08"


def test_either_of_two_of_the_same_kind() -> None:
    # joined by «и», «или», a comma — or side by side when both cannot hold at once
    assert _read("в субботу или воскресенье") == "дни сб,вс"
    assert _read("в июле, августе 2022") == "2022-07-01..2022-08-31"
    assert _read("в 2019 и 2021") == "2019-01-01..2019-12-31 | 2021-01-01..2021-12-31"
    assert _read("утром вечером") == "часы 5..23"  # the shortest span holding both
    # but a narrower one of the same kind narrows
    assert _read("вечером в 8 вечера") == "часы 20..21"
    assert find_time("летом и осенью 2023", TODAY).understood == "лето и осень 2023"


def test_contradictions_match_nothing() -> None:
    match = find_time("2019 вчера", TODAY)
    assert match.spec.never and match.spec.describe() == "никогда"
    assert not match.spec.mask(np.array([_local_seconds(datetime(2019, 5, 5))])).any()


# --------------------------------------------------------- relative to today


def test_relative_expressions_at_a_year_boundary() -> None:
    today = date(2025, 1, 2)  # a Thursday
    assert _read("на прошлой неделе", today) == "2024-12-23..2024-12-29"
    assert _read("на этой неделе", today) == "2024-12-30..2025-01-02"
    assert _read("в прошлом месяце", today) == "2024-12-01..2024-12-31"
    assert _read("в этом месяце", today) == "2025-01-01..2025-01-02"
    assert _read("вчера", today) == "2025-01-01"
    assert _read("в прошлом году", today) == "2024-01-01..2024-12-31"
    assert _read("за последнюю неделю", today) == "2024-12-27..2025-01-02"
    assert _read("в прошлую субботу", today) == "2024-12-28"


def test_this_and_last_season_follow_the_calendar() -> None:
    december = date(2025, 12, 20)  # winter is on: «этой зимой» is the current one
    assert _read("этой зимой", december) == "2025-12-01..2026-02-28"
    assert _read("прошлой зимой", december) == "2024-12-01..2025-02-28"
    assert _read("этой зимой") == "2024-12-01..2025-02-28"  # in July: this year's winter


# ----------------------------------------------------------------- leap years


def test_winter_ends_on_the_last_day_of_february() -> None:
    assert _read("зимой 2020") == "2019-12-01..2020-02-29"
    assert _read("зимой 2021") == "2020-12-01..2021-02-28"
    assert _read("прошлой зимой") == "2023-12-01..2024-02-29"
    winter = find_time("зимой", TODAY).spec
    assert winter.matches(datetime(2024, 2, 29, 12)) and winter.matches(datetime(2023, 2, 28))
    assert not winter.matches(datetime(2024, 3, 1))


def test_easter_without_a_year_is_every_year() -> None:
    spec = find_time("на Пасху", TODAY).spec
    assert len(spec.ranges) == TODAY.year + 2 - 1970
    assert DateRange(date(2025, 4, 20), date(2025, 4, 20)) in spec.ranges
    assert spec.matches(datetime(2024, 5, 5, 14)) and not spec.matches(datetime(2024, 3, 31))
    assert _read("Пасха 2023") == "2023-04-16"


def test_the_filter_is_still_importable_from_when() -> None:
    from daemon.query import timespec, when

    for name in ("NEVER", "DateRange", "DayWindow", "TimeSpec"):
        assert getattr(when, name) is getattr(timespec, name), name
    assert {"TimeMatch", "find_time", "without_spans"} <= set(when.__all__)
