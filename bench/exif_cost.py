"""What reading a photo's EXIF costs: milliseconds a photo for read_exif.

    python bench/exif_cost.py [--photos 200]

Sets: the COCO photos as they are (their EXIF stripped); JPEG, HEIC and PNG files with
full EXIF (date, offset, GPS, camera) written by tests/photo_files.write_photo from COCO
photos; and a phone-like JPEG and HEIC (an iPhone's ~60 tags and a 2 KB maker note; the
HEIC a grid of 48 tiles, as phones store a 12 MP photo). Each time is the best of 5 reads
of the file's bytes (already in memory). For comparison, the same facts read through
Pillow's Image.open (pillow-heif's registered opener for HEIC) and getexif(); and for
HEIC, libheif's part alone (open_heif and its EXIF block). Target: well under 1 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pillow_heif
from common import ROOT, coco_photos
from PIL import Image, ImageOps
from PIL.TiffImagePlugin import IFDRational

from daemon.signals.exif import read_exif

REPEATS = 5
MOSCOW = (55.7558, 37.6173)


def _photo_files() -> ModuleType:
    """tests/photo_files.py, the helper the tests write their photos with."""
    sys.path.insert(0, str(ROOT / "tests"))
    import photo_files

    return photo_files


def times_ms(datas: list[bytes], read: Callable[[bytes], object]) -> list[float]:
    times = []
    for data in datas:
        best = float("inf")
        for _ in range(REPEATS):
            started = time.perf_counter()
            read(data)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1000)
    return times


def via_pillow(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        exif.get_ifd(0x8769)
        exif.get_ifd(0x8825)


def libheif_only(data: bytes) -> None:
    pillow_heif.open_heif(data, convert_hdr_to_8bit=False).info.get("exif")


def phone_exif(photo_files: ModuleType) -> Image.Exif:
    """What an iPhone writes: the facts and ~60 more tags, a maker note among them."""
    exif = photo_files.photo_exif(taken=datetime(2023, 7, 14, 18, 30, 5), offset="+03:00",
                                  gps=MOSCOW, make="Apple", model="iPhone 12")
    r = IFDRational
    exif.update({0x0112: 1, 0x011A: r(72, 1), 0x011B: r(72, 1), 0x0128: 2,
                 0x0131: "17.5.1", 0x013C: "iPhone 12", 0x0213: 1})
    sub = exif.get_ifd(0x8769)
    sub.update({0x829A: r(1, 120), 0x829D: r(8, 5), 0x8822: 2, 0x8827: 50,
                0x9000: b"0232", 0x9101: b"\x01\x02\x03\x00", 0x9201: r(6906, 1000),
                0x9202: r(1356, 1000), 0x9203: r(5123, 1000), 0x9204: r(0, 1),
                0x9207: 5, 0x9209: 16, 0x920A: r(42, 10), 0x9214: (2009, 1502, 2208, 1387),
                0x927C: b"Apple iOS\x00\x00\x01MM" + bytes(range(256)) * 8,
                0x9290: "123", 0x9291: "123", 0x9292: "123", 0xA000: b"0100",
                0xA001: 65535, 0xA002: 4032, 0xA003: 3024, 0xA217: 2, 0xA301: b"\x01",
                0xA402: 0, 0xA403: 0, 0xA405: 26,
                0xA432: (r(42, 10), r(42, 10), r(8, 5), r(8, 5)), 0xA433: "Apple",
                0xA434: "iPhone 12 back dual wide camera 4.2mm f/1.6", 0xA460: 2})
    gps = exif.get_ifd(0x8825)
    gps.update({5: 0, 6: r(146123, 1000), 7: (r(15, 1), r(30, 1), r(4, 1)), 12: "K",
                13: r(0, 1), 16: "T", 17: r(27412, 100), 23: "T", 24: r(27412, 100),
                29: "2023:07:14", 31: r(35, 1)})
    return exif


def write_sets(folder: Path, photos: list[Path]) -> dict[str, list[Path]]:
    photo_files = _photo_files()
    facts = {"taken": datetime(2023, 7, 14, 18, 30, 5), "offset": "+03:00", "gps": MOSCOW,
             "make": "Apple", "model": "iPhone 12"}
    sets: dict[str, list[Path]] = {"coco": photos}
    for fmt, ext in (("JPEG", "jpg"), ("HEIC", "heic"), ("PNG", "png")):
        sets[fmt.lower()] = []
        for source in photos:
            with Image.open(source) as image:
                size = image.size
            target = folder / f"{source.stem}.{ext}"
            sets[fmt.lower()].append(photo_files.write_photo(target, fmt=fmt, source=source,
                                                             size=size, **facts))
    pillow_heif.register_heif_opener()
    exif = phone_exif(photo_files)
    sets["jpeg_phone"], sets["heic_phone"] = [], []
    for source in photos[:20]:  # grid HEICs take a while to encode
        with Image.open(source) as photo:
            image = ImageOps.fit(photo.convert("RGB"), (512, 384))
        jpeg, heic = folder / f"phone_{source.stem}.jpg", folder / f"phone_{source.stem}.heic"
        image.save(jpeg, format="JPEG", exif=exif, quality=90)
        image.save(heic, format="HEIF", exif=exif, quality=80, tile_size=64)  # 8 x 6 tiles
        sets["jpeg_phone"].append(jpeg)
        sets["heic_phone"].append(heic)
    return sets


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"ms_median": round(statistics.median(ordered), 4),
            "ms_p90": round(ordered[int(len(ordered) * 0.9)], 4),
            "ms_max": round(ordered[-1], 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args()

    photos = coco_photos(args.photos)
    rows: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets = write_sets(Path(tmp), photos)
        read_exif(sets["heic"][0].read_bytes())  # first call: imports, libheif start-up
        for name, paths in sets.items():
            datas = [path.read_bytes() for path in paths]
            row: dict[str, float | int] = {
                "files": len(datas),
                "with_date": sum(read_exif(data).taken is not None for data in datas),
                **summary(times_ms(datas, read_exif)),
                "pillow_open_ms_median": summary(times_ms(datas, via_pillow))["ms_median"]}
            if name.startswith("heic"):
                row["libheif_only_ms_median"] = summary(
                    times_ms(datas, libheif_only))["ms_median"]
            rows[name] = row
    print(json.dumps({"photos": len(photos), **rows}))
    for name, row in rows.items():
        extra = (f", libheif alone {row['libheif_only_ms_median']}"
                 if "libheif_only_ms_median" in row else "")
        print(f"{name:>11}: read_exif {row['ms_median']} ms a photo (p90 {row['ms_p90']},"
              f" max {row['ms_max']}); through Image.open {row['pillow_open_ms_median']}"
              f"{extra}; {row['with_date']}/{row['files']} dated")
    print("target: well under 1 ms a photo")


if __name__ == "__main__":
    main()
