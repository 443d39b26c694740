"""When and where each photo was taken, in memory, beside the matrix: the filters of a search.

Dates and places are not concepts (a photo is from July 2023 or it is not), so they are
kept as columns indexed by photo id — ids are SQLite rowids, dense from 1 — that a query
reads for all its candidates at once: «кошка летом 2023» is the matrix's cats masked by
the dates. The writer thread puts and removes photos; searches read. A column only grows
by being replaced whole, so a search sees either the old or the new one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from daemon.index.store import PhotoFacts, Store, local_seconds

NO_TIME = np.iinfo(np.int64).min
_EPOCH = datetime(1970, 1, 1)


class TimeFilter(Protocol):
    """What daemon/query/timespec.py's TimeSpec offers the table (the index does not import the
    query side)."""

    def mask(self, local_seconds: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PlaceFilter:
    """Photos in any of these places (keys as daemon/places names them)."""

    cities: frozenset[int] = frozenset()
    regions: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.cities or self.regions or self.countries)


@dataclass(frozen=True)
class WhenWhere:
    """One photo's date and place as the table holds them (for showing a result)."""

    taken: datetime | None
    guessed: bool
    city_id: int
    region_key: str
    country_code: str


@dataclass(frozen=True)
class _Columns:
    known: np.ndarray  # bool: the photo has facts
    taken: np.ndarray  # int64 local seconds, NO_TIME when unknown
    guessed: np.ndarray  # bool
    city: np.ndarray  # int64 GeoNames id, 0 none
    region: np.ndarray  # int32 index into FactsTable regions, -1 none
    country: np.ndarray  # int32 index into FactsTable countries, -1 none

    @property
    def size(self) -> int:
        return len(self.known)


def _empty(size: int) -> _Columns:
    return _Columns(np.zeros(size, bool), np.full(size, NO_TIME, np.int64),
                    np.zeros(size, bool), np.zeros(size, np.int64),
                    np.full(size, -1, np.int32), np.full(size, -1, np.int32))


class FactsTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns = _empty(0)
        self._region_keys: list[str] = []
        self._region_index: dict[str, int] = {}
        self._country_keys: list[str] = []
        self._country_index: dict[str, int] = {}
        self._count = 0

    @classmethod
    def load(cls, store: Store) -> FactsTable:
        """The facts of every photo of the index, read column-wise (100 000 photos in a
        fraction of a second)."""
        table = cls()
        rows = store.facts_rows()
        if not rows:
            return table
        ids, taken, guessed, city, region, country = zip(*rows, strict=True)
        ids_array = np.array(ids, np.int64)
        columns = _empty(max(1024, int(ids_array.max()) + 1))
        columns.known[ids_array] = True
        columns.taken[ids_array] = np.array(
            [NO_TIME if t is None else t for t in taken], np.int64)
        columns.guessed[ids_array] = np.array(guessed, bool)
        columns.city[ids_array] = np.array(city, np.int64)
        columns.region[ids_array] = table._interned(region, table._region_keys,
                                                    table._region_index)
        columns.country[ids_array] = table._interned(country, table._country_keys,
                                                     table._country_index)
        table._columns = columns
        table._count = len(rows)
        return table

    @classmethod
    def _interned(cls, keys: Sequence[str], known: list[str], index: dict[str, int]
                  ) -> np.ndarray:
        return np.array([cls._intern(key, known, index) for key in keys], np.int32)

    def __len__(self) -> int:
        return self._count

    # --- the writer's side ---------------------------------------------------------------
    def put(self, photo_id: int, facts: PhotoFacts) -> None:
        with self._lock:
            columns = self._room_for(photo_id)
            if not columns.known[photo_id]:
                self._count += 1
            columns.known[photo_id] = True
            columns.taken[photo_id] = (NO_TIME if facts.taken is None
                                       else local_seconds(facts.taken))
            columns.guessed[photo_id] = facts.guessed
            columns.city[photo_id] = facts.city_id
            columns.region[photo_id] = self._intern(facts.region_key, self._region_keys,
                                                    self._region_index)
            columns.country[photo_id] = self._intern(facts.country_code, self._country_keys,
                                                     self._country_index)

    def remove(self, photo_id: int) -> None:
        with self._lock:
            columns = self._columns
            if 0 <= photo_id < columns.size and columns.known[photo_id]:
                columns.known[photo_id] = False
                columns.taken[photo_id] = NO_TIME
                columns.city[photo_id] = 0
                columns.region[photo_id] = columns.country[photo_id] = -1
                self._count -= 1

    def _room_for(self, photo_id: int) -> _Columns:
        columns = self._columns
        if photo_id < columns.size:
            return columns
        grown = _empty(max(1024, 2 * columns.size, photo_id + 1))
        for name in ("known", "taken", "guessed", "city", "region", "country"):
            getattr(grown, name)[:columns.size] = getattr(columns, name)
        self._columns = grown
        return grown

    @staticmethod
    def _intern(key: str, keys: list[str], index: dict[str, int]) -> int:
        if not key:
            return -1
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
        return index[key]

    # --- the searches' side --------------------------------------------------------------
    def _at(self, photo_ids: np.ndarray) -> tuple[_Columns, np.ndarray, np.ndarray]:
        """The columns, the ids the table holds and whether each id is among them."""
        columns = self._columns
        ids = np.asarray(photo_ids, np.int64)
        inside = (ids >= 0) & (ids < columns.size)
        safe = np.where(inside, ids, 0)
        return columns, safe, inside & columns.known[safe]

    def taken_of(self, photo_ids: np.ndarray) -> np.ndarray:
        """Local seconds of each photo, NO_TIME where unknown."""
        columns, safe, known = self._at(photo_ids)
        return np.where(known, columns.taken[safe], NO_TIME)

    def newest_first_key(self, photo_ids: np.ndarray) -> np.ndarray:
        """A sort key (ascending) that puts the newest photos first, unknown dates last."""
        taken = self.taken_of(photo_ids)
        return np.where(taken == NO_TIME, np.iinfo(np.int64).max, -taken)

    def guessed_of(self, photo_ids: np.ndarray) -> np.ndarray:
        """Whether each photo's date is only its file's (or unknown)."""
        columns, safe, known = self._at(photo_ids)
        return ~known | columns.guessed[safe] | (columns.taken[safe] == NO_TIME)

    def mask(self, photo_ids: np.ndarray, when: TimeFilter | None = None,
             where: PlaceFilter | None = None) -> np.ndarray:
        """Which of these photos were taken then and there (a photo of unknown date or
        place matches no time or place asked for)."""
        columns, safe, keep = self._at(photo_ids)
        if when is not None:
            taken = columns.taken[safe]
            keep = keep & (taken != NO_TIME)
            keep &= when.mask(np.where(keep, taken, 0))
        if where:
            keep = keep & self._place_mask(columns, safe, where)
        return keep

    def _place_mask(self, columns: _Columns, safe: np.ndarray, where: PlaceFilter) -> np.ndarray:
        found = np.zeros(len(safe), bool)
        if where.cities:
            found |= np.isin(columns.city[safe], np.fromiter(where.cities, np.int64))
        for keys, index, column in ((where.regions, self._region_index, columns.region),
                                    (where.countries, self._country_index, columns.country)):
            wanted = [index[k] for k in keys if k in index]
            if wanted:
                found |= np.isin(column[safe], np.array(wanted, np.int32))
        return found

    def photos(self) -> np.ndarray:
        """The ids of every photo with facts."""
        return np.flatnonzero(self._columns.known)

    def has_place(self, where: PlaceFilter) -> bool:
        """Whether any photo was taken there."""
        return bool(self.mask(self.photos(), where=where).any())

    def of(self, photo_id: int) -> WhenWhere | None:
        columns = self._columns
        if not 0 <= photo_id < columns.size or not columns.known[photo_id]:
            return None
        taken = int(columns.taken[photo_id])
        region, country = int(columns.region[photo_id]), int(columns.country[photo_id])
        return WhenWhere(None if taken == NO_TIME else _EPOCH + timedelta(seconds=taken),
                         bool(columns.guessed[photo_id]), int(columns.city[photo_id]),
                         self._region_keys[region] if region >= 0 else "",
                         self._country_keys[country] if country >= 0 else "")


def newest_first(photo_ids: Sequence[int] | np.ndarray, table: FactsTable,
                 tie: Iterable[float] | np.ndarray | None = None) -> np.ndarray:
    """The photos by date, newest first, those of unknown date last (by `tie`, e.g. the
    score, where dates are equal)."""
    ids = np.asarray(photo_ids, np.int64)
    keys = [table.newest_first_key(ids)]
    if tie is not None:
        keys.insert(0, -np.asarray(tie, np.float64))
    return ids[np.lexsort(keys)]
