"""Where a photo shows text, without reading it: the gate of the text pass.

PaddleOCR's PP-OCRv4 mobile text detector (DBNet, Apache-2.0; taken unchanged out of the
PyPI package rapidocr-onnxruntime 1.4.4 by tools/extract_text_detector.py, see
models/PROVENANCE.md) gives each pixel the probability that it belongs to a line of text.
Run at 512 px on one thread it costs about 40 ms a photo, against about 300 ms for
Tesseract on a photo it finds nothing in; a photo is worth reading when a share of its
pixels is surely text (TEXT_SHARE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

MODEL = Path(__file__).resolve().parent / "models" / "text_detector.onnx"
SIDE = 512  # the long side it looks at (a multiple of 32); text smaller than this misses
SURE = 0.6  # a pixel's probability of being text, from which it counts
# The share of sure pixels from which a photo is read. On the 899 COCO photos: at 0.001 it
# sends 26 % of them and every photo in which Tesseract finds words when reading all; at
# 0.005, 13 % and half of those (bench/text_pass.py).
TEXT_SHARE = 0.001
# Regions of text (for reading a busy photo's sign alone): letters joined across this many
# pixels of the 512 px map, regions of fewer pixels left out, the largest few kept.
JOIN_ACROSS = 3
MIN_REGION_PIXELS = 40
MAX_REGIONS = 6


class TextFinder:
    def __init__(self, model: Path = MODEL, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def text_share(self, image: Image.Image) -> float:
        """The share of the photo that is surely text, 0..1."""
        return float((self.probabilities(image) >= SURE).mean())

    def look(self, image: Image.Image) -> tuple[float, list[tuple[float, float, float, float]]]:
        """(the share of the photo that is surely text, the regions of text, largest
        first, as x1, y1, x2, y2 fractions)."""
        sure = self.probabilities(image) >= SURE
        return float(sure.mean()), regions(sure)

    def probabilities(self, image: Image.Image) -> np.ndarray:
        """(h, w) float32: each pixel's probability of being text, at SIDE px."""
        rgb = image.convert("RGB")
        scale = SIDE / max(rgb.size)
        size = (max(32, round(rgb.width * scale / 32) * 32),
                max(32, round(rgb.height * scale / 32) * 32))
        pixels = np.asarray(rgb.resize(size, Image.Resampling.BILINEAR), np.float32)
        # as PaddleOCR trained it: BGR, scaled to -1..1, channels first
        batch = ((pixels[:, :, ::-1] / 127.5) - 1.0).transpose(2, 0, 1)[None]
        return self._session.run(None, {self._input: np.ascontiguousarray(batch)})[0][0, 0]


def regions(sure: np.ndarray, most: int = MAX_REGIONS) -> list[tuple[float, float, float, float]]:
    """The boxes around the connected runs of sure text pixels, the letters of a word and
    the words of a line joined first (a few pixels across, one up and down); the largest
    `most`, each at least MIN_REGION_PIXELS."""
    height, width = sure.shape
    joined = sure.copy()
    for shift in range(1, JOIN_ACROSS + 1):
        joined[:, shift:] |= sure[:, :-shift]
        joined[:, :-shift] |= sure[:, shift:]
    joined[1:, :] |= sure[:-1, :]
    joined[:-1, :] |= sure[1:, :]
    seen = np.zeros_like(joined)
    found = []
    for y, x in np.argwhere(joined).tolist():
        if seen[y, x]:
            continue
        seen[y, x] = True
        stack, pixels = [(y, x)], 0
        x1, y1, x2, y2 = width, height, -1, -1
        while stack:  # a flood fill: text covers a few per cent of a photo at most
            cy, cx = stack.pop()
            if sure[cy, cx]:  # the box is the text's, not the joining margin's
                pixels += 1
                x1, y1, x2, y2 = min(x1, cx), min(y1, cy), max(x2, cx), max(y2, cy)
            for ny, nx in ((cy - 1, cx), (cy + 1, cx), (cy, cx - 1), (cy, cx + 1)):
                if 0 <= ny < height and 0 <= nx < width and joined[ny, nx] \
                        and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if pixels >= MIN_REGION_PIXELS:
            found.append((pixels, (x1 / width, y1 / height, (x2 + 1) / width,
                                   (y2 + 1) / height)))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found[:most]]
