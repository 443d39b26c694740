"""Copies: the same file twice, and the same photo made over (half size, JPEG quality 60, 5 %
cropped, turned 2°) are grouped; different photos never are. Real COCO photos, copies made
here, the real classifier and the perceptual hash."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import COCO_IMAGES
from PIL import Image

from daemon.index.indexer import Indexer
from daemon.index.store import Store
from daemon.index.vectors import VectorTable
from daemon.query.duplicates import find_duplicates, library_files
from daemon.signals.fingerprint import Fingerprint

ORIGINALS = 100


def _made_over(source: Path) -> dict[str, bytes]:
    image = Image.open(source).convert("RGB")
    width, height = image.size
    dx, dy = int(width * 0.05), int(height * 0.05)
    copies = {"half": image.resize((width // 2, height // 2), Image.Resampling.LANCZOS),
              "crop": image.crop((dx, dy, width - dx, height - dy)),
              "turned": image.rotate(2, resample=Image.Resampling.BICUBIC)}
    made = {}
    for name, copy in copies.items():
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=90)
        made[name] = buffer.getvalue()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=60)
    made["q60"] = buffer.getvalue()
    return made


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, tagger):
    folder = tmp_path_factory.mktemp("copies") / "Фото"
    folder.mkdir()
    sources = sorted(COCO_IMAGES.glob("*.jpg"))[:ORIGINALS]
    for source in sources:
        shutil.copy(source, folder / source.name)
        for kind, data in _made_over(source).items():
            (folder / f"{source.stem}-{kind}.jpg").write_bytes(data)
    shutil.copy(sources[0], folder / "тот же файл.jpg")
    with Store(folder.parent / "index.sqlite3") as store:
        Indexer(store, [tagger, Fingerprint()]).index_folder(folder)
        files, hashes = library_files(store)
        vectors = VectorTable.load(store, tagger.model_id)
    return folder, sources, files, hashes, vectors


def _original(path: str) -> str:
    name = Path(path).stem
    return "тот же файл" if name == "тот же файл" else name.split("-")[0]


def test_copies_made_over_are_found_and_different_photos_never_joined(library) -> None:
    _, sources, files, hashes, vectors = library
    groups = find_duplicates(files, vectors, hashes)
    for group in groups:  # no group joins two different COCO photos
        originals = {_original(p.path) for p in group.photos} - {"тот же файл"}
        assert len(originals) == 1, [p.path for p in group.photos]
    grouped = {Path(p.path).name for g in groups for p in g.photos}
    copies = [f"{s.stem}-{kind}.jpg" for s in sources
              for kind in ("half", "crop", "turned", "q60")]
    found = [c for c in copies if c in grouped]
    assert len(found) / len(copies) >= 0.95, sorted(set(copies) - set(found))


def test_the_same_file_twice_is_an_exact_group_and_a_photo_s_group_can_be_asked_for(
        library) -> None:
    folder, sources, files, hashes, vectors = library
    first = next(f for f in files if f.path == str(folder / sources[0].name))
    group = find_duplicates(files, vectors, hashes, of=first.photo_id)
    assert len(group) == 1
    names = {Path(p.path).name for p in group[0].photos}
    assert {sources[0].name, "тот же файл.jpg"} <= names
    assert group[0].kind == "near"  # with its made-over copies
    assert group[0].spare_bytes == group[0].bytes - max(p.size for p in group[0].photos)
