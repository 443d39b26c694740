"""Time in a photo-search query: «кошка летом 2023», «море в прошлом году», «вечером 31 декабря».

find_time() reads every time expression of a query into a TimeSpec, a filter over a photo's
EXIF date and time (daemon/query/timespec.py), and says which characters it read, so that the
rest («кошка», «море») is read as content. The words are in daemon/query/when_words.py. What
they mean:

- Years: four digits from 1900 to next year, in any form («2019», «в 2019 году», «2019 г.»,
  «2019-го», «за 2019»); other numbers are not years («2 собаки», «1000 мелочей», «2000 рублей»).
  Decades: «в 90-е», «в 2010-х», «в девяностые», «в нулевые»; a two-digit decade is in this
  century when that has begun («20-е» = 2020-е), else in the last one («90-е»).
- Months in any case: without a year every year's month («в июле»), with one that month
  («июль 2021»). «марта», «марте», «августа»… alone are women's names (Марта, Августа): they
  are the month only with a day, a year or a preposition. February ends on 02-29 in yearly
  windows (a leap day matches; in other years the month simply ends on the 28th).
- Seasons: the nouns, the adverbs and the adjectives (лето, летом, летний отдых, зимой,
  осенний парк…), but «зимний» is the winter scene (snow, which the pixels show; «зимним
  вечером» the same). Summer Jun–Aug, autumn Sep–Nov, spring Mar–May, winter
  Dec–Feb. A window that passes New Year belongs to the year it ends in: «зимой 2020» =
  2019-12-01..2020-02-29, «Новый год 2023» = 2022-12-31..2023-01-01.
  «этим летом» = the summer that is on now, else this calendar year's (may be still to come);
  «прошлым летом» = the one a year before that, «позапрошлым» two years before.
- Days: «8 марта», «первого сентября», «31 декабря 2022», «12.06.2021», «2021-06-12», «06.2021».
- Relative to today: сегодня, вчера, позавчера. «на этой неделе», «в этом месяце», «в этом
  году» run from the start of the unit to today; «на прошлой неделе» is Monday..Sunday of the
  last calendar week, «в прошлом месяце/году» the whole previous calendar unit.
  «N дней/недель/месяцев/лет назад» is that point give or take half the unit: N days ago is
  that day, weeks ±3 days, months ±15 days, years ±6 months; «неделю/месяц/год назад» have
  N = 1, «полгода назад» is 6 months ±15 days; «пару» = 2, «несколько» = 2..5. «за последние
  N дней» and the like = the last N units up to today; «недавно», «в последнее время» = the
  last 30 days, «на днях» the last 7.
- Holidays: «Новый год», «новогодняя ночь» = Dec 31–Jan 1; «новогодние праздники/каникулы»
  = Dec 31–Jan 8; «Рождество» = Jan 7 (Orthodox; «католическое Рождество» Dec 25); «8 марта»,
  «23 февраля», «9 мая» / «День Победы», «1 сентября» / «День знаний», «14 февраля» /
  «День святого Валентина»; «майские (праздники)» = May 1–10; «Хэллоуин» = Oct 31; «Пасха»
  (Orthodox, computed per year) and «Масленица» (its week before Lent): without a year every
  year from 1970 to next year. «день рождения», «свадьба», «отпуск» are not dates.
- Ranges: «с 2019 по 2021», «с 2019 до 2021 года» (the last year included), «2019-2021»,
  «между 2018 и 2020», «с мая по август» (every year), «с июня по август 2022», «с 1 по 10
  мая», «с ноября по февраль 2021» (from November 2020), «с понедельника по пятницу».
  «с 2019 года» = from 2019 to today, «до 2010» = before 2010 (from 1900), «после 2020» =
  from 2021 to today. With one end only and no year they are not ranges: «с 8 марта» is the
  day itself, and in «до мая» only «мая» is read.
- Times of day, the EXIF hour [from, to): утром 5–12, днём 12–17, вечером 17–23, ночью 23–5;
  «рано утром» 5–9, «поздно вечером» 20–23; «в 7 утра», «в 15 часов», «15:30» = that hour.
- Weekdays: «в субботу», «по средам», «в выходные» (сб, вс), «в будни» (пн–пт); «среда» alone
  is an environment («водная среда»). «в прошлую субботу», «на этих выходных» = those days of
  the last / this calendar week (Monday to Sunday).
- Several expressions intersect («в июле вечером», «летом в июле» = July); a year meets a
  yearly window as that year's dates («летом 2023» = 2023-06-01..2023-08-31). Two of the same
  kind joined by «и», «или» or a comma are either one («в субботу и воскресенье», «летом и
  осенью 2023»), and so are two side by side that cannot both hold («утром вечером»); hours
  that are not one span become the shortest span holding them all (утром и вечером = 5–23).
  A contradiction left («2019 вчера») matches no photo (TimeSpec.never).
- The prepositions before an expression (в, на, с, по, за, к, под…) are part of its span; the
  words around it are left for content. Case and «ё» do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import reduce

from daemon.query import when_words as W
from daemon.query.timespec import (
    NEVER,
    DateRange,
    DayWindow,
    TimeSpec,
    arcs,
    day_or_last,
    day_or_next,
    hour_set,
    hours_arc,
    merge_ranges,
    month_days,
    occurrence,
    orthodox_easter,
    shift,
    windows,
)

__all__ = ["NEVER", "DateRange", "DayWindow", "TimeMatch", "TimeSpec", "find_time",
           "without_spans"]

OLDEST = date(1900, 1, 1)  # the start of «до 2010»: the oldest year read
MOVABLE_FROM_YEAR = 1970  # «Пасха» without a year: every year from then to next year
RECENT_DAYS = 30  # «недавно»
FEW_DAYS = 7  # «на днях»


@dataclass(frozen=True)
class TimeMatch:
    spec: TimeSpec
    understood: str  # Russian, for the user: «лето 2023», «вечер», «Новый год»
    spans: tuple[tuple[int, int], ...]  # [start, end) of the query read as time


def find_time(query: str, today: date) -> TimeMatch | None:
    """All the time expressions of the query, intersected, or None when there are none."""
    return _Reader(query, today).read()


def without_spans(query: str, spans: Sequence[tuple[int, int]]) -> str:
    """The query with those spans cut out, whitespace tidied (what is left for content)."""
    kept, at = [], 0
    for start, end in sorted(spans):
        kept.append(query[at:start])
        at = max(at, end)
    kept.append(query[at:])
    text = " ".join(" ".join(kept).split())
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)  # «кошка , собака» -> «кошка, собака»
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)  # a comma left between two cuts
    return text.strip(" ,;:.!?")


# -------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Token:
    text: str  # lower case, «ё» as «е»
    start: int
    end: int
    glued: bool  # no space before it


@dataclass(frozen=True)
class _Piece:
    """One time expression: tokens [start, end) of the query."""

    spec: TimeSpec
    text: str  # how it was understood
    end: int
    start: int = 0
    years: frozenset[int] = frozenset()  # it is exactly these calendar years
    year_text: str = ""  # how those years read after «лето» («2024» for «прошлый год»)
    anchor: Callable[[int], tuple[DateRange, ...]] | None = None  # a feast's dates in a year


@dataclass(frozen=True)
class _Point:
    """An end of a range: a year, a month, a day of a month, each maybe without a year."""

    year: int | None
    month: int | None  # None: the whole year
    day: int | None  # None: the whole month
    end: int

    @property
    def first(self) -> tuple[int, int]:
        return self.month or 1, self.day or 1

    @property
    def last(self) -> tuple[int, int]:
        month = self.month or 12
        return month, self.day or month_days(month)


_TOKEN = re.compile(r"\d+|[^\W\d_]+|[^\w\s]")
_HOUR_WORDS = frozenset({"час", "часа", "часов"})
_PART_OF_DAY = {"утра": "утро", "дня": "день", "вечера": "вечер", "ночи": "ночь"}
_YEAR_SUFFIXES = frozenset({"го", "й", "м", "ом", "ый"})
# «2019 г.», «2019 года», «в 2020-2021 годах»
_YEAR_NOUNS = frozenset({"г", "гг"}) | W.DECADE_NOUNS | W.YEAR_WORDS - {"лет"}
_HOLIDAY_PATTERNS = tuple(
    (tuple((frozenset(slot.rstrip("?").split("|")), slot.endswith("?"))
           for slot in phrase.split()), text, value)
    for phrase, text, value in W.HOLIDAYS)
_ADJECTIVES = {  # units back -> gender -> «этот / прошлый / позапрошлый»
    0: {"m": "этот", "f": "эта", "n": "это"},
    1: {"m": "прошлый", "f": "прошлая", "n": "прошлое"},
    2: {"m": "позапрошлый", "f": "позапрошлая", "n": "позапрошлое"},
}
_OF_WEEK = ("этой недели", "прошлой недели", "позапрошлой недели")


def _month_window(month: int) -> DayWindow:
    return DayWindow((month, 1), (month, month_days(month)))


def _yearly_anchor(spec: TimeSpec) -> Callable[[int], tuple[DateRange, ...]]:
    def in_year(year: int) -> tuple[DateRange, ...]:
        return tuple(r for w in spec.yearly if (r := occurrence(w, year)) is not None)

    return in_year


def _movable(name: str) -> Callable[[int], tuple[DateRange, ...]]:
    start, end = W.MOVABLE[name]

    def in_year(year: int) -> tuple[DateRange, ...]:
        easter = orthodox_easter(year)
        return (DateRange(easter + timedelta(start), easter + timedelta(end)),)

    return in_year


def _anchor(piece: _Piece) -> Callable[[int], tuple[DateRange, ...]] | None:
    """How a yearly piece reads in a given year, or None for a piece that is not yearly."""
    s = piece.spec
    if piece.anchor is not None:
        return piece.anchor
    if s.yearly and not s.ranges and s.hours is None and not s.weekdays:
        return _yearly_anchor(s)
    return None


def _shape(piece: _Piece) -> tuple[bool, bool, tuple[bool, ...]]:
    s = piece.spec
    return (bool(piece.years), piece.anchor is not None,
            (bool(s.ranges), bool(s.yearly), s.hours is not None, bool(s.weekdays)))


def _union(a: _Piece, b: _Piece, joiner: str) -> _Piece:
    """«в субботу и воскресенье»: either of two pieces of the same kind."""
    s, t = a.spec, b.spec
    hours = None
    if s.hours is not None and t.hours is not None:
        hours = hours_arc(hour_set(s.hours) | hour_set(t.hours))
    weekdays = s.weekdays | t.weekdays
    spec = TimeSpec(merge_ranges(s.ranges + t.ranges),
                    windows([arc for w in s.yearly + t.yearly for arc in arcs(w)]),
                    hours, frozenset() if len(weekdays) == 7 else weekdays)
    anchor = None
    if a.anchor is not None and b.anchor is not None:
        first, second = a.anchor, b.anchor

        def anchor(year: int) -> tuple[DateRange, ...]:
            return first(year) + second(year)

    sep = ", " if joiner == "," else f" {joiner} "
    return _Piece(spec, a.text + sep + b.text, b.end, a.start, a.years | b.years,
                  (a.year_text + sep + b.year_text) if a.years else "", anchor)


class _Reader:
    def __init__(self, query: str, today: date) -> None:
        self.query, self.today = query, today
        self.toks: list[_Token] = []
        for m in _TOKEN.finditer(query):
            glued = bool(self.toks) and self.toks[-1].end == m.start()
            self.toks.append(_Token(m.group().lower().replace("ё", "е"), m.start(), m.end(),
                                    glued))
        # tried in this order; of those that read the most tokens the first wins
        self.matchers = (self.range_of, self.numeric_date, self.clock, self.holiday, self.ago,
                         self.last_n, self.calendar_unit, self.recent, self.season,
                         self.weekday, self.daypart, self.day_month, self.month, self.decade,
                         self.year_piece)

    # ------------------------------------------------------------ helpers

    def w(self, i: int) -> str:
        return self.toks[i].text if 0 <= i < len(self.toks) else ""

    def glued(self, i: int) -> bool:
        return 0 <= i < len(self.toks) and self.toks[i].glued

    def number(self, i: int) -> int | None:
        return int(self.decimal(i)) if self.decimal(i) else None

    def decimal(self, i: int) -> str:
        """The digits at i, or "" when there are none or they are part of «3,5» or «1.5»."""
        text = self.w(i)
        if not text.isdecimal() or (self.glued(i) and self.w(i - 1) in (",", ".")
                                    and self.glued(i - 1) and self.w(i - 2).isdecimal()):
            return ""
        if self.w(i + 1) == "," and self.glued(i + 1) and self.glued(i + 2):
            return ""
        return text

    def typed(self, start: int, end: int) -> str:
        text = self.query[self.toks[start].start:self.toks[end - 1].end]
        return " ".join(text.lower().replace("ё", "е").split())

    def span(self, piece: _Piece) -> tuple[int, int]:
        return self.toks[piece.start].start, self.toks[piece.end - 1].end

    def suffix(self, i: int, suffixes: frozenset[str] | set[str]) -> int:
        """Past a glued «-го», «-е» at i (the dash may be left out), else i."""
        j = i + 1 if self.w(i) in W.DASHES and self.glued(i) else i
        return j + 1 if self.w(j) in suffixes and self.glued(j) else i

    # ------------------------------------------------------ the whole query

    def read(self) -> TimeMatch | None:
        pieces = self.pieces()
        if not pieces:
            return None
        groups: list[_Piece] = []
        for p in pieces:
            q = groups[-1] if groups else None
            if q is None or _shape(q) != _shape(p) or sum(_shape(p)[2]) != 1:
                groups.append(p)
            elif p.start == q.end + 1 and self.w(q.end) in W.CONJUNCTIONS:
                groups[-1] = _union(q, p, self.w(q.end))  # «в субботу и воскресенье»
            elif p.start == q.end and q.spec.intersect(p.spec).never:
                groups[-1] = _union(q, p, ",")  # «утром вечером»: both cannot hold, so either
            else:
                groups.append(p)
        spans = self.merged_spans([self.span(p) for p in groups])
        groups = self.anchored(groups)
        spec = reduce(TimeSpec.intersect, (p.spec for p in groups), TimeSpec())
        return TimeMatch(spec, ", ".join(p.text for p in groups), spans)

    def pieces(self) -> list[_Piece]:
        found, i = [], 0
        while i < len(self.toks):
            starts = (i, i + 1) if self.w(i) in W.PREPOSITIONS else (i,)
            best = None
            for start in starts:
                for matcher in self.matchers:
                    p = matcher(start)
                    if p is not None and (best is None or p.end > best.end):
                        best = replace(p, start=i)
            if best is None:
                i += 1
            else:
                found.append(best)
                i = best.end
        return found

    def anchored(self, groups: list[_Piece]) -> list[_Piece]:
        """«летом 2023», «зимой 2020», «Пасха 2024»: a yearly piece read in the years given."""
        with_years = [p for p in groups if p.years]
        yearly = [p for p in groups if not p.years and _anchor(p) is not None]
        years = reduce(frozenset.__and__, (p.years for p in with_years)) if with_years else None
        if not yearly or not years:
            return groups
        suffix = with_years[0].year_text or with_years[0].text
        out = []
        for p in groups:
            if p.years:
                continue
            anchor = _anchor(p)
            if anchor is not None:
                ranges = merge_ranges([r for y in sorted(years) for r in anchor(y)])
                text = f"{p.text} {suffix}" if p is yearly[-1] else p.text
                p = replace(p, spec=TimeSpec(ranges) if ranges else NEVER, text=text)
            out.append(p)
        return out

    def merged_spans(self, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
        """Spans with only spaces between them joined: «летом 2023» is one span."""
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and not self.query[merged[-1][1]:start].strip():
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)

    # -------------------------------------------------------- the pieces

    def year(self, i: int) -> tuple[int, int] | None:
        """(year, index after it) for «2019», «2019-го», «2019 г.», «2019 года»."""
        text = self.decimal(i)
        if len(text) != 4:
            return None
        year = int(text)
        if not OLDEST.year <= year <= self.today.year + 1:
            return None
        j = self.suffix(i + 1, _YEAR_SUFFIXES)
        if self.w(j) in _YEAR_NOUNS:
            j += 2 if self.w(j) in ("г", "гг") and self.w(j + 1) == "." else 1
        elif self.w(j) in W.AMOUNT_WORDS:
            return None  # «2000 рублей»
        return year, j

    def year_piece(self, i: int) -> _Piece | None:
        found = self.year(i)
        if found is None:
            return None
        year, end = found
        spec = TimeSpec((DateRange(date(year, 1, 1), date(year, 12, 31)),))
        return _Piece(spec, str(year), end, years=frozenset({year}), year_text=str(year))

    def decade(self, i: int) -> _Piece | None:
        text = self.w(i)
        if text in W.DECADE_WORDS:
            start, end = self.decade_year(W.DECADE_WORDS[text]), i + 1
        else:
            end = self.suffix(i + 1, {"е", "х", "ые", "ых"})
            if not text.isdecimal() or int(text) % 10 or end == i + 1:
                return None
            if len(text) == 2:
                start = self.decade_year(int(text))
            elif len(text) == 4 and OLDEST.year <= int(text) <= self.today.year:
                start = int(text)
            else:
                return None
        end += int(self.w(end) in W.DECADE_NOUNS)
        spec = TimeSpec((DateRange(date(start, 1, 1), date(start + 9, 12, 31)),))
        return _Piece(spec, f"{start}-е", end, years=frozenset(range(start, start + 10)),
                      year_text=f"{start}-х")

    def decade_year(self, two_digits: int) -> int:
        return 2000 + two_digits if 2000 + two_digits <= self.today.year else 1900 + two_digits

    def numeric_date(self, i: int) -> _Piece | None:
        """«12.06.2021», «12/06/2021», «2021-06-12», and «06.2021» for a month."""
        parts, j = [self.w(i)], i + 1
        if not parts[0].isdecimal():
            return None
        sep = self.w(j)
        while (self.w(j) == sep and sep in {".", "/", "-"} and self.glued(j)
               and self.w(j + 1).isdecimal() and self.glued(j + 1) and len(parts) < 3):
            parts.append(self.w(j + 1))
            j += 2
        if len(parts) == 2 and sep in (".", "/") and len(parts[0]) <= 2 and len(parts[1]) == 4:
            year, month = int(parts[1]), int(parts[0])
            if 1 <= month <= 12 and OLDEST.year <= year <= self.today.year + 1:
                first = date(year, month, 1)
                spec = TimeSpec((DateRange(first, day_or_last(year, month, 31)),))
                return _Piece(spec, f"{W.MONTH_NAMES[month]} {year}", j)
            return None
        if len(parts) != 3:
            return None
        if len(parts[0]) == 4:
            year, month, day = (int(p) for p in parts)
        elif len(parts[0]) <= 2 and len(parts[2]) in (2, 4):
            day, month, year = (int(p) for p in parts)
            if len(parts[2]) == 2:
                year += 2000 if 2000 + year <= self.today.year else 1900
        else:
            return None
        try:
            when = date(year, month, day)
        except ValueError:
            return None
        if not OLDEST.year <= year <= self.today.year + 1:
            return None
        text = f"{day} {W.MONTH_GENITIVE[month]} {year}"
        return _Piece(TimeSpec((DateRange(when, when),)), text, j)

    def day_number(self, i: int) -> tuple[int, int] | None:
        """(day, index after it) for «8», «8-го», «первого», «двадцать первого»."""
        text = self.w(i)
        if self.decimal(i) and len(text) <= 2 and 1 <= int(text) <= 31:
            return int(text), self.suffix(i + 1, {"го", "е", "ое", "ого"})
        if text in W.ORDINAL_TENS and W.ORDINALS.get(self.w(i + 1), 10) < 10:
            return W.ORDINAL_TENS[text] + W.ORDINALS[self.w(i + 1)], i + 2
        if text in W.ORDINALS:
            return W.ORDINALS[text], i + 1
        return None

    def day_month(self, i: int) -> _Piece | None:
        found = self.day_number(i)
        if found is None or self.w(found[1]) not in W.MONTH_OF:
            return None
        day, j = found
        month = W.MONTH_OF[self.w(j)]
        if day > month_days(month):
            return None
        spec = TimeSpec(yearly=(DayWindow((month, day), (month, day)),))
        return _Piece(spec, f"{day} {W.MONTH_GENITIVE[month]}", j + 1)

    def month(self, i: int) -> _Piece | None:
        text = self.w(i)
        if text not in W.MONTH_OF:
            return None
        if (text in W.NAME_LIKE_MONTHS and self.w(i - 1) not in W.ANY_PREPOSITION
                and self.year(i + 1) is None):
            return None  # «Марта на пляже»: a woman's name
        month = W.MONTH_OF[text]
        return _Piece(TimeSpec(yearly=(_month_window(month),)), W.MONTH_NAMES[month], i + 1)

    def season(self, i: int) -> _Piece | None:
        back = W.units_back(self.w(i))
        j = i if back is None else i + 1
        name = W.SEASON_OF.get(self.w(j))
        if name is None:
            return None
        gender, _, (first, last) = W.SEASONS[name]
        window = DayWindow(first, last)
        if back is None:
            return _Piece(TimeSpec(yearly=(window,)), name, j + 1)
        year = self.today.year  # the season on now, else this calendar year's
        for y in (self.today.year, self.today.year + 1):
            now = occurrence(window, y)
            if now is not None and now.first <= self.today <= now.last:
                year = y
        then = occurrence(window, year - back)
        if then is None:
            return None
        return _Piece(TimeSpec((then,)), f"{_ADJECTIVES[back][gender]} {name}", j + 1)

    def daypart(self, i: int) -> _Piece | None:
        modifier = self.w(i) if self.w(i) in ("рано", "поздно") else ""
        j = i + 1 if modifier else i
        name = W.DAYPART_OF.get(self.w(j))
        if name is None:
            return None
        if name == "день" and self.w(j + 1) in W.DAY_OF_SOMETHING:
            return None  # «днём рождения»
        if self.w(j) in _PART_OF_DAY and self.number(j - 1) is not None:
            return None  # «3 ночи»: a count of nights (an hour, «в 3 ночи», is clock()'s)
        if modifier:
            if (modifier, name) not in W.EARLY_LATE:
                return None
            hours, text = W.EARLY_LATE[(modifier, name)]
        else:
            hours, text = W.DAYPARTS[name], name
        return _Piece(TimeSpec(hours=hours), text, j + 1)

    def clock(self, i: int) -> _Piece | None:
        """«в 7 утра», «в 3 часа дня», «в 15 часов», «15:30»: that hour."""
        at = self.w(i) in ("в", "во", "к")
        j = i + 1 if at else i
        text = self.decimal(j)
        if not text or len(text) > 2:
            return None
        n = int(text)
        if self.w(j + 1) == ":" and self.glued(j + 1) and self.glued(j + 2):
            minutes = self.w(j + 2)
            if n <= 23 and len(minutes) == 2 and minutes.isdecimal() and int(minutes) < 60:
                return _Piece(TimeSpec(hours=(n, (n + 1) % 24)), f"{n}:{minutes}", j + 3)
            return None
        k = j + 1 + (self.w(j + 1) in _HOUR_WORDS)
        part = _PART_OF_DAY.get(self.w(k))
        if part is None:
            hour = n if at and k > j + 1 and n <= 23 else None  # «в 15 часов»
        elif part in ("день", "ночь") and not at and k == j + 1:
            hour = None  # «2 дня», «3 ночи»: days and nights, not an hour
        else:
            hour = {"утро": n if 4 <= n <= 11 else None,
                    "день": n if n == 12 else n + 12 if 1 <= n <= 5 else None,
                    "вечер": n + 12 if 5 <= n <= 11 else None,
                    "ночь": 0 if n == 12 else n if n <= 4 else n + 12 if 9 <= n <= 11 else None,
                    }[part]
        if hour is None:
            return None
        end = k + (part is not None)
        return _Piece(TimeSpec(hours=(hour, (hour + 1) % 24)), f"{hour}:00", end)

    def weekday(self, i: int) -> _Piece | None:
        back = W.units_back(self.w(i))
        j = i if back is None else i + 1
        text = self.w(j)
        if text in W.WEEKDAY_OF:
            days, name, end = {W.WEEKDAY_OF[text]}, W.WEEKDAY_NAMES[W.WEEKDAY_OF[text]], j + 1
        elif text in W.WEEKEND_WORDS:
            days, name, end = {5, 6}, "выходные", j + 1 + (self.w(j + 1) in W.DAY_NOUNS)
        elif text in W.WORKDAY_WORDS:
            days, name, end = set(range(5)), "будни", j + 1 + (self.w(j + 1) in W.DAY_NOUNS)
        elif text in W.WORKING_WORDS and self.w(j + 1) in W.DAY_NOUNS:
            days, name, end = set(range(5)), "будни", j + 2
        else:
            return None
        if back is None:
            return _Piece(TimeSpec(weekdays=frozenset(days)), name, end)
        monday = self.today - timedelta(self.today.weekday() + 7 * back)
        ranges = merge_ranges([DateRange(monday + timedelta(d), monday + timedelta(d))
                                for d in days])
        return _Piece(TimeSpec(ranges), f"{name} {_OF_WEEK[back]}", end)

    def calendar_unit(self, i: int) -> _Piece | None:
        """«на этой неделе», «в прошлом месяце», «прошлого года»."""
        back = W.units_back(self.w(i))
        unit = W.UNIT_OF.get(self.w(i + 1))
        if back is None or unit not in ("неделя", "месяц", "год") or self.w(i + 1) == "лет":
            return None
        today, years, year_text = self.today, frozenset(), ""
        if unit == "неделя":
            first = today - timedelta(today.weekday() + 7 * back)
            last = first + timedelta(6)
        elif unit == "месяц":
            first = shift(today.replace(day=1), months=-back)
            last = shift(first, months=1) - timedelta(1)
        else:
            first = date(today.year - back, 1, 1)
            last = date(first.year, 12, 31)
            years, year_text = frozenset({first.year}), str(first.year)
        gender = "f" if unit == "неделя" else "m"
        text = f"{_ADJECTIVES[back][gender]} {unit}" + (f" ({year_text})" if years else "")
        spec = TimeSpec((DateRange(first, min(last, today) if back == 0 else last),))
        return _Piece(spec, text, i + 2, years=years, year_text=year_text)

    def count(self, i: int) -> tuple[tuple[int, int], int]:
        """((fewest, most), index after) for «3», «три», «пару», «несколько»; none is one."""
        text = self.w(i)
        if self.decimal(i) and len(text) <= 3:
            return (int(text), int(text)), i + 1
        if text in W.COUNT_WORDS:
            return W.COUNT_WORDS[text], i + 1
        return (1, 1), i

    def ago(self, i: int) -> _Piece | None:
        """«3 дня назад», «неделю назад», «полгода назад»: around that point."""
        if self.w(i) == "полгода":
            (fewest, most), unit, j = (6, 6), "месяц", i + 1
        else:
            (fewest, most), j = self.count(i)
            unit = W.UNIT_OF.get(self.w(j))
            if j == i and self.w(j) not in ("день", "неделю", "месяц", "год", "сутки"):
                return None  # «года назад» without its number
            j += 1
        if unit is None or self.w(j) != "назад" or fewest < 1:
            return None
        days, months = W.UNITS[unit]
        half_days, half_months = W.HALF_UNIT[unit] if self.w(i) != "полгода" else (15, 0)
        first = shift(self.today, -most * days - half_days, -most * months - half_months)
        last = shift(self.today, -fewest * days + half_days, -fewest * months + half_months)
        spec = TimeSpec((DateRange(first, min(last, self.today)),))
        return _Piece(spec, self.typed(i, j + 1), j + 1)

    def last_n(self, i: int) -> _Piece | None:
        """«за последние 3 дня», «за последний месяц»: the last N units up to today."""
        if self.w(i) not in W.LAST_WORDS:
            return None
        (_, most), j = self.count(i + 1)
        unit = W.UNIT_OF.get(self.w(j))
        if unit is None:
            return None
        days, months = W.UNITS[unit]
        first = shift(self.today, -most * days, -most * months) + timedelta(1)
        return _Piece(TimeSpec((DateRange(first, self.today),)), self.typed(i, j + 1), j + 1)

    def recent(self, i: int) -> _Piece | None:
        """сегодня, вчера, позавчера, недавно, на днях, в последнее время."""
        text = self.w(i)
        back = {"сегодня": 0, "вчера": 1, "позавчера": 2}.get(text)
        if back is not None:
            day = self.today - timedelta(back)
            return _Piece(TimeSpec((DateRange(day, day),)), text, i + 1)
        if text == "последнее" and self.w(i + 1) == "время":
            days, end = RECENT_DAYS, i + 2
        elif text == "недавно":
            days, end = RECENT_DAYS, i + 1
        elif text == "днях" and self.w(i - 1) == "на":
            days, end = FEW_DAYS, i + 1
        else:
            return None
        first = self.today - timedelta(days - 1)
        text = "недавно" if days == RECENT_DAYS else "на днях"
        return _Piece(TimeSpec((DateRange(first, self.today),)), text, end)

    def holiday(self, i: int) -> _Piece | None:
        new_year = self.new_year_with_year(i)
        if new_year is not None:
            return new_year
        best = None
        for slots, text, value in _HOLIDAY_PATTERNS:
            j = i
            for forms, optional in slots:
                if self.w(j) in forms:
                    j += 1
                elif not optional:
                    break
            else:
                if j > i and (best is None or j > best[0]):
                    best = (j, text, value)
        if best is None:
            return None
        end, text, value = best
        if self.w(end).startswith(W.NOT_A_HOLIDAY_AFTER):
            return None  # «майские жуки»
        if isinstance(value, str):  # moves with Easter: every year, or the year given
            anchor = _movable(value)
            years = range(MOVABLE_FROM_YEAR, self.today.year + 2)
            spec = TimeSpec(merge_ranges([r for y in years for r in anchor(y)]))
            return _Piece(spec, text, end, anchor=anchor)
        return _Piece(TimeSpec(yearly=(DayWindow(*value),)), text, end)

    def new_year_with_year(self, i: int) -> _Piece | None:
        """«Новый 2023 год»."""
        found = self.year(i + 1) if self.w(i) in ("новый", "нового", "новому", "новым") else None
        if found is None or self.w(found[1] - 1) not in W.YEAR_WORDS:
            return None
        night = DateRange(date(found[0] - 1, 12, 31), date(found[0], 1, 1))
        return _Piece(TimeSpec((night,)), f"Новый год {found[0]}", found[1])

    # ------------------------------------------------------------ ranges

    def point(self, i: int) -> _Point | None:
        numeric = self.numeric_date(i)
        if numeric is not None:
            r = numeric.spec.ranges[0]
            day = r.first.day if r.first == r.last else None
            return _Point(r.first.year, r.first.month, day, numeric.end)
        found = self.day_number(i)
        if found is not None and self.w(found[1]) in W.MONTH_OF:
            day, j = found
            year = self.year(j + 1)
            month = W.MONTH_OF[self.w(j)]
            if day > month_days(month):
                return None
            if year is None:
                return _Point(None, month, day, j + 1)
            return _Point(year[0], month, day, year[1])
        if self.w(i) in W.MONTH_OF:
            year = self.year(i + 1)
            if year is None:
                return _Point(None, W.MONTH_OF[self.w(i)], None, i + 1)
            return _Point(year[0], W.MONTH_OF[self.w(i)], None, year[1])
        year = self.year(i)
        if year is not None:
            return _Point(year[0], None, None, year[1])
        if found is not None:  # a bare day: only before «по 10 мая»
            return _Point(None, None, found[0], found[1])
        return None

    def until_now(self, i: int) -> int | None:
        for phrase in W.UNTIL_NOW:
            if all(self.w(i + k) == word for k, word in enumerate(phrase)):
                return i + len(phrase)
        return None

    def range_of(self, i: int) -> _Piece | None:
        word = self.w(i)
        if word in ("с", "со") and self.w(i + 1) in W.WEEKDAY_OF:
            return self.weekday_range(i)
        if word in ("с", "со", "от", "между", "до", "после"):
            left = self.point(i + 1)
            if left is None:
                return None
            k = left.end
            if word == "между":
                right = self.point(k + 1) if self.w(k) == "и" else None
            elif word in ("до", "после"):
                right = None
            else:
                right = self.point(k + 1) if self.w(k) in ("по", "до") else None
                if right is None and self.w(k) in ("по", "до"):
                    now = self.until_now(k + 1)
                    k = k if now is None else now
            if right is not None:
                return self.between(left, right, i, right.end)
            if left.year is None or word == "между":
                return None  # «с 8 марта»: the day itself, read elsewhere
            last = day_or_last(left.year, *left.last)
            first = day_or_next(left.year, *left.first)
            first, last = {"до": (OLDEST, first - timedelta(1)),
                           "после": (last + timedelta(1), self.today)}.get(
                word, (first, self.today))
            if first > last:
                return None
            return _Piece(TimeSpec((DateRange(first, last),)), self.typed(i, k), k)
        left = self.point(i)
        if left is not None and self.w(left.end) in W.DASHES:
            right = self.point(left.end + 1)
            if right is not None:
                return self.between(left, right, i, right.end)
        return None

    def between(self, left: _Point, right: _Point, start: int, end: int) -> _Piece | None:
        """«с X по Y»: a yearless end takes the year of the other."""
        if left.month is None and left.year is None:  # «с 1 по 10 мая»
            if right.month is None or right.day is None or left.day > right.day:
                return None
            left = _Point(right.year, right.month, left.day, left.end)
        if right.month is None and right.year is None:
            return None
        if (left.month is None) != (right.month is None) and None in (left.year, right.year):
            return None  # «с мая по 2021»
        text = self.typed(start, end)
        if left.year is None and right.year is None:
            return _Piece(TimeSpec(yearly=(DayWindow(left.first, right.last),)), text, end)
        first_year = left.year if left.year is not None else (
            right.year if left.first <= right.last else right.year - 1)
        last_year = right.year if right.year is not None else (
            left.year if right.last >= left.first else left.year + 1)
        if left.year is not None and right.year is not None and first_year > last_year:
            first_year, last_year = last_year, first_year  # «с 2021 по 2019»
        first = day_or_next(first_year, *left.first)
        last = day_or_last(last_year, *right.last)
        if first > last:
            return None
        whole_years = left.month is None and right.month is None
        years = frozenset(range(first_year, last_year + 1)) if whole_years else frozenset()
        return _Piece(TimeSpec((DateRange(first, last),)), text, end, years=years,
                      year_text=text if whole_years else "")

    def weekday_range(self, i: int) -> _Piece | None:
        """«с понедельника по пятницу»."""
        if self.w(i + 2) not in ("по", "до") or self.w(i + 3) not in W.WEEKDAY_OF:
            return None
        first, last = W.WEEKDAY_OF[self.w(i + 1)], W.WEEKDAY_OF[self.w(i + 3)]
        days = frozenset((first + k) % 7 for k in range((last - first) % 7 + 1))
        return _Piece(TimeSpec(weekdays=days if len(days) < 7 else frozenset()),
                      self.typed(i, i + 4), i + 4)
