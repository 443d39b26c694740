"""A photo's fingerprint, for finding its copies: a 63-bit perceptual hash of its grey image.

The low frequencies of a 32×32 grey copy (a DCT, the classic pHash): each of the 8×8 lowest
coefficients but the mean, set when above their median. A copy resized, re-encoded, lightly
cropped or turned keeps most bits (on 100 COCO photos: half size or JPEG quality 60 differ
by at most 2 bits, a 2° turn by 14, a 5 % crop by 18), while different photos differ by 12
or more; daemon/query/duplicates.py joins this with the classifier's embedding. It has no
concepts: its row holds only the hash (8 bytes, in the row's vector). About 0.3 ms a photo.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image

from daemon.concepts import ConceptBlock
from daemon.index.store import SparseTags
from daemon.signals import SignalSpec
from daemon.signals.decode import DecodedPhoto

VERSION = 1
MODEL_ID = f"fingerprint-v{VERSION}"
CONCEPTS = ConceptBlock(2200, 0)  # none: the hash is not a concept
SIDE = 32
BITS = 63
_DCT = np.array([[np.cos(np.pi * (2 * x + 1) * u / (2 * SIDE)) for x in range(SIDE)]
                 for u in range(SIDE)], np.float32)
_NO_CLASSES = np.empty(0, np.uint16)
_NO_SCORES = np.empty(0, np.float32)


def perceptual_hash(image: Image.Image) -> np.ndarray:
    """63 bools: the photo's low frequencies above their median."""
    grey = np.asarray(image.convert("L").resize((SIDE, SIDE), Image.Resampling.BOX),
                      np.float32)
    low = (_DCT @ grey @ _DCT.T)[:8, :8].reshape(-1)[1:]  # without the mean
    return low > np.median(low)


def pack(bits: np.ndarray) -> np.ndarray:
    """The bits as 8 int8 (how the index keeps a row's vector)."""
    return np.packbits(np.append(bits, False)).view(np.int8)


def unpack(packed: np.ndarray) -> np.ndarray:
    return np.unpackbits(np.asarray(packed, np.int8).view(np.uint8))[:BITS].astype(bool)


class Fingerprint:
    model_id = MODEL_ID
    concepts = CONCEPTS
    needs: tuple[str, ...] = ()

    def read(self, photo: DecodedPhoto, found: Mapping[str, SparseTags]) -> SparseTags:
        return SparseTags(_NO_CLASSES, _NO_SCORES, vector=pack(perceptual_hash(photo.image)))


SIGNAL = SignalSpec("fingerprint", order=3, concepts=CONCEPTS,
                    model_id=lambda settings: MODEL_ID,
                    build=lambda settings, cache_dir: Fingerprint())
