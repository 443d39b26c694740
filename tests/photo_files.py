"""Real photo files carrying the EXIF a test asks for, written with Pillow and pillow-heif.

    from photo_files import write_photo

    write_photo(tmp_path / "moscow.heic", fmt="HEIC", taken=datetime(2023, 7, 14, 18, 30),
                offset="+03:00", gps=(55.7558, 37.6173), make="Apple", model="iPhone 12")

The EXIF is laid out as a phone lays it out: Make and Model in IFD0, the times in IFD0
(DateTime) and in the Exif IFD (DateTimeOriginal, DateTimeDigitized, their OffsetTime
tags), the position in the GPS IFD as degrees/minutes/seconds rationals with N/S, E/W.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageOps

# format name -> Pillow's format name (HEIC is written by pillow-heif's plugin)
FORMATS = {"JPEG": "JPEG", "HEIC": "HEIF", "PNG": "PNG", "WEBP": "WEBP", "TIFF": "TIFF"}

# EXIF tags written (names as in the EXIF 2.32 standard)
MAKE, MODEL, DATE_TIME = 0x010F, 0x0110, 0x0132
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
GPS_VERSION, GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 0, 1, 2, 3, 4


def write_photo(path: Path, *, fmt: str = "JPEG", source: Path | None = None,
                size: tuple[int, int] = (320, 240), taken: datetime | None = None,
                offset: str | None = None, gps: tuple[float, float] | None = None,
                make: str = "", model: str = "") -> Path:
    """A real photo file (JPEG, HEIC or PNG; WEBP and TIFF too) carrying the EXIF given,
    written with Pillow / pillow-heif: the pixels of `source` (a real photo, e.g. a COCO
    image) scaled and cropped to `size`, or a plain gradient.

    taken: DateTime, DateTimeOriginal and DateTimeDigitized; offset («+03:00»): the three
    OffsetTime tags; gps: (latitude, longitude) in degrees, south and west negative.
    With nothing given the file has no EXIF at all. Returns path."""
    if fmt not in FORMATS:
        raise ValueError(f"write_photo writes {', '.join(FORMATS)}, not {fmt!r}")
    image = _pixels(source, size)
    exif = photo_exif(taken=taken, offset=offset, gps=gps, make=make, model=model)
    options: dict[str, object] = {"exif": exif} if len(exif) else {}
    if fmt == "HEIC":
        pillow_heif.register_heif_opener()  # the HEIF writer is registered with the opener
    if fmt in ("JPEG", "HEIC", "WEBP"):
        options["quality"] = 90
    image.save(path, format=FORMATS[fmt], **options)
    return path


def photo_exif(*, taken: datetime | None = None, offset: str | None = None,
               gps: tuple[float, float] | None = None, make: str = "",
               model: str = "") -> Image.Exif:
    """The Image.Exif that write_photo writes (for tests that write it themselves)."""
    exif = Image.Exif()
    sub: dict[int, object] = {}
    if make:
        exif[MAKE] = make
    if model:
        exif[MODEL] = model
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[DATE_TIME] = stamp
        sub.update({DATE_TIME_ORIGINAL: stamp, DATE_TIME_DIGITIZED: stamp})
    if offset is not None:
        sub.update({OFFSET_TIME: offset, OFFSET_TIME_ORIGINAL: offset,
                    OFFSET_TIME_DIGITIZED: offset})
    if sub:
        # Set as a tag of IFD0, not only through get_ifd(): Pillow's TIFF writer skips
        # sub-IFDs whose pointer tag is missing from IFD0 (JPEG, PNG and HEIC do not).
        exif.get_ifd(EXIF_IFD).update(sub)
        exif[EXIF_IFD] = exif.get_ifd(EXIF_IFD)
    if gps is not None:
        latitude, longitude = gps
        exif.get_ifd(GPS_IFD).update({
            GPS_VERSION: b"\x02\x02\x00\x00",
            GPS_LAT_REF: "N" if latitude >= 0 else "S", GPS_LAT: _dms(latitude),
            GPS_LON_REF: "E" if longitude >= 0 else "W", GPS_LON: _dms(longitude)})
        exif[GPS_IFD] = exif.get_ifd(GPS_IFD)
    return exif


def _dms(degrees: float) -> tuple[float, float, float]:
    """Degrees -> (degrees, minutes, seconds) of its magnitude, as cameras write them."""
    magnitude = abs(degrees)
    whole = int(magnitude)
    minutes = int((magnitude - whole) * 60)
    seconds = round(((magnitude - whole) * 60 - minutes) * 60, 4)
    return float(whole), float(minutes), seconds


def _pixels(source: Path | None, size: tuple[int, int]) -> Image.Image:
    if source is not None:
        with Image.open(source) as photo:
            image = ImageOps.fit(photo.convert("RGB"), size)
        image.info = {}  # the source's own EXIF must not reach the file (pillow-heif copies it)
        return image
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    rgb = np.stack([np.broadcast_to(x, (height, width)), np.broadcast_to(y, (height, width)),
                    np.broadcast_to((x + y) / 2, (height, width))], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))
