"""GPS position -> the nearest town, its region and its country, in Russian, offline.

The data (data/, written by tools/convert_places.py from GeoNames, plus the hand-written
regions.tsv and aliases.tsv) is read once by Gazetteer.load(); the caller keeps the
instance. Distances are great-circle distances on a sphere of radius 6371 km.

Which town a position gets: the nearest town whose radius reaches it, the radius growing
with the town's population (town_radius_km: 20 km for a town of 15 000, 30 km for 150 000,
40 km for 1.5 million, at most 50 km). Farther than that from every town, the position
still gets the region and country of the nearest town if it lies within
COUNTRY_RADIUS_KM (a forest, a lake, a coast), with no town; farther still (at sea, the
desert, the poles) it gets nothing: nearest() returns None.
"""

from __future__ import annotations

import gzip
import math
import re
from array import array
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np

EARTH_RADIUS_KM = 6371.0
# Beyond every town's radius, the nearest town within this still gives region and country.
COUNTRY_RADIUS_KM = 150.0
SMALLEST_TOWN = 15_000  # the data holds towns of at least this many people (and capitals)


def town_radius_km(population: np.ndarray | int) -> np.ndarray | float:
    """How far from its centre a town is still named: 20 km for the smallest towns, 10 km
    more for every tenfold population, at most 50 km."""
    ratio = np.maximum(np.asarray(population, dtype=np.float64), SMALLEST_TOWN) / SMALLEST_TOWN
    return np.minimum(20.0 + 10.0 * np.log10(ratio), 50.0)


@dataclass(frozen=True)
class Place:
    city_id: int  # GeoNames id of the town, 0 when no town is near enough
    city: str  # Russian name ('' when none; the Latin GeoNames name when it has no Russian one)
    region_key: str  # 'RU.38' ('' when unknown)
    region: str  # Russian name ('' when none is written in regions.tsv)
    country_code: str  # ISO 3166-1 alpha-2 ('' when none)
    country: str  # Russian name
    distance_km: float  # to the town (or to the nearest town used for the country)

    def label(self) -> str:
        """«Сочи, Краснодарский край, Россия»: the parts that are known, a part equal to the
        one before it left out («Анталья, Турция» for the town in the province Анталья)."""
        parts: list[str] = []
        for part in (self.city, self.region, self.country):
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        return ", ".join(parts)


@dataclass(frozen=True)
class PlaceRef:
    kind: str  # 'city' | 'region' | 'country'
    key: str  # city: str(geonameid); region: 'RU.38'; country: 'TR'
    name: str  # Russian display name


@dataclass(frozen=True)
class PlaceName:
    """A name the query matcher looks for, with every place it names."""

    words: tuple[str, ...]  # lower case, ё as е, split at spaces and hyphens
    text: str  # as written in the data («Нижний Новгород», «Питер»)
    refs: tuple[PlaceRef, ...]  # countries, then regions, then towns by population
    ambiguous: bool  # also a common Russian word (Орёл, Луга, Шахты)


def name_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s\-‐–—]+", text.lower().replace("ё", "е")) if w)


def name_prefix(word: str) -> str:
    """The index key of a name's first word: its first two letters, which every case form
    shares (Орёл, Орла; Уфа, Уфе)."""
    return word[:2]


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _read_text(name: str) -> str:
    return resources.files("daemon.places").joinpath("data", name).read_text(encoding="utf-8")


def _hand_rows(name: str) -> Iterator[list[str]]:
    """Rows of a hand-written TSV: '#' starts a comment line, blank lines are skipped."""
    for line in _read_text(name).splitlines():
        if line.strip() and not line.startswith("#"):
            yield [cell.strip() for cell in line.split("\t")]


class Gazetteer:
    def __init__(self, ids: np.ndarray, unit: np.ndarray, display: np.ndarray,
                 cos_radius: np.ndarray, population: np.ndarray, region_index: np.ndarray,
                 names: list[str], region_keys: list[str], region_names: dict[str, str],
                 country_names: dict[str, str],
                 name_index: dict[str, tuple[PlaceName, ...]]) -> None:
        self._ids = ids  # (N,) int64, sorted: GeoNames ids
        self._unit = unit  # (N, 3) float64 unit vectors (float32 cannot tell 1 km apart)
        self._display = display  # (N,) int32: the row shown for this one (a section's city)
        self._cos_radius = cos_radius  # (N,) cos of the radius of the town shown
        self._population = population  # (N,) int64
        self._region_index = region_index  # (N,) int32 into region_keys
        self._names = names  # (N,) display name ('' for sections)
        self._region_keys = region_keys  # 'RU.38'
        self._region_names = region_names  # 'RU.38' -> 'Краснодарский край'
        self._country_names = country_names  # 'RU' -> 'Россия'
        self._name_index = name_index
        self._cos_country = math.cos(COUNTRY_RADIUS_KM / EARTH_RADIUS_KM)

    @classmethod
    def load(cls) -> Gazetteer:
        """Read the package data. About 0.2 s; the instance is immutable and thread-safe."""
        raw = resources.files("daemon.places").joinpath("data", "cities.tsv.gz").read_bytes()
        text = gzip.decompress(raw).decode("utf-8")
        del raw
        # One pass into compact arrays: lists of split rows would cost tens of MB at peak.
        ids_a, parents_a, pop_a = array("q"), array("q"), array("q")
        lat_a, lon_a, region_a = array("d"), array("d"), array("i")
        names: list[str] = []
        region_keys: list[str] = []
        region_of: dict[str, int] = {}
        city_names: list[tuple[str, str, str, int]] = []  # id, display, matchable, population
        lines = iter(text.splitlines())
        next(lines)  # header
        for line in lines:
            gid, lat_s, lon_s, cc, admin1, pop_s, parent, display, matchable = line.split("\t")
            ids_a.append(int(gid))
            lat_a.append(float(lat_s))
            lon_a.append(float(lon_s))
            pop_a.append(int(pop_s))
            parents_a.append(int(parent))
            key = f"{cc}.{admin1}"
            index = region_of.get(key)
            if index is None:
                index = region_of[key] = len(region_keys)
                region_keys.append(key)
            region_a.append(index)
            names.append(display)
            if matchable:
                city_names.append((gid, display, matchable, int(pop_s)))
        del text, lines
        ids = np.frombuffer(ids_a, dtype=np.int64).copy()
        if np.any(np.diff(ids) <= 0):
            raise ValueError("cities.tsv.gz must be sorted by GeoNames id")
        population = np.frombuffer(pop_a, dtype=np.int64).copy()
        parents = np.frombuffer(parents_a, dtype=np.int64)
        region_index = np.frombuffer(region_a, dtype=np.int32).copy()
        n = len(ids)
        display = np.arange(n, dtype=np.int32)
        has_parent = parents > 0
        display[has_parent] = np.searchsorted(ids, parents[has_parent]).astype(np.int32)
        cos_radius = np.cos(town_radius_km(population[display]) / EARTH_RADIUS_KM)
        unit = _unit_vectors(np.frombuffer(lat_a, dtype=np.float64),
                             np.frombuffer(lon_a, dtype=np.float64))

        countries: dict[str, str] = {}
        entries: list[tuple[str, PlaceRef, bool, float]] = []  # name, ref, ambiguous, rank
        for code, display_name, matchable in (
                line.split("\t") for line in _read_text("countries.tsv").splitlines()[1:]):
            countries[code] = display_name
            ref = PlaceRef("country", code, display_name)
            entries += [(m.lstrip("~"), ref, m.startswith("~"), 0)
                        for m in matchable.split("|") if m]
        regions: dict[str, str] = {}
        for key, name, *flags in _hand_rows("regions.tsv"):
            regions[key] = name
            entries.append((name, PlaceRef("region", key, name), "ambiguous" in flags, 1))
        for gid, display_name, matchable, pop in city_names:
            ref = PlaceRef("city", gid, display_name)
            rank = 2 + 1.0 / (1 + pop)  # bigger towns first
            entries += [(m.lstrip("~"), ref, m.startswith("~"), rank)
                        for m in matchable.split("|")]
        refs_by_key = {("country", c): PlaceRef("country", c, name)
                       for c, name in countries.items()}
        refs_by_key.update({("region", k): PlaceRef("region", k, name)
                            for k, name in regions.items()})
        for alias, kind, key, *flags in _hand_rows("aliases.tsv"):
            if kind == "city":
                row = int(np.searchsorted(ids, int(key)))
                ref = PlaceRef("city", key, names[row])
            else:
                ref = refs_by_key[(kind, key)]
            entries.append((alias, ref, "ambiguous" in flags, 0.5))

        return cls(ids, unit, display, cos_radius, population, region_index, names,
                   region_keys, regions, countries, _build_name_index(entries))

    # -- positions -----------------------------------------------------------------------

    def nearest(self, lat: float, lon: float) -> Place | None:
        """The place of a GPS position (see the module docstring); None for invalid
        coordinates or a position far from every town."""
        if not (math.isfinite(lat) and math.isfinite(lon)
                and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            return None
        point = _unit_vectors(np.float64(lat), np.float64(lon))
        cos = self._unit @ point
        reached = cos >= self._cos_radius
        if reached.any():
            row = int(np.argmax(np.where(reached, cos, -2.0)))
            return self._place(row, self._km(cos[row]), with_town=True)
        row = int(np.argmax(cos))
        if cos[row] < self._cos_country:
            return None
        return self._place(row, self._km(cos[row]), with_town=False)

    def place_of_city(self, city_id: int) -> Place | None:
        """The names of a town by its GeoNames id (as stored from an earlier nearest())."""
        row = int(np.searchsorted(self._ids, city_id))
        if row >= len(self._ids) or self._ids[row] != city_id:
            return None
        return self._place(row, 0.0, with_town=True)

    @staticmethod
    def _km(cos: float) -> float:
        return EARTH_RADIUS_KM * math.acos(min(1.0, max(-1.0, float(cos))))

    def _place(self, row: int, distance_km: float, with_town: bool) -> Place:
        shown = int(self._display[row])
        region_key = self._region_keys[self._region_index[shown]]
        country_code = region_key.split(".", 1)[0]
        return Place(
            city_id=int(self._ids[shown]) if with_town else 0,
            city=self._names[shown] if with_town else "",
            region_key=region_key,
            region=self._region_names.get(region_key, ""),
            country_code=country_code,
            country=self._country_names.get(country_code, ""),
            distance_km=round(distance_km, 3),
        )

    def label(self, city_id: int, region_key: str, country_code: str) -> str:
        """The Russian label of a stored place («Сочи, Краснодарский край, Россия»), from
        the keys nearest() gave; what is unknown is left out, '' when nothing is known."""
        place = self.place_of_city(city_id) if city_id else None
        if place is None:
            place = Place(0, "", region_key, self._region_names.get(region_key, ""),
                          country_code, self._country_names.get(country_code, ""), 0.0)
        return place.label()

    # -- names ---------------------------------------------------------------------------

    def names(self) -> Mapping[str, tuple[PlaceName, ...]]:
        """Every matchable name, keyed by name_prefix() of its first word."""
        return self._name_index

    def country_name(self, code: str) -> str:
        return self._country_names.get(code, "")

    def region_name(self, key: str) -> str:
        return self._region_names.get(key, "")

    def __len__(self) -> int:
        return len(self._ids)


def _build_name_index(entries: list[tuple[str, PlaceRef, bool, float]]
                      ) -> dict[str, tuple[PlaceName, ...]]:
    """Group the places by the words of their names; a name is ambiguous when every
    place of that name has it marked so."""
    grouped: dict[tuple[str, ...], list[tuple[float, PlaceRef, bool, str]]] = defaultdict(list)
    for text, ref, ambiguous, rank in entries:
        words = name_words(text)
        if words:
            grouped[words].append((rank, ref, ambiguous, text))
    index: dict[str, list[PlaceName]] = defaultdict(list)
    for words, items in grouped.items():
        items.sort(key=lambda item: item[0])
        refs: list[PlaceRef] = []
        for _rank, ref, _ambiguous, _text in items:
            if ref not in refs:
                refs.append(ref)
        name = PlaceName(words, items[0][3], tuple(refs), all(item[2] for item in items))
        index[name_prefix(words[0])].append(name)
    return {prefix: tuple(names) for prefix, names in index.items()}
