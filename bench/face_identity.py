"""How well faces are grouped into people: pairwise precision and recall on labelled faces.

    python bench/face_identity.py [--thresholds 0.45 0.5 0.55]

The photos are ../shared/data/faces (SOURCE.md there): 220 photos of 30 people (4–8 each)
and 23 distractors, one photo each of other people. Each photo is decoded and read by the
faces signal as the indexer does (daemon/signals/faces.py: BlazeFace, then dlib's
descriptor of each clear face); the main face of a photo is its largest. Those faces are
grouped by daemon/index/people.py in the order of their file names, as the index would
group them. A pair of photos counts as grouped when their main faces end in one person;
precision = pairs grouped that are one person / pairs grouped, recall = pairs of photos
of one person that are grouped (a photo whose face was not described is grouped with
none). The labels come from the data set, never from looking at faces.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.index.people import IndexedFace, People  # noqa: E402
from daemon.people_book import PeopleBook  # noqa: E402
from daemon.signals.decode import decode_bytes  # noqa: E402
from daemon.signals.faces import Faces  # noqa: E402

FACES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="+",
                        default=[0.4, 0.45, 0.5, 0.55, 0.6])
    args = parser.parse_args()
    labels: dict[str, str] = json.loads((FACES / "labels.json").read_text())
    files = [(FACES / "images" / name, who) for name, who in sorted(labels.items())]
    files += [(path, f"distractor {path.stem}")
              for path in sorted((FACES / "distractors").glob("*.jpg"))]
    signal = Faces(None)
    faces: list[tuple[IndexedFace, str]] = []
    missed = 0
    started = time.perf_counter()
    for number, (path, who) in enumerate(files):
        photo = decode_bytes(path.read_bytes())
        readings = [r for r in signal.look(photo.image) if r.descriptor is not None]
        if not readings:
            missed += 1
            continue
        main_face = readings[0]  # largest first
        width, height = photo.image.size
        x1, y1, x2, y2 = main_face.face.box
        faces.append((IndexedFace(number, 0, photo.content_hash,
                                  (x1 / width, y1 / height, x2 / width, y2 / height),
                                  main_face.descriptor, main_face.male, main_face.age), who))
    seconds = time.perf_counter() - started
    print(f"{len(files)} photos ({len(labels)} of {len(set(labels.values()))} people, "
          f"{len(files) - len(labels)} distractors): a described face in {len(faces)}, "
          f"none in {missed}; {1000 * seconds / len(files):.0f} ms a photo")
    same = {(a, b) for (a, (_, wa)), (b, (_, wb)) in combinations(enumerate(faces), 2)
            if wa == wb}
    # recall counts every pair of photos of one person, also those with a photo whose face
    # was not described (never grouped)
    counts: dict[str, int] = {}
    for _, who in files:
        counts[who] = counts.get(who, 0) + 1
    all_same = sum(n * (n - 1) // 2 for n in counts.values())
    print(f"pairs of one person: {all_same}, {len(same)} of them with both faces described")
    print("threshold  precision  recall  people")
    with tempfile.TemporaryDirectory() as folder:
        for threshold in args.thresholds:
            people = People(PeopleBook(Path(folder) / "people.json"), threshold)
            owners = [people.add(face) for face, _ in faces]
            grouped = {(a, b) for a, b in combinations(range(len(faces)), 2)
                       if owners[a] == owners[b]}
            right = len(grouped & same)
            precision = right / len(grouped) if grouped else 1.0
            print(f"{threshold:9.2f}  {precision:9.3f}  {right / all_same:6.3f}  "
                  f"{len(people):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
