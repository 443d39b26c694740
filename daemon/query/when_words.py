"""The words of Russian time expressions, written out form by form (daemon/query/when.py reads
them). Every form is lower case with «ё» spelt «е», as the reader normalises the query."""

from __future__ import annotations


def _forms(stem: str, endings: str) -> tuple[str, ...]:
    return tuple(stem + e for e in endings.split(","))


_SOFT_MONTH = "ь,я,е,ю,ем"  # январь, января, январе, январю, январем
_HARD_MONTH = ",а,е,у,ом"  # март, марта, марте, марту, мартом

# month number -> every case form
MONTHS: dict[int, tuple[str, ...]] = {
    1: _forms("январ", _SOFT_MONTH),
    2: _forms("феврал", _SOFT_MONTH),
    3: _forms("март", _HARD_MONTH),
    4: _forms("апрел", _SOFT_MONTH),
    5: ("май", "мая", "мае", "маю", "маем"),
    6: _forms("июн", _SOFT_MONTH),
    7: _forms("июл", _SOFT_MONTH),
    8: _forms("август", _HARD_MONTH),
    9: _forms("сентябр", _SOFT_MONTH),
    10: _forms("октябр", _SOFT_MONTH),
    11: _forms("ноябр", _SOFT_MONTH),
    12: _forms("декабр", _SOFT_MONTH),
}
MONTH_OF: dict[str, int] = {form: m for m, forms in MONTHS.items() for form in forms}
MONTH_NAMES = ("", "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
               "сентябрь", "октябрь", "ноябрь", "декабрь")
MONTH_GENITIVE = ("", "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                  "сентября", "октября", "ноября", "декабря")
# Also forms of women's names (Марта, Августа: «Марте», «Марту»): alone they are a person,
# with a day, a year or a preposition a month.
NAME_LIKE_MONTHS = frozenset({"марта", "марте", "марту", "августа", "августе", "августу"})

# Seasons: the nouns, the adverbs and (below) the adjectives.
# nominative -> (gender for «это лето / эта зима», forms, (first, last) month-day)
SEASONS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[int, int], tuple[int, int]]]] = {
    "лето": ("n", ("лето", "лета", "лету", "летом", "лете"), ((6, 1), (8, 31))),
    "осень": ("f", ("осень", "осени", "осенью"), ((9, 1), (11, 30))),
    "зима": ("f", ("зима", "зимы", "зиме", "зиму", "зимой", "зимою"), ((12, 1), (2, 29))),
    "весна": ("f", ("весна", "весны", "весне", "весну", "весной", "весною"), ((3, 1), (5, 31))),
}
_SOFT_ADJECTIVE = "ий,яя,ее,ие,его,ей,ему,им,юю,их,ими,ем"  # летний, летняя, летнего…
# «летний отдых», «осенний парк», «весенние цветы»: the season the photo was taken in. Not
# «зимний»: the vocabulary reads it as the winter scene, snow, which the pixels show
# (scenes.tsv); a photo of a summer dress taken in winter is the price of «летнее платье».
SEASON_ADJECTIVES = {"лето": _forms("летн", _SOFT_ADJECTIVE),
                     "осень": _forms("осенн", _SOFT_ADJECTIVE),
                     "весна": _forms("весенн", _SOFT_ADJECTIVE)}
SEASON_OF: dict[str, str] = {
    **{form: name for name, (_, forms, _) in SEASONS.items() for form in forms},
    **{form: name for name, forms in SEASON_ADJECTIVES.items() for form in forms}}

# Times of day, the EXIF hour [from, to); night wraps past midnight.
DAYPARTS: dict[str, tuple[int, int]] = {"утро": (5, 12), "день": (12, 17),
                                        "вечер": (17, 23), "ночь": (23, 5)}
DAYPART_OF: dict[str, str] = {
    **dict.fromkeys(("утром", "утро", "утра", "утрам", "утрами", "поутру"), "утро"),
    **dict.fromkeys(("днем",), "день"),
    **dict.fromkeys(("вечером", "вечер", "вечера", "вечерам", "вечерами", "вечерком"), "вечер"),
    **dict.fromkeys(("ночью", "ночь", "ночи", "ночам", "ночами"), "ночь"),
}
# «рано утром», «поздно вечером»: a narrower part of the day.
EARLY_LATE: dict[tuple[str, str], tuple[tuple[int, int], str]] = {
    ("рано", "утро"): ((5, 9), "раннее утро"), ("поздно", "вечер"): ((20, 23), "поздний вечер"),
    ("поздно", "ночь"): ((23, 5), "ночь")}
# «днём рождения», «днём Победы»: «днём» there is a day of something, not the afternoon.
DAY_OF_SOMETHING = frozenset({
    "рождения", "победы", "знаний", "города", "свадьбы", "влюбленных", "защитника", "матери",
    "учителя", "святого", "россии", "независимости", "народного", "ангела", "всех", "семьи"})

_WEEKDAY_ENDINGS = ",а,у,ом,е,и,ам,ами,ов"
# weekday (0 = Monday) -> forms. «среда» is also «environment» («водная среда»): only the
# forms that name the day («в среду», «по средам») count.
WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: _forms("понедельник", _WEEKDAY_ENDINGS),
    1: _forms("вторник", _WEEKDAY_ENDINGS),
    2: ("среду", "средам", "средами"),
    3: _forms("четверг", _WEEKDAY_ENDINGS),
    4: _forms("пятниц", "а,у,ы,е,ей,ам,ами"),
    5: _forms("суббот", "а,у,ы,е,ой,ам,ами"),
    6: _forms("воскресень", "е,я,ю,ем,ям,ями"),
}
WEEKDAY_OF: dict[str, int] = {form: d for d, forms in WEEKDAYS.items() for form in forms}
WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
                 "воскресенье")
WEEKDAY_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEEKEND_WORDS = frozenset({"выходные", "выходных", "выходным", "выходными", "выходной"})
WORKDAY_WORDS = frozenset({"будни", "будней", "будням", "буднями", "будние", "будний",
                           "будних", "будним"})
WORKING_WORDS = frozenset({"рабочие", "рабочий", "рабочих", "рабочим", "рабочими"})
DAY_NOUNS = frozenset({"день", "дни", "дня", "дней", "дням", "днями"})

# «этим летом», «на прошлой неделе», «в позапрошлом году»: how many units back.
THIS_WORDS = frozenset({"этот", "этого", "этому", "этим", "этом", "эта", "этой", "эту", "это",
                        "текущий", "текущего", "текущем", "текущая", "текущей", "текущую",
                        "эти", "этих", "этими", "нынешний", "нынешнего", "нынешнем", "нынешней",
                        "нынешним"})


def units_back(word: str) -> int | None:
    """0 for «этот», 1 for «прошлый» (and «минувший»), 2 for «позапрошлый», else None."""
    if word in THIS_WORDS:
        return 0
    if word.startswith("позапрошл"):
        return 2
    if word.startswith(("прошл", "минувш")):
        return 1
    return None


# Calendar units of relative expressions.
WEEK_WORDS = frozenset({"неделя", "недели", "неделе", "неделю", "неделей", "недель"})
MONTH_WORDS = frozenset({"месяц", "месяца", "месяце", "месяцу", "месяцем", "месяцев"})
YEAR_WORDS = frozenset({"год", "года", "году", "годом", "лет"})
DAY_WORDS = frozenset({"день", "дня", "дней", "сутки", "суток"})
# unit -> (days, months) of one of it
UNITS: dict[str, tuple[int, int]] = {"день": (1, 0), "неделя": (7, 0), "месяц": (0, 1),
                                     "год": (0, 12)}
UNIT_OF: dict[str, str] = {
    **dict.fromkeys(DAY_WORDS, "день"), **dict.fromkeys(WEEK_WORDS, "неделя"),
    **dict.fromkeys(MONTH_WORDS, "месяц"), **dict.fromkeys(YEAR_WORDS, "год")}
# «N лет назад» is read around that point, within half the unit either way.
HALF_UNIT: dict[str, tuple[int, int]] = {"день": (0, 0), "неделя": (3, 0), "месяц": (15, 0),
                                         "год": (0, 6)}

# counts of «N дней назад», «за последние N дней»: (fewest, most)
COUNT_WORDS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("один", "одна", "одну", "одного", "одной"), (1, 1)),
    **dict.fromkeys(("два", "две", "двух"), (2, 2)),
    **dict.fromkeys(("пару", "пара", "парочку", "пары"), (2, 2)),
    **dict.fromkeys(("три", "трех"), (3, 3)),
    **dict.fromkeys(("четыре", "четырех"), (4, 4)),
    **dict.fromkeys(("несколько", "нескольких"), (2, 5)),  # «a few»: two to five
    "пять": (5, 5), "шесть": (6, 6), "семь": (7, 7), "восемь": (8, 8), "девять": (9, 9),
    "десять": (10, 10), "одиннадцать": (11, 11), "двенадцать": (12, 12),
    "пятнадцать": (15, 15), "двадцать": (20, 20), "тридцать": (30, 30),
}
LAST_WORDS = frozenset({"последний", "последнюю", "последние", "последних", "последняя",
                        "последнее", "последней", "последнего"})

# Day ordinals in the genitive and the nominative («первого сентября», «восьмое марта»).
_ORDINAL_STEMS = {1: "перв", 2: "втор", 4: "четверт", 5: "пят", 6: "шест", 7: "седьм",
                  8: "восьм", 9: "девят", 10: "десят", 11: "одиннадцат", 12: "двенадцат",
                  13: "тринадцат", 14: "четырнадцат", 15: "пятнадцат", 16: "шестнадцат",
                  17: "семнадцат", 18: "восемнадцат", 19: "девятнадцат", 20: "двадцат",
                  30: "тридцат"}
ORDINALS: dict[str, int] = {
    **{stem + end: n for n, stem in _ORDINAL_STEMS.items() for end in ("ого", "ое")},
    "третьего": 3, "третье": 3,
}
# «двадцать первого»: the tens word before a units ordinal
ORDINAL_TENS = {"двадцать": 20, "тридцать": 30}

# Decades: «в девяностые», «в нулевых»; the number is the two-digit decade.
DECADE_WORDS: dict[str, int] = {
    stem + end: n
    for stem, n in (("нулев", 0), ("десят", 10), ("двадцат", 20), ("тридцат", 30),
                    ("сороков", 40), ("пятидесят", 50), ("шестидесят", 60),
                    ("семидесят", 70), ("восьмидесят", 80), ("девяност", 90),
                    ("двухтысячн", 0))
    for end in ("ые", "ых", "ым", "ыми")
}
DECADE_NOUNS = frozenset({"годы", "годов", "годах", "годам", "годами", "гг"})

# After a four-digit number these make it an amount, not a year («2000 рублей»).
AMOUNT_WORDS = frozenset({"руб", "рублей", "рубля", "р", "долларов", "евро", "км", "м", "мм",
                          "см", "кг", "шт", "штук", "метров", "пикселей", "px", "мп"})

# Prepositions that belong to the time expression after them (its span takes them).
PREPOSITIONS = frozenset({"в", "во", "на", "за", "к", "ко", "под", "по", "с", "со"})
# Prepositions of any kind: after one, «марта» is the month, not the name.
ANY_PREPOSITION = PREPOSITIONS | {"до", "от", "после", "между", "около", "перед", "у"}
DASHES = frozenset({"-", "–", "—"})
CONJUNCTIONS = frozenset({"и", "или", "либо", ","})

# «с 2019 года по сей день»: the open end of a range
UNTIL_NOW = (("сей", "день"), ("сих", "пор"), ("наши", "дни"), ("настоящее", "время"),
             ("сегодняшний", "день"), ("сегодня",), ("сейчас",))

# Holidays and occasions. Each phrase is a run of slots, «|» between the forms of a word,
# «?» after a slot that may be left out. value: (understood, (first, last) month-day), or a
# name from MOVABLE for a feast that moves with Orthodox Easter.
_HOLIDAY_NOUNS = ("праздники|праздников|праздниках|праздникам|праздниками|каникулы|каникул|"
                  "каникулах|каникулам|каникулами|выходные|выходных|выходным")
_DAY = "день|дня|дню|днем"
_NEW = "новый|нового|новому|новым"
_YEAR = "год|года|году|годом"
HOLIDAYS: tuple[tuple[str, str, tuple[tuple[int, int], tuple[int, int]] | str], ...] = (
    (f"{_NEW} {_YEAR}", "Новый год", ((12, 31), (1, 1))),
    (f"старый|старого|старому|старым {_NEW} {_YEAR}", "старый Новый год", ((1, 13), (1, 14))),
    ("новогодняя|новогоднюю|новогодней ночь|ночью|ночи", "новогодняя ночь", ((12, 31), (1, 1))),
    (f"новогодние|новогодних|новогодним|новогодними {_HOLIDAY_NOUNS}", "новогодние праздники",
     ((12, 31), (1, 8))),
    ("рождество|рождества|рождеству|рождеством|рождестве", "Рождество (7 января)",
     ((1, 7), (1, 7))),
    ("католическое|католического|католическому|католическим|католическом "
     "рождество|рождества|рождеству|рождеством|рождестве", "католическое Рождество (25 декабря)",
     ((12, 25), (12, 25))),
    (f"{_DAY} святого валентина", "День святого Валентина", ((2, 14), (2, 14))),
    (f"{_DAY} всех? влюбленных", "День влюблённых", ((2, 14), (2, 14))),
    (f"{_DAY} защитника|защитников отечества?", "23 февраля", ((2, 23), (2, 23))),
    (f"международный|международного? женский|женского|женскому|женским {_DAY}", "8 марта",
     ((3, 8), (3, 8))),
    ("первомай|первомая|первомае|первомаю", "1 мая", ((5, 1), (5, 1))),
    (f"майские|майских|майским|майскими {_HOLIDAY_NOUNS}?", "майские праздники",
     ((5, 1), (5, 10))),
    (f"{_DAY} победы", "День Победы (9 мая)", ((5, 9), (5, 9))),
    (f"{_DAY} россии", "День России (12 июня)", ((6, 12), (6, 12))),
    (f"{_DAY} знаний", "1 сентября", ((9, 1), (9, 1))),
    ("хэллоуин|хеллоуин|хэллоуина|хеллоуина|хэллоуине|хеллоуине|хэллоуину|хеллоуину|хэлоуин|"
     "хелоуин|halloween", "Хэллоуин", ((10, 31), (10, 31))),
    ("пасха|пасху|пасхи|пасхе|пасхой", "Пасха", "пасха"),
    ("масленица|масленицу|масленицы|масленице|масленицей", "Масленица", "масленица"),
)
# feasts counted from Orthodox Easter: days from Easter to the first and the last day
MOVABLE: dict[str, tuple[int, int]] = {"пасха": (0, 0), "масленица": (-55, -49)}
# «майские жуки» are beetles, not the May holidays
NOT_A_HOLIDAY_AFTER = ("жук",)
