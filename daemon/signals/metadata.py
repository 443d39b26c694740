"""When and where a photo was taken, and with what camera: its EXIF (daemon/signals/exif.py)
and the town nearest its GPS position (daemon/places) -> PhotoFacts.

This signal reads the file's bytes, not its pixels: the indexer gives it the bytes it has
read to hash the photo, so every photo the indexer sees gets its facts, also one whose tags
are reused (moved, copied, touched), and an index made before this signal gets them
without a decode or a model run. Dates and places are numbers and keys, not concepts:
they are filters beside the matrix (daemon/index/facts.py).

A photo without an EXIF date is dated by the file's modification time, marked as a guess
(a copy or an edit moves it; a scan or a screenshot has nothing better).
"""

from __future__ import annotations

from datetime import datetime

from daemon.index.store import PhotoFacts
from daemon.places import Gazetteer
from daemon.signals.exif import read_exif

# Raise it when what is read changes: facts of an older version are read again (cheaply:
# no decode).
VERSION = 1


class FactsReader:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.version = VERSION

    @classmethod
    def load(cls) -> FactsReader:
        return cls(Gazetteer.load())

    def read(self, data: bytes, mtime_ns: int) -> PhotoFacts:
        """The facts of a file's bytes; its mtime dates a photo without an EXIF date."""
        exif = read_exif(data)
        taken, offset, guessed = exif.taken, exif.offset_minutes, False
        if taken is None:
            try:
                stamp = datetime.fromtimestamp(mtime_ns / 1e9).astimezone()
            except (OverflowError, OSError, ValueError):  # a file dated outside the calendar
                stamp = None
            if stamp is not None:
                utc_offset = stamp.utcoffset()
                taken, guessed = stamp.replace(tzinfo=None), True
                offset = None if utc_offset is None else int(utc_offset.total_seconds() // 60)
        place = None
        if exif.latitude is not None and exif.longitude is not None:
            place = self.gazetteer.nearest(exif.latitude, exif.longitude)
        return PhotoFacts(
            self.version, taken, offset, guessed, exif.latitude, exif.longitude,
            city_id=place.city_id if place else 0,
            region_key=place.region_key if place else "",
            country_code=place.country_code if place else "",
            camera=exif.camera)
