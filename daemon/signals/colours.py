"""Colours and light: the share of each basic Russian colour term in the photo and inside
each box the detector found, black-and-white and sepia, night, sunset, sun and dull light.

Russian has twelve basic colour terms, голубой (light blue) and синий (dark blue) among
them. A pixel is named in CIELAB: near-grey pixels (low chroma) are белый, серый or чёрный
by lightness and never count for a chromatic term; the others take the term of the nearest
prototype colour, written down below from the colours people call by each word. The
names of all 32768 colours of 5 bits a channel are computed once, so a photo costs one
small resize and a table lookup (0.74 ms a photo, bench/colour_cost.py).

An object's colour is read inside its detector box, weighted towards the box's centre (a
Gaussian), where the object is, rather than the background at the box's edges.

Rows (numbered within the block): 0..11 the share of each colour term in the photo;
12.. what the photo as a whole is (PHOTO_CONCEPTS: black-and-white, sepia, night, sunset,
sunny, dull, colourful); OBJECT_FIRST + 12 × COCO class + term: the share of the term in
that object's box, for the objects the detector saw.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.index.store import SparseTags
from daemon.signals import SignalSpec
from daemon.signals.decode import DecodedPhoto
from daemon.signals.detector import (
    NUM_DETECTOR_CLASSES,
    detector_model_id,
    retired_detector_id_of,
)

VERSION = 1
TERMS = ("красный", "оранжевый", "жёлтый", "зелёный", "голубой", "синий", "фиолетовый",
         "розовый", "коричневый", "белый", "серый", "чёрный")
ENGLISH = ("red", "orange", "yellow", "green", "light blue", "blue", "purple", "pink",
           "brown", "white", "grey", "black")
WHITE, GREY, BLACK = 9, 10, 11
PHOTO_CONCEPTS = ("bw", "sepia", "night", "sunset", "sunny", "dull", "colourful")
PHOTO_FIRST = len(TERMS)  # 12
OBJECT_FIRST = 100
CONCEPTS = ConceptBlock(1100, OBJECT_FIRST + NUM_DETECTOR_CLASSES * len(TERMS))

# Prototypes of each chromatic term (sRGB), from the colours Russian speakers give the name:
# the focal colour, its light and dark variants, and the named shades the word covers
# (алый, бордовый → красный; бирюзовый, небесный → голубой; бежевый, шоколадный →
# коричневый).
PROTOTYPES: dict[int, tuple[tuple[int, int, int], ...]] = {
    0: ((220, 30, 30), (255, 0, 0), (180, 20, 30), (140, 15, 25), (200, 50, 50),
        (230, 60, 70)),
    1: ((255, 140, 0), (255, 165, 0), (240, 120, 40), (230, 100, 20), (250, 150, 80)),
    2: ((255, 230, 0), (255, 255, 0), (240, 210, 60), (250, 240, 140), (220, 190, 30),
        (255, 215, 0)),
    3: ((0, 150, 0), (0, 255, 0), (40, 140, 40), (100, 160, 60), (20, 80, 30),
        (120, 180, 90), (0, 120, 90), (150, 200, 120), (80, 100, 40), (60, 120, 60),
        (128, 128, 0), (107, 142, 35)),
    4: ((135, 206, 235), (0, 190, 255), (100, 170, 230), (170, 220, 240), (64, 224, 208),
        (0, 200, 200), (120, 180, 210), (150, 190, 220)),
    5: ((0, 0, 255), (0, 0, 140), (40, 70, 180), (20, 40, 100), (65, 105, 225),
        (30, 90, 170), (50, 80, 130), (0, 60, 150)),
    6: ((128, 0, 128), (150, 50, 200), (90, 30, 130), (180, 130, 220), (120, 80, 170),
        (200, 160, 230), (100, 40, 160)),
    7: ((255, 180, 200), (255, 105, 180), (240, 20, 140), (230, 150, 170), (255, 0, 255),
        (220, 120, 150), (250, 200, 215)),
    8: ((140, 70, 20), (120, 80, 50), (90, 50, 30), (160, 110, 70), (100, 70, 40),
        (180, 130, 90), (60, 40, 25), (200, 160, 120), (130, 100, 70)),
}
# Below this chroma a pixel is grey to the eye (camera white balance leaves greys at 2..6).
GREY_CHROMA = 9.0
WHITE_LIGHTNESS = 72.0  # white in shade is still white
BLACK_LIGHTNESS = 25.0
VERY_DARK = 14.0  # black whatever its hue

# The photo is read at this long side: enough for a box of a tenth of the photo.
SIDE = 96
PHOTO_SHARE_KEPT = 0.03
PHOTO_SCORE_KEPT = 0.05
# Objects whose colour is read: found at least this clearly, the best few.
OBJECT_MIN_SCORE = 0.1
OBJECTS_READ = 8
OBJECT_SHARE_KEPT = 0.1
OBJECT_TERMS_KEPT = 3
CENTRE_SIGMA = 0.3  # of the box's width and height


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(n, 3) sRGB 0..255 -> (n, 3) CIELAB (D65)."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                             [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)


@dataclass(frozen=True)
class ColourTable:
    """For each 15-bit colour (5 bits a channel): its term, lightness, chroma and hue."""

    term: np.ndarray  # uint8
    lightness: np.ndarray  # float32
    chroma: np.ndarray  # float32
    hue: np.ndarray  # float32 degrees

    @classmethod
    def build(cls) -> ColourTable:
        levels = np.arange(32) * 8 + 4
        r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
        lab = _srgb_to_lab(np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1))
        lightness, a, bb = lab[:, 0], lab[:, 1], lab[:, 2]
        chroma = np.hypot(a, bb)
        hue = np.degrees(np.arctan2(bb, a)) % 360
        terms, protos = [], []
        for term, colours in PROTOTYPES.items():
            for colour in colours:
                terms.append(term)
                protos.append(colour)
        proto_lab = _srgb_to_lab(np.array(protos))
        # Nearest prototype by hue and chroma first: lightness counts half, so a dark and
        # a light red stay red (голубой / синий and коричневый / оранжевый are told apart
        # by their prototypes' lightness all the same).
        weights = np.array([0.5, 1.0, 1.0])
        distance = (((lab[:, None, :] - proto_lab[None, :, :]) * weights) ** 2).sum(axis=2)
        term = np.array(terms, np.uint8)[distance.argmin(axis=1)]
        grey = (chroma < GREY_CHROMA) | (lightness < VERY_DARK)
        achromatic = np.where(lightness >= WHITE_LIGHTNESS, WHITE,
                              np.where(lightness <= BLACK_LIGHTNESS, BLACK, GREY))
        term = np.where(grey, achromatic, term).astype(np.uint8)
        return cls(term, lightness.astype(np.float32), chroma.astype(np.float32),
                   hue.astype(np.float32))


@functools.cache
def default_table() -> ColourTable:
    """The table, built once a process (a third of a second); it never changes."""
    return ColourTable.build()


def colour_model_id(detector_id: str | None) -> str:
    """The rows' id names the detector whose boxes they read: another detector, new rows."""
    return f"colours-v{VERSION}" + (f"+{detector_id}" if detector_id else "")


class Colours:
    """The colour signal (see daemon.signals.Signal)."""

    concepts = CONCEPTS

    def __init__(self, detector_id: str | None = None,
                 table: ColourTable | None = None) -> None:
        self.model_id = colour_model_id(detector_id)
        # the rows read from the boxes of the detector before it counted people
        self.retired = ((colour_model_id(retired_detector_id_of(detector_id)),)
                        if detector_id else ())
        self.needs: tuple[str, ...] = (detector_id,) if detector_id else ()
        self._detector = detector_id
        self.table = table or default_table()

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        codes = self.codes(photo.image)
        classes: list[int] = []
        scores: list[float] = []
        for concept, score in photo_rows(self.table, codes):
            classes.append(concept)
            scores.append(score)
        detections = found.get(self._detector) if self._detector else None
        if detections is not None and detections.boxes is not None:
            for concept, score in object_rows(self.table, codes, detections):
                classes.append(concept)
                scores.append(score)
        return SparseTags(np.array(classes, np.uint16), np.array(scores, np.float32))

    @staticmethod
    def codes(image: Image.Image) -> np.ndarray:
        """The photo shrunk by a whole factor to SIDE..2 × SIDE px on its long side (an
        average of each block of pixels, the cheapest resize Pillow has), each pixel as its
        15-bit colour (h, w)."""
        factor = max(1, max(image.size) // SIDE)
        small = np.asarray(image.reduce(factor) if factor > 1 else image, dtype=np.uint16) >> 3
        return (small[..., 0] << 10) | (small[..., 1] << 5) | small[..., 2]


def photo_rows(table: ColourTable, codes: np.ndarray) -> list[tuple[int, float]]:
    """(concept, score) of the photo as a whole: its colour terms and its light."""
    flat = codes.ravel()
    terms = table.term[flat]
    shares = np.bincount(terms, minlength=len(TERMS)) / max(1, flat.size)
    rows = [(int(t), float(s)) for t, s in enumerate(shares) if s >= PHOTO_SHARE_KEPT]
    for name, score in light_scores(table, codes, shares).items():
        if score >= PHOTO_SCORE_KEPT:
            rows.append((PHOTO_FIRST + PHOTO_CONCEPTS.index(name), score))
    return rows


def _ramp(value: float, zero: float, one: float) -> float:
    """0 at zero, 1 at one, linear between (either direction)."""
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


def light_scores(table: ColourTable, codes: np.ndarray,
                 shares: np.ndarray) -> dict[str, float]:
    """How much the photo is black-and-white, sepia, taken at night, at sunset, in sun, in
    dull light (overcast, fog), and colourful: each in [0, 1], from its pixels alone."""
    lightness = table.lightness[codes]
    chroma = table.chroma[codes]
    hue = table.hue[codes]
    mean_l, spread_l = float(lightness.mean()), float(lightness.std())
    mean_c = float(chroma.mean())
    # Black-and-white: hardly any lit pixel has a colour (a grey copy of a JPEG: none at
    # all); a dark photo (night) has faint colours and says nothing either way.
    lit = lightness >= 20
    coloured = float((chroma[lit] >= GREY_CHROMA + 3).mean()) if lit.any() else 0.0
    bw = _ramp(coloured, 0.03, 0.005) * _ramp(float(lit.mean()), 0.2, 0.4)
    # Sepia: toned, every pixel a weak warm brown-yellow, nothing strongly coloured.
    warm_weak = float(((hue >= 40) & (hue <= 100) & (chroma >= 3) & (chroma <= 35)).mean())
    strong = float((chroma > 35).mean())
    sepia = _ramp(warm_weak, 0.75, 0.95) * _ramp(strong, 0.05, 0.01) * _ramp(mean_c, 3.0, 7.0)
    # Night: mostly dark, with a few bright points (street lights, windows, a lit room).
    dark = float((lightness < 20).mean())
    lights = float((lightness > 70).mean())
    night = _ramp(dark, 0.45, 0.75) * _ramp(lights, 0.001, 0.008)
    # Sunset or sunrise: the upper part of the photo (the sky) warm and coloured.
    # A sky is brighter than the ground below it.
    top = slice(0, max(1, codes.shape[0] * 2 // 5))
    bottom = slice(codes.shape[0] * 3 // 5, None)
    sky_warm = float((((hue[top] <= 80) | (hue[top] >= 330)) & (chroma[top] >= 20)
                      & (lightness[top] >= 45)).mean())
    sky_above = float(lightness[top].mean() - lightness[bottom].mean()) if codes.shape[0] > 2 \
        else 0.0
    sunset = _ramp(sky_warm, 0.25, 0.6) * _ramp(sky_above, 0.0, 15.0)
    # Sunny, bright: light, contrasty, saturated.
    sunny = _ramp(mean_l, 40.0, 60.0) * _ramp(spread_l, 15.0, 25.0) * _ramp(mean_c, 12.0, 25.0)
    # Dull light (overcast, fog, haze): low contrast and faint colours, not dark.
    dull = (_ramp(spread_l, 24.0, 12.0) * _ramp(mean_c, 18.0, 8.0) * _ramp(mean_l, 30.0, 50.0)
            * (1.0 - bw))
    # Colourful: several chromatic terms, each a real part of the photo.
    chromatic = int((shares[:WHITE] >= 0.08).sum())
    colourful = _ramp(chromatic, 2.0, 4.0) * _ramp(mean_c, 15.0, 30.0)
    return {"bw": bw, "sepia": sepia, "night": night, "sunset": sunset, "sunny": sunny,
            "dull": dull, "colourful": colourful}


def object_rows(table: ColourTable, codes: np.ndarray,
                detections: SparseTags) -> list[tuple[int, float]]:
    """(concept, share) of the main colour terms inside each clearly seen object's box."""
    height, width = codes.shape
    assert detections.boxes is not None
    order = np.argsort(-detections.probs, kind="stable")
    order = order[detections.classes[order] < NUM_DETECTOR_CLASSES]  # not the more people
    rows = []
    for index in order[:OBJECTS_READ]:
        if detections.probs[index] < OBJECT_MIN_SCORE:
            break
        x1, y1, x2, y2 = detections.boxes[index]
        left, right = int(x1 * width), int(np.ceil(x2 * width))
        top, bottom = int(y1 * height), int(np.ceil(y2 * height))
        if right - left < 1 or bottom - top < 1:
            continue
        terms = table.term[codes[top:bottom, left:right]]
        weights = _centre_weights(bottom - top, right - left)
        shares = np.bincount(terms.ravel(), weights=weights.ravel(), minlength=len(TERMS))
        shares /= shares.sum()
        kept = [t for t in np.argsort(-shares)[:OBJECT_TERMS_KEPT]
                if shares[t] >= OBJECT_SHARE_KEPT]
        cls = int(detections.classes[index])
        rows += [(OBJECT_FIRST + cls * len(TERMS) + int(t), float(shares[t])) for t in kept]
    return rows


def _centre_weights(height: int, width: int) -> np.ndarray:
    ys = (np.arange(height) + 0.5) / height - 0.5
    xs = (np.arange(width) + 0.5) / width - 0.5
    return np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2 * CENTRE_SIGMA ** 2))


def object_concept(coco_class: int, term: int) -> int:
    """The concept (in the shared space) of a COCO class seen in a colour term."""
    return CONCEPTS.first + OBJECT_FIRST + coco_class * len(TERMS) + term


def photo_concept(name_or_term: str | int) -> int:
    """The concept (in the shared space) of a colour term or a PHOTO_CONCEPTS name."""
    if isinstance(name_or_term, int):
        return CONCEPTS.first + name_or_term
    return CONCEPTS.first + PHOTO_FIRST + PHOTO_CONCEPTS.index(name_or_term)


def _model_id(settings) -> str:  # noqa: ANN001 - Settings, imported late by daemon.signals
    return colour_model_id(detector_model_id(settings.detector_size) if settings.detector
                           else None)


SIGNAL = SignalSpec(
    "colours", order=2, concepts=CONCEPTS, model_id=_model_id,
    build=lambda settings, cache_dir: Colours(
        detector_model_id(settings.detector_size) if settings.detector else None))
