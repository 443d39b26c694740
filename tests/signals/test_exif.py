"""read_exif: when, where and with what camera a photo was taken, read from real files.

The files are written with Pillow / pillow-heif (photo_files.write_photo) or, for the
broken cases Pillow will not write, from EXIF bytes packed here by hand.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from conftest import COCO_IMAGES, clear_photo
from photo_files import (
    DATE_TIME,
    DATE_TIME_DIGITIZED,
    DATE_TIME_ORIGINAL,
    EXIF_IFD,
    GPS_IFD,
    MAKE,
    MODEL,
    OFFSET_TIME_ORIGINAL,
    photo_exif,
    write_photo,
)
from PIL import Image, ImageOps

from daemon.signals.exif import NO_FACTS, ExifFacts, read_exif

# read_exif is silent: broken files give no warnings (they would go to the daemon's log).
pytestmark = pytest.mark.filterwarnings("error")

TAKEN = datetime(2023, 7, 14, 18, 30, 5)
CITIES = {  # (latitude, longitude): south and west negative
    "Moscow": (55.7558, 37.6173),
    "Sochi": (43.5855, 39.7231),
    "Paris": (48.8566, 2.3522),
    "New York": (40.7128, -74.0060),
    "Sydney": (-33.8688, 151.2093),
    "Rio de Janeiro": (-22.9068, -43.1729),
}
EXTENSIONS = {"JPEG": "jpg", "HEIC": "heic", "PNG": "png", "WEBP": "webp", "TIFF": "tif"}


def facts_of(path: Path) -> ExifFacts:
    return read_exif(path.read_bytes())


def raw_tags(path: Path) -> tuple[dict, dict, dict]:
    """IFD0, the Exif IFD and the GPS IFD as Pillow reads them from the opened file: a
    reader independent of read_exif's own search for the EXIF block."""
    pillow_heif.register_heif_opener()
    with Image.open(path) as image:
        exif = image.getexif()
        return dict(exif), exif.get_ifd(EXIF_IFD), exif.get_ifd(GPS_IFD)


def degrees(dms: tuple, ref: str) -> float:
    value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
    return -value if ref in ("S", "W") else value


# --- EXIF packed by hand, for what Pillow will not write --------------------------------

ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 2, 3, 4, 5, 10


def text(tag: int, value: bytes) -> tuple[int, int, int, bytes]:
    return tag, ASCII, len(value), value


def rationals(tag: int, *pairs: tuple[int, int], kind: int = RATIONAL) -> tuple:
    code = "<ii" if kind == SRATIONAL else "<II"
    return tag, kind, len(pairs), b"".join(struct.pack(code, *pair) for pair in pairs)


def _ifd(entries: list[tuple], offset: int) -> bytes:
    values_at = offset + 2 + 12 * len(entries) + 4
    table, values = struct.pack("<H", len(entries)), b""
    for tag, kind, count, payload in sorted(entries):
        if len(payload) <= 4:
            field = payload.ljust(4, b"\x00")
        else:
            field = struct.pack("<I", values_at + len(values))
            values += payload + b"\x00" * (len(payload) % 2)
        table += struct.pack("<HHI", tag, kind, count) + field
    return table + struct.pack("<I", 0) + values


def tiff_exif(ifd0: list[tuple], sub: list[tuple] | None = None,
              gps: list[tuple] | None = None) -> bytes:
    """A little-endian TIFF structure: IFD0 at 8, then the Exif IFD, then the GPS IFD."""
    pointers = [tag for tag, ifd in ((EXIF_IFD, sub), (GPS_IFD, gps)) if ifd is not None]
    placeholder = [(tag, LONG, 1, b"\x00" * 4) for tag in pointers]
    at = 8 + len(_ifd(ifd0 + placeholder, 8))
    offsets, tail = {}, b""
    for tag, ifd in ((EXIF_IFD, sub), (GPS_IFD, gps)):
        if ifd is not None:
            offsets[tag] = at + len(tail)
            tail += _ifd(ifd, offsets[tag])
    head = _ifd(ifd0 + [(tag, LONG, 1, struct.pack("<I", offsets[tag])) for tag in pointers], 8)
    return b"II*\x00" + struct.pack("<I", 8) + head + tail


def jpeg_with(exif: bytes | Image.Exif) -> bytes:
    """A real JPEG whose APP1 segment holds exif (bytes: a TIFF structure)."""
    if isinstance(exif, bytes):
        exif = b"Exif\x00\x00" + exif
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def gps_entries(latitude: tuple, lat_ref: bytes, longitude: tuple, lon_ref: bytes) -> list:
    return [text(1, lat_ref), rationals(2, *latitude), text(3, lon_ref), rationals(4, *longitude)]


MOSCOW_LAT = ((55, 1), (45, 1), (2088, 100))  # 55° 45' 20.88" = 55.7558
MOSCOW_LON = ((37, 1), (37, 1), (228, 100))  # 37° 37' 2.28" = 37.6173


# --- the facts of well-formed files -----------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "HEIC", "PNG", "WEBP", "TIFF"])
def test_date_offset_place_and_camera_are_read_from_each_format(tmp_path: Path,
                                                                fmt: str) -> None:
    path = write_photo(tmp_path / f"photo.{EXTENSIONS[fmt]}", fmt=fmt, taken=TAKEN,
                       offset="+03:00", gps=CITIES["Moscow"], make="Apple", model="iPhone 12")
    ifd0, sub, gps = raw_tags(path)  # the file really carries the tags, per Pillow
    assert (ifd0[MAKE], ifd0[MODEL]) == ("Apple", "iPhone 12")
    assert sub[DATE_TIME_ORIGINAL] == "2023:07:14 18:30:05"
    assert sub[OFFSET_TIME_ORIGINAL] == "+03:00"
    assert degrees(gps[2], gps[1]) == pytest.approx(55.7558, abs=1e-6)

    facts = facts_of(path)
    assert facts.taken == TAKEN
    assert facts.offset_minutes == 180
    assert facts.latitude == pytest.approx(55.7558, abs=1e-6)
    assert facts.longitude == pytest.approx(37.6173, abs=1e-6)
    assert facts.camera == "Apple iPhone 12"


@pytest.mark.parametrize("fmt", ["JPEG", "HEIC", "PNG"])
def test_a_date_without_offset_has_no_offset(tmp_path: Path, fmt: str) -> None:
    path = write_photo(tmp_path / f"photo.{EXTENSIONS[fmt]}", fmt=fmt, taken=TAKEN)
    assert OFFSET_TIME_ORIGINAL not in raw_tags(path)[1]
    assert facts_of(path) == ExifFacts(TAKEN, None, None, None, "")


@pytest.mark.parametrize("fmt", ["JPEG", "HEIC", "PNG"])
def test_a_photo_without_exif_has_no_facts(tmp_path: Path, fmt: str) -> None:
    path = write_photo(tmp_path / f"plain.{EXTENSIONS[fmt]}", fmt=fmt)
    assert raw_tags(path) == ({}, {}, {})
    assert facts_of(path) is NO_FACTS


@pytest.mark.parametrize("city", CITIES)
@pytest.mark.parametrize("fmt", ["JPEG", "HEIC"])
def test_positions_in_every_hemisphere(tmp_path: Path, city: str, fmt: str) -> None:
    latitude, longitude = CITIES[city]
    path = write_photo(tmp_path / f"city.{EXTENSIONS[fmt]}", fmt=fmt, gps=(latitude, longitude))
    gps = raw_tags(path)[2]
    assert gps[1] == ("N" if latitude > 0 else "S")
    assert gps[3] == ("E" if longitude > 0 else "W")

    facts = facts_of(path)
    assert facts.latitude == pytest.approx(latitude, abs=1e-6)
    assert facts.longitude == pytest.approx(longitude, abs=1e-6)
    assert (facts.taken, facts.camera) == (None, "")


@pytest.mark.parametrize(("make", "model", "camera"), [
    ("Apple", "iPhone 12", "Apple iPhone 12"),
    ("Canon", "Canon EOS 5D", "Canon EOS 5D"),
    ("NIKON CORPORATION", "NIKON D750", "NIKON D750"),
    ("NIKON CORPORATION", "COOLPIX P900", "NIKON COOLPIX P900"),
    ("OLYMPUS IMAGING CORP.", "E-M10", "OLYMPUS E-M10"),
    ("EASTMAN KODAK COMPANY", "KODAK Z990 DIGITAL CAMERA", "KODAK Z990 DIGITAL CAMERA"),
    ("Leica Camera AG", "LEICA Q2", "LEICA Q2"),
    ("LG Electronics", "LG-H870", "LG-H870"),
    ("samsung", "SM-G991B", "samsung SM-G991B"),
    ("Xiaomi", "Redmi Note 8 Pro", "Xiaomi Redmi Note 8 Pro"),
    ("Canon\x00\x00\x00", "  Canon   EOS 5D \x00", "Canon EOS 5D"),  # padded as written
    ("", "iPhone 12", "iPhone 12"),
    ("Apple", "", "Apple"),
])
def test_camera_names_the_maker_once(tmp_path: Path, make: str, model: str, camera: str) -> None:
    path = write_photo(tmp_path / "camera.jpg", make=make, model=model)
    assert facts_of(path).camera == camera


def test_a_model_written_in_utf8_reads_as_written() -> None:
    exif = photo_exif(make="Xiaomi")
    exif[MODEL] = "Редми Ноут 8".encode()  # phones put UTF-8 where EXIF asks for ASCII
    assert read_exif(jpeg_with(exif)).camera == "Xiaomi Редми Ноут 8"


def test_a_hostile_camera_name_is_cut_and_cleaned() -> None:
    exif = photo_exif(make="Evil\x1b[31m", model="X" * 5000)
    camera = read_exif(jpeg_with(exif)).camera
    assert camera.startswith("Evil[31m XXX")  # the escape character is dropped
    assert len(camera) <= 80


# --- which date, and how it is written -------------------------------------------------

def test_only_the_ifd0_date_is_used_when_there_is_no_other() -> None:
    exif = Image.Exif()
    exif[DATE_TIME] = "2019:12:31 23:59:00"
    facts = read_exif(jpeg_with(exif))
    assert facts == ExifFacts(datetime(2019, 12, 31, 23, 59), None, None, None, "")


def test_the_original_date_wins_over_digitized_and_ifd0() -> None:
    raw = tiff_exif([text(DATE_TIME, b"2024:01:01 10:00:00\x00")],
                    sub=[text(DATE_TIME_ORIGINAL, b"2020:05:05 05:05:05\x00"),
                         text(DATE_TIME_DIGITIZED, b"2021:06:06 06:06:06\x00")])
    assert read_exif(jpeg_with(raw)).taken == datetime(2020, 5, 5, 5, 5, 5)


def test_digitized_date_when_the_original_is_missing_with_its_own_offset() -> None:
    raw = tiff_exif([text(DATE_TIME, b"2024:01:01 10:00:00\x00")],
                    sub=[text(DATE_TIME_DIGITIZED, b"2021:06:06 06:06:06\x00"),
                         text(0x9012, b"-05:00\x00"), text(0x9010, b"+01:00\x00")])
    facts = read_exif(jpeg_with(raw))
    assert (facts.taken, facts.offset_minutes) == (datetime(2021, 6, 6, 6, 6, 6), -300)


def test_a_zero_original_date_falls_back_to_the_ifd0_date() -> None:
    raw = tiff_exif([text(DATE_TIME, b"2018:03:08 12:00:00\x00")],
                    sub=[text(DATE_TIME_ORIGINAL, b"0000:00:00 00:00:00\x00")])
    assert read_exif(jpeg_with(raw)).taken == datetime(2018, 3, 8, 12, 0)


def test_an_offset_without_any_date_is_dropped() -> None:
    raw = tiff_exif([text(MAKE, b"Canon\x00")], sub=[text(OFFSET_TIME_ORIGINAL, b"+03:00\x00")])
    assert read_exif(jpeg_with(raw)) == ExifFacts(None, None, None, None, "Canon")


@pytest.mark.parametrize(("written", "taken"), [
    ("2023:07:14 18:30:05", TAKEN),
    ("2023-07-14 18:30:05", TAKEN),
    ("2023-07-14T18:30:05", TAKEN),
    ("2023:07:14 18:30:05.123", TAKEN),
    ("2023:07:14 18:30:05+03:00", TAKEN),
    ("2023:07:14 18:30:05\x00\x00\x00", TAKEN),
    ("  2023:07:14 18:30:05   ", TAKEN),
    ("2023:07:14 18:30", datetime(2023, 7, 14, 18, 30)),
    ("2023:07:14", datetime(2023, 7, 14)),
    (f"{datetime.now().year}:01:01 00:00:00", datetime(datetime.now().year, 1, 1)),
    ("0000:00:00 00:00:00", None),
    ("    :  :     :  :  ", None),  # what the standard writes for an unknown date
    ("2023:02:30 10:00:00", None),
    ("2023:13:01 10:00:00", None),
    ("2023:07:14 25:00:00", None),
    ("1850:01:01 00:00:00", None),
    ("2999:01:01 00:00:00", None),
    ("yesterday", None),
    ("", None),
])
def test_date_forms(written: str, taken: datetime | None) -> None:
    exif = photo_exif()
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = written
    assert read_exif(jpeg_with(exif)).taken == taken


@pytest.mark.parametrize(("written", "minutes"), [
    ("+03:00", 180), ("-05:00", -300), ("+05:30", 330), ("+05:45", 345), ("-09:30", -570),
    ("+00:00", 0), ("Z", 0), ("+0300", 180), ("+14:00", 840), ("+03:00\x00\x00", 180),
    ("   :  ", None), ("+25:00", None), ("+03:75", None), ("Moscow", None),
])
def test_offset_forms(tmp_path: Path, written: str, minutes: int | None) -> None:
    path = write_photo(tmp_path / "offset.jpg", taken=TAKEN, offset=written)
    facts = facts_of(path)
    assert (facts.taken, facts.offset_minutes) == (TAKEN, minutes)


# --- positions, right and wrong --------------------------------------------------------

def gps_facts(gps: list[tuple]) -> tuple[float | None, float | None]:
    facts = read_exif(jpeg_with(tiff_exif([text(MAKE, b"Apple\x00")], gps=gps)))
    assert facts.camera == "Apple"  # a broken position never loses the rest
    return facts.latitude, facts.longitude


def test_hand_packed_position_reads_like_a_written_one() -> None:
    lat, lon = gps_facts(gps_entries(MOSCOW_LAT, b"N\x00", MOSCOW_LON, b"E\x00"))
    assert (lat, lon) == (pytest.approx(55.7558, abs=1e-9), pytest.approx(37.6173, abs=1e-9))


def test_degrees_only_as_single_rationals() -> None:
    lat, lon = gps_facts(gps_entries(((338_688, 10_000),), b"S\x00",
                                     ((1_512_093, 10_000),), b"E\x00"))
    assert (lat, lon) == (pytest.approx(-33.8688), pytest.approx(151.2093))


def test_missing_references_mean_north_and_east() -> None:
    lat, lon = gps_facts([rationals(2, *MOSCOW_LAT), rationals(4, *MOSCOW_LON)])
    assert (lat, lon) == (pytest.approx(55.7558), pytest.approx(37.6173))


def test_signed_degrees_without_references_keep_their_sign() -> None:
    lat, lon = gps_facts([rationals(2, (-408, 10), kind=SRATIONAL),
                          rationals(4, (-740, 10), kind=SRATIONAL)])
    assert (lat, lon) == (pytest.approx(-40.8), pytest.approx(-74.0))


@pytest.mark.parametrize("gps", [
    pytest.param(gps_entries(((0, 1), (0, 1), (0, 1)), b"N\x00", ((0, 1), (0, 1), (0, 1)),
                             b"E\x00"), id="zero-zero"),
    pytest.param(gps_entries(((55, 1), (45, 0), (20, 1)), b"N\x00", MOSCOW_LON, b"E\x00"),
                 id="zero-denominator"),
    pytest.param(gps_entries(((0, 0), (0, 0), (0, 0)), b"N\x00", ((0, 0), (0, 0), (0, 0)),
                             b"E\x00"), id="all-zero-denominators"),
    pytest.param(gps_entries(((55, 0), (45, 1), (20, 1)), b"N\x00", MOSCOW_LON, b"E\x00"),
                 id="degrees-zero-denominator"),
    pytest.param(gps_entries(((95, 1), (0, 1), (0, 1)), b"N\x00", MOSCOW_LON, b"E\x00"),
                 id="latitude-95"),
    pytest.param(gps_entries(MOSCOW_LAT, b"N\x00", ((200, 1), (0, 1), (0, 1)), b"W\x00"),
                 id="longitude-200"),
    pytest.param(gps_entries(((55, 1), (75, 1), (0, 1)), b"N\x00", MOSCOW_LON, b"E\x00"),
                 id="75-minutes"),
    pytest.param(gps_entries(((55, 1), (45, 1), (20, 1), (1, 1)), b"N\x00", MOSCOW_LON,
                             b"E\x00"), id="four-parts"),
    pytest.param([text(1, b"N\x00"), rationals(2, *MOSCOW_LAT)], id="latitude-only"),
    pytest.param([text(1, b"N\x00"), text(2, b"55.7558\x00"), text(3, b"E\x00"),
                  text(4, b"37.6173\x00")], id="text-instead-of-rationals"),
    pytest.param([], id="empty-gps-ifd"),
])
def test_broken_positions_are_no_position(gps: list[tuple]) -> None:
    assert gps_facts(gps) == (None, None)


# --- broken and hostile files ---------------------------------------------------------

FULL = tiff_exif([text(MAKE, b"Canon\x00"), text(MODEL, b"Canon EOS 5D\x00")],
                 sub=[text(DATE_TIME_ORIGINAL, b"2023:07:14 18:30:05\x00"),
                      text(OFFSET_TIME_ORIGINAL, b"+03:00\x00")],
                 gps=gps_entries(MOSCOW_LAT, b"N\x00", MOSCOW_LON, b"E\x00"))


def test_the_hand_packed_full_block_reads_completely() -> None:
    facts = read_exif(jpeg_with(FULL))
    assert facts == ExifFacts(TAKEN, 180, pytest.approx(55.7558), pytest.approx(37.6173),
                              "Canon EOS 5D")


def test_a_file_cut_anywhere_never_raises_and_keeps_what_came_before_the_cut() -> None:
    data = jpeg_with(FULL)
    exif_start = data.index(FULL)
    exif_end = exif_start + len(FULL)
    full = read_exif(data)
    for cut in range(len(data)):
        facts = read_exif(data[:cut])
        if cut <= exif_start:
            assert facts is NO_FACTS
        elif cut >= exif_end:
            assert facts == full  # the pixels are not needed
        else:
            assert facts.camera in ("", "Canon", "Canon EOS 5D")  # the model may be cut
    # cut inside the GPS IFD (written last): the camera and the date are still there
    facts = read_exif(data[:exif_end - 40])
    assert (facts.camera, facts.taken, facts.latitude) == ("Canon EOS 5D", TAKEN, None)


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"just some text, not a photo\n" * 10, id="text"),
    pytest.param(bytes(range(256)) * 4, id="noise"),
    pytest.param(b"\xff\xd8", id="jpeg-start-only"),
    pytest.param(b"\xff\xd8\xff\xe1\x00\x01Exif\x00\x00", id="jpeg-bad-length"),
    pytest.param(b"\xff\xd8\xff\xe1\xff\xffExif\x00\x00II*\x00\xff\xff\xff\xff", id="jpeg-bad-ifd"),
    pytest.param(b"\xff\xd8" + b"\xff\xfe\x00\x02" * 50_000, id="jpeg-many-segments"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x10eXIfII*\x00", id="png-cut-exif"),
    pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08", id="webp-cut"),
    pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40), id="heic-junk"),
    pytest.param(b"II*\x00\x08\x00\x00\x00\xff\xff", id="tiff-huge-count"),
    pytest.param(b"MM\x00*\x7f\xff\xff\xff", id="tiff-ifd-beyond-end"),
])
def test_files_that_are_not_photos_have_no_facts(data: bytes) -> None:
    assert read_exif(data) is NO_FACTS


def test_sub_ifds_pointing_outside_the_block_lose_only_themselves() -> None:
    raw = bytearray(FULL)
    for tag in (EXIF_IFD, GPS_IFD):  # point both sub-IFDs far past the end
        entry = raw.index(struct.pack("<HHI", tag, LONG, 1))
        raw[entry + 8:entry + 12] = struct.pack("<I", 0x7FFF_FFF0)
    assert read_exif(jpeg_with(bytes(raw))) == ExifFacts(None, None, None, None, "Canon EOS 5D")


def test_a_negative_exif_ifd_pointer_loses_only_the_date() -> None:
    raw = bytearray(FULL)
    entry = raw.index(struct.pack("<HHI", EXIF_IFD, LONG, 1))
    raw[entry:entry + 12] = struct.pack("<HHIi", EXIF_IFD, 9, 1, -5)  # SLONG -5
    facts = read_exif(jpeg_with(bytes(raw)))
    assert (facts.taken, facts.camera) == (None, "Canon EOS 5D")
    assert facts.latitude == pytest.approx(55.7558)


def test_an_exif_block_continued_in_a_second_segment_is_joined() -> None:
    # As Pillow reads EXIF over 64 KB: the second APP1 «Exif» segment continues the first.
    half = len(FULL) // 2
    segments = b"".join(b"\xff\xe1" + struct.pack(">H", len(part) + 8) + b"Exif\x00\x00" + part
                        for part in (FULL[:half], FULL[half:]))
    data = jpeg_with(Image.Exif())
    facts = read_exif(data[:2] + segments + data[2:])
    assert (facts.taken, facts.camera) == (TAKEN, "Canon EOS 5D")
    assert facts.longitude == pytest.approx(37.6173)


def test_png_exif_is_read_before_the_pixels_only() -> None:
    # Writers put eXIf before IDAT; finding one after them means walking every chunk.
    data = io.BytesIO()
    Image.new("RGB", (64, 48)).save(data, format="PNG")
    png = data.getvalue()
    chunk = struct.pack(">I", len(FULL)) + b"eXIf" + FULL + struct.pack(">I", zlib.crc32(
        b"eXIf" + FULL))
    idat = png.index(b"IDAT") - 4
    iend = png.index(b"IEND") - 4
    assert read_exif(png[:idat] + chunk + png[idat:]).camera == "Canon EOS 5D"
    assert read_exif(png[:iend] + chunk + png[iend:]) is NO_FACTS


def test_an_ifd_claiming_more_entries_than_it_holds_keeps_the_real_ones() -> None:
    raw = bytearray(FULL)
    struct.pack_into("<H", raw, 8, 5000)  # IFD0's entry count
    assert read_exif(jpeg_with(bytes(raw))).camera == "Canon EOS 5D"


def test_of_two_entries_with_one_tag_the_first_counts_as_in_pillow() -> None:
    raw = tiff_exif([text(MAKE, b"Canon\x00"), text(MAKE, b"Nikon\x00")])
    assert raw.index(b"Canon") < raw.index(b"Nikon")
    with Image.open(io.BytesIO(jpeg_with(raw))) as image:
        assert image.getexif()[MAKE] == "Canon"
    assert read_exif(jpeg_with(raw)).camera == "Canon"


def test_strings_stored_as_bytes_or_undefined_still_read() -> None:
    byte, undefined = 1, 7
    raw = tiff_exif([(MAKE, byte, 6, b"Canon\x00"), (MODEL, undefined, 6, b"EOS R\x00")],
                    sub=[(DATE_TIME_ORIGINAL, undefined, 20, b"2023:07:14 18:30:05\x00")])
    facts = read_exif(jpeg_with(raw))
    assert (facts.camera, facts.taken) == ("Canon EOS R", TAKEN)


def test_a_huge_photo_is_read_without_a_decompression_bomb_warning() -> None:
    # 30000 x 20000 = 600 MP, a panorama stitched from a burst: Pillow's open() refuses it
    # (also with the decoder's raised limit), its EXIF is read all the same
    data = bytearray(jpeg_with(FULL))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 20000, 30000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bytes(data)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        facts = read_exif(bytes(data))
    assert (facts.taken, facts.camera) == (TAKEN, "Canon EOS 5D")


def test_exif_after_other_segments_and_junk_bytes_is_found() -> None:
    data = jpeg_with(FULL)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"
    app = b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
    comment = b"\xff\xfe\x00\x07hello" + b"\x00\x00\x00"  # junk bytes after a segment
    assert read_exif(data[:2] + app + comment + data[2:]).camera == "Canon EOS 5D"


@pytest.mark.parametrize("fmt", ["JPEG", "HEIC", "PNG", "WEBP", "TIFF"])
def test_randomly_damaged_headers_never_raise_and_stay_consistent(tmp_path: Path,
                                                                   fmt: str) -> None:
    data = write_photo(tmp_path / f"photo.{EXTENSIONS[fmt]}", fmt=fmt, size=(64, 48),
                       taken=TAKEN, offset="+03:00", gps=CITIES["Rio de Janeiro"],
                       make="Apple", model="iPhone 12").read_bytes()
    rng = random.Random(fmt)
    for _ in range(1000):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):  # within the headers, where the EXIF lies
            damaged[rng.randrange(min(len(damaged), 600))] = rng.randrange(256)
        facts = read_exif(bytes(damaged))
        assert facts.taken is not None or facts.offset_minutes is None
        assert (facts.latitude is None) == (facts.longitude is None)
        assert facts.latitude is None or abs(facts.latitude) <= 90
        assert facts.longitude is None or abs(facts.longitude) <= 180
        assert len(facts.camera) <= 80


# --- real photos -----------------------------------------------------------------------

def test_a_real_photo_written_as_heic_and_jpeg_keeps_its_pixels_and_facts(
        tmp_path: Path) -> None:
    source = clear_photo("cat")
    for fmt in ("JPEG", "HEIC"):
        path = write_photo(tmp_path / f"cat.{EXTENSIONS[fmt]}", fmt=fmt, source=source,
                           size=(400, 300), taken=TAKEN, offset="+03:00",
                           gps=CITIES["Sochi"], make="Apple", model="iPhone 12")
        with Image.open(path) as written, Image.open(source) as original:
            expected = ImageOps.fit(original.convert("RGB"), (400, 300))
            assert written.size == (400, 300)
            mean_error = np.abs(np.asarray(written.convert("L"), dtype=np.float32)
                                - np.asarray(expected.convert("L"), dtype=np.float32)).mean()
            assert mean_error < 8  # the cat, not a gradient
        facts = facts_of(path)
        assert facts.latitude == pytest.approx(43.5855, abs=1e-6)
        assert (facts.taken, facts.offset_minutes, facts.camera) == (TAKEN, 180,
                                                                     "Apple iPhone 12")


def test_untouched_coco_photos_read_as_pillow_sees_them() -> None:
    photos = sorted(COCO_IMAGES.glob("*.jpg"))
    assert len(photos) > 800
    for path in photos:
        data = path.read_bytes()
        facts = read_exif(data)
        with Image.open(io.BytesIO(data)) as image:
            has_exif = bool(image.info.get("exif"))
        if not has_exif:  # COCO's photos come with their EXIF stripped
            assert facts is NO_FACTS, path.name
