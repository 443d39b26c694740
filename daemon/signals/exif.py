"""When, where and with what a photo was taken, from the EXIF in its file's bytes.

read_exif runs on every photo the index sees, so it never decodes pixels and never asks
Pillow to open the image: it finds the EXIF block in the container itself (JPEG APP1,
PNG eXIf, WebP EXIF chunk, TIFF is EXIF, HEIC/HEIF/AVIF through libheif's metadata) and
reads from it only the entries it wants. Not opening the image also keeps Pillow's
decompression-bomb check (a warning above 89 MP, an error above 179 MP: a 200 MP phone
photo) away from a step that reads a few hundred bytes.

Every file is hostile input: read_exif never raises, and returns what it could read.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

try:  # HEIC/HEIF photos from phones; optional at import, as in decode.py
    import pillow_heif
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pillow_heif = None


@dataclass(frozen=True)
class ExifFacts:
    taken: datetime | None  # naive local wall-clock time the photo was taken
    offset_minutes: int | None  # UTC offset of `taken` (+03:00 -> 180); None if not written
    latitude: float | None  # degrees, north positive
    longitude: float | None  # degrees, east positive
    camera: str  # «Apple iPhone 12», «Canon EOS 5D»; '' when none


NO_FACTS = ExifFacts(None, None, None, None, "")

# EXIF tags (IFD0, the Exif IFD and the GPS IFD)
_MAKE, _MODEL, _DATE_TIME = 0x010F, 0x0110, 0x0132
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATE_ORIGINAL, _DATE_DIGITIZED = 0x9003, 0x9004
_OFFSET, _OFFSET_ORIGINAL, _OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4
_IFD0_TAGS = frozenset({_MAKE, _MODEL, _DATE_TIME, _EXIF_IFD, _GPS_IFD})
_EXIF_TAGS = frozenset({_DATE_ORIGINAL, _DATE_DIGITIZED, _OFFSET, _OFFSET_ORIGINAL,
                        _OFFSET_DIGITIZED})
_GPS_TAGS = frozenset({_LAT_REF, _LAT, _LON_REF, _LON})

# Segments/chunks walked before giving up: real files have tens before the pixels, a
# crafted one millions of tiny ones.
_MAX_SEGMENTS = 1000
_MAX_WEBP_CHUNKS = 10_000  # an animation's frames come before its EXIF chunk
# Longer than any real camera name; a hostile Model of 64 KB stays out of the index.
_MAX_CAMERA_CHARS = 80
_EARLIEST_YEAR = 1900


def read_exif(data: bytes) -> ExifFacts:
    """The facts in a photo file's bytes (JPEG, HEIC/HEIF, PNG eXIf, WebP, TIFF); NO_FACTS
    when it has none. Never raises on a broken or hostile file (returns what it could
    read)."""
    try:
        tiff = _Tiff.of(_exif_block(data))
    except Exception:  # noqa: BLE001 - libheif raises many types on broken files
        return NO_FACTS
    if tiff is None:
        return NO_FACTS
    # Each part on its own: a broken GPS IFD must not lose the date or the camera.
    ifd0 = _guarded(lambda: tiff.ifd(tiff.first, _IFD0_TAGS), {})
    camera = _guarded(lambda: _camera(ifd0.get(_MAKE), ifd0.get(_MODEL)), "")
    sub = _guarded(lambda: tiff.ifd(_pointer(ifd0.get(_EXIF_IFD)), _EXIF_TAGS), {})
    taken, offset = _guarded(lambda: _when(sub, ifd0.get(_DATE_TIME)), (None, None))
    latitude, longitude = _guarded(
        lambda: _position(tiff.ifd(_pointer(ifd0.get(_GPS_IFD)), _GPS_TAGS)), (None, None))
    facts = ExifFacts(taken, offset, latitude, longitude, camera)
    return NO_FACTS if facts == NO_FACTS else facts


_T = TypeVar("_T")


def _guarded(read: Callable[[], _T], default: _T) -> _T:
    try:
        return read()
    except Exception:  # noqa: BLE001 - a broken field reads as absent
        return default


# --- finding the EXIF block in the container -------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _exif_block(data: bytes) -> bytes | None:
    """The EXIF block (a TIFF structure, maybe after «Exif\\0\\0»), or None."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_exif(data)
    if data[:8] == _PNG_SIGNATURE:
        return _png_exif(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_exif(data)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return data  # a TIFF file (and DNG, NEF, CR2, ARW) is itself the EXIF structure
    if data[4:8] == b"ftyp" and pillow_heif is not None:
        # libheif parses the boxes without decoding; convert_hdr_to_8bit only matters then.
        return pillow_heif.open_heif(data, convert_hdr_to_8bit=False).info.get("exif")
    return None


def _jpeg_exif(data: bytes) -> bytes | None:
    """The APP1 «Exif» segments before the first scan, joined as Pillow joins them (a
    block over 64 KB continues in the next segment)."""
    parts: list[bytes] = []
    i, end = 2, len(data)
    for _ in range(_MAX_SEGMENTS):
        if i + 4 > end:
            break
        if data[i] != 0xFF:  # junk between segments: skipped, as Pillow skips it
            i = data.find(b"\xff", i)
            if i < 0:
                break
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        if marker in (0xDA, 0xD9):  # pixels start, or the file ends: no EXIF after this
            break
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2:
            break
        if marker == 0xE1 and data[i + 4:i + 9] == b"Exif\x00":
            parts.append(data[i + 10:i + 2 + length])  # after «Exif\0\0» (or «Exif\0\xff»)
        i += 2 + length
    return b"".join(parts) or None


def _png_exif(data: bytes) -> bytes | None:
    # Only before the pixels, where writers put it (PNG 1.5 extensions ask for it there):
    # finding one after IDAT means walking every chunk of the file.
    i, end = 8, len(data)
    for _ in range(_MAX_SEGMENTS):
        if i + 8 > end:
            break
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        if kind == b"eXIf":
            return data[i + 8:i + 8 + length]
        if kind in (b"IDAT", b"IEND"):
            break
        i += 12 + length
    return None


def _webp_exif(data: bytes) -> bytes | None:
    if data[12:16] != b"VP8X":
        return None  # a simple (lossy or lossless) WebP has no room for metadata
    i, end = 12, len(data)
    for _ in range(_MAX_WEBP_CHUNKS):
        if i + 8 > end:
            break
        size = int.from_bytes(data[i + 4:i + 8], "little")
        if data[i:i + 4] == b"EXIF":
            return data[i + 8:i + 8 + size]
        i += 8 + size + (size & 1)  # chunks are padded to even sizes
    return None


# --- reading the entries wanted from the EXIF block (a TIFF structure) -------------------
#
# Only the dozen entries wanted are decoded. Pillow's Exif.get_ifd() decodes every entry
# of an IFD (and formats a debug message for each): 0.35 ms for the ~60 tags an iPhone
# writes, against 0.04 ms here (bench/exif_cost.py), and it warns about each broken one.

# TIFF field type -> (struct code, bytes a value); the types EXIF writers use. BYTE and
# UNDEFINED read as text ("s"): sloppy writers store strings in them.
_TYPES = {1: ("s", 1), 2: ("s", 1), 3: ("H", 2), 4: ("I", 4), 5: ("II", 8), 7: ("s", 1),
          9: ("i", 4), 10: ("ii", 8), 11: ("f", 4), 12: ("d", 8), 13: ("I", 4)}
_MAX_NUMBERS = 16  # no wanted entry holds more (GPS positions hold 3)
_MAX_TEXT_BYTES = 1024


@dataclass(frozen=True)
class _Tiff:
    data: bytes  # from the TIFF header on; offsets count from its start
    order: str  # "<" (II) or ">" (MM)
    first: int  # offset of IFD0

    @classmethod
    def of(cls, block: bytes | None) -> _Tiff | None:
        if not block:
            return None
        for _ in range(2):  # «Exif\0\0», written twice by some
            if block[:6] == b"Exif\x00\x00":
                block = block[6:]
        if block[:4] == b"II*\x00":
            order = "<"
        elif block[:4] == b"MM\x00*":
            order = ">"
        else:
            return None  # not TIFF (nor BigTIFF, which no camera writes into a photo)
        return cls(block, order, struct.unpack_from(order + "I", block, 4)[0])

    def ifd(self, offset: int | None, wanted: frozenset[int]) -> dict[int, object]:
        """The wanted entries of the IFD at offset: bytes for text, a tuple of numbers
        otherwise; what lies outside the block (a cut file) is left out."""
        data, order = self.data, self.order
        if offset is None or offset < 8 or offset + 2 > len(data):
            return {}
        count = struct.unpack_from(order + "H", data, offset)[0]
        count = min(count, (len(data) - offset - 2) // 12)  # a cut IFD: the entries there
        found: dict[int, object] = {}
        for at in range(offset + 2, offset + 2 + 12 * count, 12):
            tag, kind, number = struct.unpack_from(order + "HHI", data, at)
            if tag in wanted and tag not in found and kind in _TYPES:
                value = self._value(kind, number, at + 8)
                if value is not None:
                    found[tag] = value
        return found

    def _value(self, kind: int, number: int, field: int) -> bytes | tuple | None:
        code, size = _TYPES[kind]
        text = code == "s"
        if number == 0 or (not text and number > _MAX_NUMBERS):
            return None
        total = size * number
        # up to 4 bytes sit in the entry itself; longer values where it points
        start = field if total <= 4 else struct.unpack_from(self.order + "I", self.data, field)[0]
        raw = self.data[start:start + total]
        if len(raw) != total:
            return None  # points outside the block
        if text:
            return raw[:_MAX_TEXT_BYTES]
        values = struct.unpack(self.order + code * number, raw)
        if len(code) == 2:  # rationals: numerator, denominator pairs
            return tuple(top / bottom if bottom else math.nan
                         for top, bottom in zip(values[::2], values[1::2], strict=True))
        return values


def _pointer(value: object) -> int | None:
    """An IFD offset written as one LONG (or IFD) number."""
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], int):
        return value[0]
    return None


# --- reading the tags ------------------------------------------------------------------

def _text(value: object) -> str:
    """An EXIF string as written: up to its first NUL, stripped; UTF-8 where it is (phones
    write UTF-8 where EXIF asks for ASCII), else Latin-1."""
    if not isinstance(value, bytes):
        return ""
    value = value.split(b"\x00", 1)[0]
    try:
        return value.decode("utf-8").strip()
    except UnicodeDecodeError:
        return value.decode("latin-1").strip()


_DATE = re.compile(r"(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"
                   r"(?:(?:\s+|T)(\d{1,2})[:.](\d{1,2})(?:[:.](\d{1,2}))?)?")


def _date(value: object) -> datetime | None:
    """«2023:07:14 18:30:05», and the variants found in the wild: dashes, a «T», no
    seconds, a fraction or an offset after them (ignored here)."""
    match = _DATE.match(_text(value))
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        taken = datetime(year, month, day, hour, minute, second)
    except ValueError:  # 0000:00:00, February 30th, 25 o'clock
        return None
    # Camera clocks reset to the past (1970, 2000); a year ahead covers any time zone.
    if not _EARLIEST_YEAR <= year <= datetime.now().year + 1:
        return None
    return taken


_OFFSET_TEXT = re.compile(r"([+-])(\d{1,2}):?(\d{2})")


def _offset(value: object) -> int | None:
    """«+03:00» -> 180, «-05:00» -> -300, «Z» -> 0; None for blanks and nonsense."""
    text = _text(value)
    if text.upper() == "Z":
        return 0
    match = _OFFSET_TEXT.fullmatch(text)
    if not match:
        return None
    hours, minutes = int(match[2]), int(match[3])
    total = hours * 60 + minutes
    if minutes >= 60 or total > 14 * 60:  # real zones lie within -12:00..+14:00
        return None
    return -total if match[1] == "-" else total


def _when(sub: dict[int, object], date_time: object) -> tuple[datetime | None, int | None]:
    """The time taken and its UTC offset: the original, else digitized, else IFD0 time,
    with the offset written for that time first."""
    sources = ((sub.get(_DATE_ORIGINAL), _OFFSET_ORIGINAL),
               (sub.get(_DATE_DIGITIZED), _OFFSET_DIGITIZED),
               (date_time, _OFFSET))
    for value, own_offset in sources:
        taken = _date(value)
        if taken is not None:
            offsets = (_offset(sub.get(tag)) for tag in
                       (own_offset, _OFFSET_ORIGINAL, _OFFSET_DIGITIZED, _OFFSET))
            return taken, next((offset for offset in offsets if offset is not None), None)
    return None, None  # an offset of no time says nothing


def _position(gps: dict[int, object]) -> tuple[float | None, float | None]:
    latitude = _coordinate(gps.get(_LAT), gps.get(_LAT_REF), "S", 90.0)
    longitude = _coordinate(gps.get(_LON), gps.get(_LON_REF), "W", 180.0)
    if latitude is None or longitude is None:
        return None, None  # half a position places the photo nowhere
    if latitude == 0.0 and longitude == 0.0:
        return None, None  # what phones write before they have a fix
    return latitude, longitude


def _coordinate(value: object, ref: object, negative: str, limit: float) -> float | None:
    """Degrees from (degrees, minutes, seconds) rationals, or fewer parts; None when a
    part is missing, not a number (a zero denominator) or out of range."""
    parts = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    if not all(isinstance(part, int | float) for part in parts):
        return None
    values = [float(part) for part in parts] + [0.0] * (3 - len(parts))
    degrees, minutes, seconds = values
    if not all(math.isfinite(number) for number in values):
        return None
    if not (0.0 <= minutes <= 60.0 and 0.0 <= seconds <= 60.0):
        return None
    magnitude = abs(degrees) + minutes / 60.0 + seconds / 3600.0
    if magnitude > limit:
        return None
    direction = _text(ref)[:1].upper()
    # The reference gives the hemisphere; without one, trust a signed value.
    south_or_west = direction == negative or (not direction and degrees < 0)
    return -magnitude if south_or_west else magnitude


# Words that name a company's legal form rather than its cameras: «OLYMPUS IMAGING CORP.»
# + «E-M10» -> «OLYMPUS E-M10».
_COMPANY_WORDS = frozenset({"ag", "camera", "co", "company", "corp", "corporation", "gmbh",
                            "imaging", "inc", "limited", "ltd"})


def _camera(make_value: object, model_value: object) -> str:
    make, model = _name(make_value), _name(model_value)
    words = make.split()
    while len(words) > 1 and all(part.strip(".") in _COMPANY_WORDS
                                 for part in words[-1].casefold().split(",")
                                 if part.strip(".")):
        words.pop()
    words = [word.rstrip(".,") for word in words]
    brand = " ".join(words)
    if not model:
        return brand[:_MAX_CAMERA_CHARS]
    # The model often names the maker already: «Canon» + «Canon EOS 5D», «NIKON
    # CORPORATION» + «NIKON D750», «EASTMAN KODAK COMPANY» + «KODAK Z990».
    names = {make, *make.split()[:1], *(word for word in words if len(word) >= 3)}
    folded = model.casefold()
    if not brand or any(name and folded.startswith(name.casefold()) for name in names):
        return model[:_MAX_CAMERA_CHARS]
    return f"{brand} {model}"[:_MAX_CAMERA_CHARS]


def _name(value: object) -> str:
    text = "".join(char for char in _text(value) if char.isprintable())
    return " ".join(text.split())
