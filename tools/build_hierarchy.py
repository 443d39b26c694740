"""Write daemon/query/vocab/data/hierarchy.tsv: every ImageNet class and its WordNet ancestors.

The product ships this small file instead of the whole WordNet graph. Run it from the
project root after the class list or the graph changes:

    python tools/build_hierarchy.py [../shared/data/imagenet]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

OUT = (Path(__file__).resolve().parent.parent / "daemon" / "query" / "vocab" / "data"
       / "hierarchy.tsv")


def build(imagenet_dir: Path) -> str:
    classes = json.loads((imagenet_dir / "imagenet1k_dataset_class_info.json").read_text())
    parents: dict[str, list[str]] = defaultdict(list)
    for line in (imagenet_dir / "wordnet.is_a.txt").read_text().splitlines():
        parent, child = line.split()
        parents[child].append(parent)
    lines = ["idx\twnid\tancestors"]
    for index, wnid, _english in classes:
        seen: set[str] = set()
        stack = [wnid]
        while stack:
            for parent in parents[stack.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        lines.append(f"{index}\t{wnid}\t{' '.join(sorted(seen))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/imagenet")
    OUT.write_text(build(source), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
