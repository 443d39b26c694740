"""Take the text detector we ship out of the PyPI package that ships it.

Run once by a developer, never at install or run time:

    pip download --no-deps rapidocr-onnxruntime==1.4.4 -d /tmp/rapidocr
    python tools/extract_text_detector.py \\
        /tmp/rapidocr/rapidocr_onnxruntime-1.4.4-py3-none-any.whl \\
        daemon/signals/models/text_detector.onnx

The model is PaddleOCR's PP-OCRv4 mobile text detector (DBNet; Apache-2.0), as the package
`rapidocr-onnxruntime` 1.4.4 (Apache-2.0) ships it in ONNX: `models/ch_PP-OCRv4_det_infer.
onnx`. It is copied unchanged; the script checks both files against the hashes written in
daemon/signals/models/PROVENANCE.md, so a different wheel is refused. The package itself
is not a dependency (it would bring OpenCV, Shapely and pyclipper for what
daemon/signals/text_finder.py does in a few lines of numpy).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

MEMBER = "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"
WHEEL_SHA256 = "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"
MODEL_SHA256 = "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="rapidocr_onnxruntime-1.4.4-py3-none-any.whl")
    parser.add_argument("output", type=Path, help="where the ONNX file goes")
    args = parser.parse_args()
    data = args.wheel.read_bytes()
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        print(f"error: {args.wheel} is not rapidocr-onnxruntime 1.4.4 as checked",
              file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.wheel) as wheel:
        model = wheel.read(MEMBER)
    if hashlib.sha256(model).hexdigest() != MODEL_SHA256:
        print(f"error: {MEMBER} in the wheel is not the model checked", file=sys.stderr)
        return 1
    args.output.write_bytes(model)
    print(f"wrote {args.output} ({len(model)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
