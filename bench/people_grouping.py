"""How long grouping a library's faces into people takes, from scratch and one face more.

    python bench/people_grouping.py [--faces 5000 20000 50000]

The daemon groups every face when it has loaded the index (in a thread of its own), then
adds the faces of each new photo. The faces here are synthetic: descriptors drawn around
the centres of 20 000 people (dlib-like spread: components of about ±0.09, a person's
faces 0.02 apart per component); half the faces belong to 2 000 people seen often, half to
18 000 seen rarely. What is measured is daemon/index/people.py itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.index.people import IndexedFace, People  # noqa: E402
from daemon.people_book import PeopleBook  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, nargs="+", default=[5000, 20000, 50000])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 0.09, (20000, 128)).astype(np.float32)
    faces = []
    for number in range(max(args.faces) + 100):
        person = rng.integers(0, 2000) if number % 2 == 0 else 2000 + rng.integers(0, 18000)
        descriptor = centres[person] + rng.normal(0, 0.02, 128).astype(np.float32)
        faces.append(IndexedFace(number, 0, f"{number:040x}", (0.1, 0.1, 0.2, 0.2),
                                 descriptor, 0.5, 40.0))
    with tempfile.TemporaryDirectory() as folder:
        for count in args.faces:
            people = People(PeopleBook(Path(folder) / "people.json"))
            started = time.perf_counter()
            people.add_all(faces[:count])
            built = time.perf_counter() - started
            started = time.perf_counter()
            for face in faces[count:count + 100]:
                people.add(face)
            one = (time.perf_counter() - started) / 100
            print(f"{count:6d} faces: grouped into {len(people)} people in {built:.2f} s; "
                  f"one face more {1000 * one:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
