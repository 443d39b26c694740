"""The content hashes a tagger has seen, in 8 bytes each.

The indexer asks "has this tagger seen this content?" for every file it reads. A Python
set of a million SHA-1 hex strings costs about 140 MB per tagger; 64 bits of each hash in
a sorted numpy array cost 8 MB. A false "seen" (two contents sharing those 64 bits, about
one in 10^7 for a million photos) is safe: the indexer then looks the full hash up in the
index, finds no photo with it and runs the tagger after all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

MERGE_AFTER = 50_000  # additions kept in a Python set before they join the sorted array


def _key(content_hash: str) -> int:
    try:
        return int(content_hash[-16:], 16)
    except ValueError:  # not hex (hand-made test data): any stable 64 bits will do
        return int.from_bytes(hashlib.blake2b(content_hash.encode(), digest_size=8).digest(),
                              "little")


class HashSet:
    def __init__(self, hashes: Iterable[str] = ()) -> None:
        self._sorted = np.unique(np.fromiter((_key(h) for h in hashes), np.uint64))
        self._added: set[int] = set()

    def __contains__(self, content_hash: object) -> bool:
        if not isinstance(content_hash, str):
            return False
        key = _key(content_hash)
        if key in self._added:
            return True
        at = int(np.searchsorted(self._sorted, np.uint64(key)))
        return at < len(self._sorted) and int(self._sorted[at]) == key

    def add(self, content_hash: str) -> None:
        self._added.add(_key(content_hash))
        if len(self._added) >= MERGE_AFTER:
            merged = np.fromiter(self._added, np.uint64, len(self._added))
            self._sorted = np.union1d(self._sorted, merged)
            self._added.clear()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._added)
