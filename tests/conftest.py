"""Shared fixtures: real photos from ../shared/data, the real model and word vectors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from daemon.index.store import SparseTags
from daemon.signals import ModelSignal
from daemon.signals.classifier import CONCEPTS as CLASSIFIER_CONCEPTS
from daemon.signals.classifier import sparsify

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
COCO = SHARED / "coco"
COCO_IMAGES = COCO / "images"


def coco_labels() -> dict[str, list[str]]:
    return json.loads((COCO / "labels.json").read_text(encoding="utf-8"))


def coco_with(category: str, alone: bool = False, count: int = 3) -> list[Path]:
    """COCO photos showing a category (alone: and none of the other 79)."""
    found = [name for name, cats in sorted(coco_labels().items())
             if category in cats and (not alone or set(cats) == {category})]
    return [COCO_IMAGES / name for name in found[:count]]


@pytest.fixture(scope="session", autouse=True)
def _shared_data_present() -> None:
    if not COCO_IMAGES.is_dir():
        pytest.exit(f"tests need the shared photos at {COCO_IMAGES}", returncode=2)


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of exported models for the whole run, subprocesses included."""
    cache = tmp_path_factory.mktemp("model-cache")
    os.environ["SMART_GALLERY_CACHE"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def tagger(model_cache: Path):
    """The tagger the product runs: EfficientNet-Lite0 exported to ONNX, reading the whole
    photo."""
    from daemon.signals.classifier import load_tagger

    return load_tagger("efficientnet-lite0", threads=2, cache_dir=model_cache)


@pytest.fixture(scope="session")
def torch_tagger():
    from daemon.model_export import efficientnet_lite0

    return efficientnet_lite0(threads=2)


@pytest.fixture(scope="session")
def word_vectors():
    from daemon.query.text import NavecVectors

    return NavecVectors()


@pytest.fixture(scope="session")
def vocabulary():
    from daemon.query.vocab import load_vocabulary

    return load_vocabulary()


@pytest.fixture(scope="session")
def analyzer():
    from daemon.query.text import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def gazetteer():
    from daemon.places import Gazetteer

    return Gazetteer.load()


@pytest.fixture(scope="session")
def engine(vocabulary, analyzer, word_vectors, gazetteer):
    from daemon.query.search import QueryEngine

    return QueryEngine(vocabulary, analyzer, word_vectors, gazetteer)


# COCO photos in which the subject is plain to see (the model agrees with the label).
CLEAR_PHOTOS = {
    "cat": ["000000000650.jpg", "000000000825.jpg"],
    "dog": ["000000000074.jpg", "000000000307.jpg"],
    "bus": ["000000000471.jpg"],
    "pizza": ["000000000450.jpg", "000000047112.jpg"],
}


def index_coco_photos(tmp_path: Path, names: dict[str, str], signals: list,
                      made: dict[str, Image.Image] | None = None):
    """COCO photos (file name -> the name to give the copy), and photos made from them
    (name -> image), indexed by these real signals into a real SQLite index; returns the
    folder and the search matrix."""
    from daemon.index.indexer import Indexer
    from daemon.index.matrix import load_matrix
    from daemon.index.store import Store

    folder = tmp_path / "photos"
    folder.mkdir()
    for name, as_name in names.items():
        shutil.copy(COCO_IMAGES / name, folder / as_name)
    for name, image in (made or {}).items():
        image.save(folder / name)
    with Store(tmp_path / "index.sqlite3") as store:
        Indexer(store, signals).index_folder(folder)
        matrix = load_matrix(store, {s.model_id: s.concepts for s in signals})
    return folder, matrix


def clear_photo(category: str, index: int = 0) -> Path:
    return COCO_IMAGES / CLEAR_PHOTOS[category][index]


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """A folder with a few real photos: cats, dogs, a bus and pizzas."""
    folder = tmp_path / "Фото"
    folder.mkdir()
    for category, names in CLEAR_PHOTOS.items():
        for index, name in enumerate(names):
            shutil.copy(COCO_IMAGES / name, folder / f"{category}_{index}.jpg")
    return folder


class FakeTagger(ModelSignal):
    """Test double for the slow model: class = a pixel's brightness bucket; counts calls."""

    model_id = "fake-tagger"
    concepts = CLASSIFIER_CONCEPTS

    def __init__(self) -> None:
        self.predicted = 0
        self._lock = threading.Lock()  # the indexer's workers call predict in parallel

    def to_tags(self, scores: np.ndarray, photo_size: tuple[int, int] | None = None
                ) -> SparseTags:
        return sparsify(scores)

    def preprocess(self, image: Image.Image) -> np.ndarray:
        small = image.resize((4, 4))
        return np.asarray(small, dtype=np.uint8).transpose(2, 0, 1).copy()

    def predict(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            self.predicted += len(batch)
        probs = np.full((len(batch), 1000), 0.1 / 999, np.float32)
        for row, pixels in enumerate(batch):
            probs[row, int(pixels.mean()) * 999 // 255] = 0.9
        return probs


@pytest.fixture
def fake_tagger() -> FakeTagger:
    return FakeTagger()


def solid_photo(path: Path, color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format="JPEG", quality=95)
    return path


# A real X server (Xvfb) for the tray and popup tests.
@pytest.fixture(scope="session")
def display() -> str:
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb (apt install xvfb; .ci/run installs it)")
    for number in range(90, 130):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and \
                not Path(f"/tmp/.X{number}-lock").exists():
            break
    name = f":{number}"
    server = subprocess.Popen(["Xvfb", name, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = name
    yield name
    server.terminate()
    server.wait(timeout=10)
    if previous is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = previous


@pytest.fixture
def window(display, tmp_path: Path):
    """A real Tk root on the Xvfb display (and a folder for the test), destroyed after."""
    import tkinter as tk

    root = tk.Tk()
    yield root, tmp_path
    try:
        if root.winfo_exists():
            root.destroy()
    except tk.TclError:  # the test destroyed it
        pass


@pytest.fixture(scope="session")
def detector():
    """The COCO-80 detector the product runs beside the ImageNet tagger."""
    from daemon.signals.detector import Detector

    return Detector(threads=2)


class Counting(ModelSignal):
    """Wraps a real tagger and counts the photos it ran on."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.concepts = inner.concepts
        self.needs = inner.needs
        self.preprocess = inner.preprocess
        self.to_tags = inner.to_tags
        self.predicted = 0
        self._lock = threading.Lock()  # the indexer's workers call predict in parallel

    def predict(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            self.predicted += len(batch)
        return self.inner.predict(batch)


# --- pictures of text (tests/text_images.py draws them) -------------------------------------
@pytest.fixture(scope="module")
def font_path() -> Path:
    from text_images import FONT

    if not FONT.is_file():
        pytest.skip(f"needs the DejaVu Sans font at {FONT} (apt install fonts-dejavu-core)")
    return FONT


@pytest.fixture(scope="module")
def one_openmp_thread():
    """Tesseract as the daemon runs it: one OpenMP thread (ocr.one_thread). On two cores its
    default threads make each page several times slower."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_THREAD_LIMIT", "1")
        yield
