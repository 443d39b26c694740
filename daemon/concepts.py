"""The concept space the index, the matrix and the vocabulary share.

Every signal (daemon/signals/) owns a block of it: the classifier's ImageNet classes are
0..999, the detector's COCO classes 1000..1079, the colours of a photo and of its objects
from 1100. The index stores each signal's rows in the signal's own numbering (0 = the
block's first concept); the matrix and the vocabulary use this shared numbering, so one
query draws on every signal. A block, once given, keeps its place: the numbers are in
indexes and matrix files on users' disks.
"""

from __future__ import annotations

from dataclasses import dataclass

# Room for the signals to come (faces, places); the matrix keeps one pointer per concept.
NUM_CONCEPTS = 4096


@dataclass(frozen=True)
class ConceptBlock:
    """The concepts first .. first + size - 1 of the shared space."""

    first: int
    size: int

    @property
    def end(self) -> int:
        return self.first + self.size

    def __contains__(self, concept: object) -> bool:
        return isinstance(concept, int) and self.first <= concept < self.end

    def overlaps(self, other: ConceptBlock) -> bool:
        return self.first < other.end and other.first < self.end
