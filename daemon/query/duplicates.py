"""Copies in a library: the same file twice, and the same photo resized, re-encoded, lightly
cropped or turned, or shot again in a burst.

Exact copies share their content hash. Near copies are found from two signals: the
classifier's embedding (daemon/index/vectors.py) and the perceptual hash
(daemon/signals/fingerprint.py). Two photos are copies when their hashes differ by at most
NEAR_BITS bits and their embeddings are alike (≥ ALIKE), or when the hashes differ by at
most CROPPED_BITS and the embeddings are nearly the same (≥ SAME). Measured on the 899
COCO photos and copies of 100 of them (half size, JPEG quality 60, 5 % cropped, turned by
2°), with the classifier reading the whole photo: the copies' hashes differ by ≤ 2, 2, 18
and 14 bits, their embeddings' cosines are at least 0.84, 0.88, 0.83 and 0.89, and those of
the copies more than 8 bits away at least 0.88 (cropped) and 0.93 (turned); of the pairs of
different photos none is within 8 bits, and those within 22 bits have cosines of at most
0.82 (bench/duplicates_eval.py). SAME lies between (it was 0.82 with the centre crop, whose
different photos reached 0.78 and cropped copies 0.86).
Groups join what is joined by any pair. Nothing is ever deleted: this only lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from daemon.index.facts import FactsTable, WhenWhere
from daemon.index.store import Store
from daemon.index.vectors import VectorTable
from daemon.signals.fingerprint import MODEL_ID as FINGERPRINT

NEAR_BITS = 8
ALIKE = 0.6
CROPPED_BITS = 22
SAME = 0.85
BLOCK = 2048  # photos compared with all others at once


@dataclass(frozen=True)
class PhotoFile:
    photo_id: int
    path: str
    size: int
    content_hash: str


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str  # "exact": the same bytes; "near": the same photo made over
    photos: tuple[PhotoFile, ...]  # largest first: the one a user would keep, likely

    @property
    def bytes(self) -> int:
        return sum(p.size for p in self.photos)

    @property
    def spare_bytes(self) -> int:
        """What the copies take beside the largest."""
        return self.bytes - max(p.size for p in self.photos)


def library_files(store: Store) -> tuple[list[PhotoFile], dict[int, np.ndarray]]:
    """Every photo of the index and the fingerprint of each that has one."""
    files = [PhotoFile(*row) for row in store.photo_files()]
    hashes = {i: np.frombuffer(v, np.int8) for i, v in store.vector_rows(FINGERPRINT)
              if len(v) == 8}
    return files, hashes


def find_duplicates(photos: Iterable[PhotoFile], vectors: VectorTable,
                    hashes: Mapping[int, np.ndarray], of: int | None = None
                    ) -> list[DuplicateGroup]:
    """The groups of copies, most spare bytes first; of: only the group of this photo (its
    exact copies, the near copies of its content and their exact copies)."""
    files = {p.photo_id: p for p in photos}
    by_content: dict[str, list[int]] = {}
    for photo in files.values():
        by_content.setdefault(photo.content_hash, []).append(photo.photo_id)
    # one photo stands for each content among the near copies
    standing = {same[0]: same for same in by_content.values()}
    ids = np.array(sorted(i for i in standing if vectors.has(i) and i in hashes), np.int64)
    if of is not None:
        if of not in files:
            raise KeyError(of)
        mine = by_content[files[of].content_hash][0]
        members = {mine} | {b for _, b in near_pairs(ids, vectors, hashes, mine)}
        photos_of = [files[i] for m in members for i in standing[m]]
        return [_group(photos_of)] if len(photos_of) > 1 else []
    parent = {i: i for i in standing}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in near_pairs(ids, vectors, hashes):
        parent[root(a)] = root(b)
    groups: dict[int, list[PhotoFile]] = {}
    for i, same in standing.items():
        groups.setdefault(root(i), []).extend(files[j] for j in same)
    found = [_group(members) for members in groups.values() if len(members) > 1]
    found.sort(key=lambda g: (-g.spare_bytes, g.photos[0].path))
    return found


def _group(members: list[PhotoFile]) -> DuplicateGroup:
    kind = "exact" if len({m.content_hash for m in members}) == 1 else "near"
    return DuplicateGroup(kind, tuple(sorted(members, key=lambda m: (-m.size, m.path))))


def near_pairs(ids: np.ndarray, vectors: VectorTable, hashes: Mapping[int, np.ndarray],
               only: int | None = None) -> list[tuple[int, int]]:
    """Pairs of these photos (ids ascending) that are copies of each other; only: the pairs
    (only, other)."""
    if len(ids) < 2:
        return []
    if only is not None:
        if not vectors.has(only) or only not in hashes:
            return []
        cosines = vectors.similarity_to(only)
        inside = ids < len(cosines)
        alike = np.zeros(len(ids), np.float32)
        alike[inside] = np.nan_to_num(cosines[ids[inside]], nan=-1.0)
        near = ids[alike >= ALIKE]
        near = near[near != only]
        mine = np.asarray(hashes[only], np.int8).view(np.uint64)[0]
        words = _words(near, hashes)
        differ = _popcount(words ^ mine)
        close = alike[np.searchsorted(ids, near)]
        copies = (differ <= NEAR_BITS) | ((differ <= CROPPED_BITS) & (close >= SAME))
        return [(only, int(b)) for b in near[copies]]
    unit = vectors.units(ids)
    words = _words(ids, hashes)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(ids), BLOCK):
        block = np.arange(start, min(start + BLOCK, len(ids)))
        cosines = unit[block] @ unit.T
        r, c = np.nonzero(cosines >= ALIKE)
        a, b = block[r], c
        keep = a < b
        a, b, alike = a[keep], b[keep], cosines[r[keep], c[keep]]
        differ = _popcount(words[a] ^ words[b])
        copies = (differ <= NEAR_BITS) | ((differ <= CROPPED_BITS) & (alike >= SAME))
        pairs.extend(zip(ids[a[copies]].tolist(), ids[b[copies]].tolist(), strict=True))
    return pairs


def _popcount(words: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(words)
    return np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


def _words(ids: np.ndarray, hashes: Mapping[int, np.ndarray]) -> np.ndarray:
    """The fingerprints of these photos as one uint64 each."""
    if len(ids) == 0:
        return np.zeros(0, np.uint64)
    packed = b"".join(np.asarray(hashes[int(i)], np.int8).tobytes() for i in ids)
    return np.frombuffer(packed, np.uint64)


def group_json(group: DuplicateGroup, facts: FactsTable | None,
               place_label: Callable[[WhenWhere], str]) -> dict[str, object]:
    """A group as `duplicates --json` and the socket give it: each photo as a search result
    (path, why, date, place) with its size in bytes."""
    why = "тот же файл" if group.kind == "exact" else "та же фотография"
    photos = []
    for photo in group.photos:
        known = facts.of(photo.photo_id) if facts is not None else None
        photos.append({"path": photo.path, "size": photo.size, "score": 1.0, "why": [why],
                       "taken": known.taken.isoformat(timespec="seconds")
                       if known and known.taken else None,
                       "taken_guessed": bool(known and known.guessed),
                       "place": place_label(known) if known else ""})
    return {"kind": group.kind, "bytes": group.bytes, "spare_bytes": group.spare_bytes,
            "photos": photos}
