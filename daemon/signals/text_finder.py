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
