"""What a damaged index still knows: the tags of every photo whose rows can be read.

A rebuild must look at every photo again, but it need not run the models on the photos a
damaged index had tagged: their content hashes find their tags here, so a rebuild costs a
read and a hash per photo instead of hours of tagging. Rows on damaged pages are skipped
(SQLite refuses them), and rows whose tags do not look like tags are dropped, so a wrong
tag never comes back from the dead.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from daemon.concepts import ConceptBlock
from daemon.index.store import SparseTags

log = logging.getLogger(__name__)

CHUNK = 2000  # photo ids read at a time; a failing chunk is split down to single ids


@dataclass
class SalvagedPhoto:
    width: int
    height: int
    tags: dict[str, SparseTags] = field(default_factory=dict)  # model id -> tags


def salvage(damaged: Path, models: Mapping[str, ConceptBlock]) -> dict[str, SalvagedPhoto]:
    """content hash -> what the damaged index at `damaged` knew of it, for these models
    (model id -> its class offset: the detector's classes are checked against 80)."""
    try:
        db = sqlite3.connect(f"{damaged.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        log.warning("nothing to salvage from %s: %s", damaged, exc)
        return {}
    found: dict[str, SalvagedPhoto] = {}
    try:
        highest = _ask(db, "SELECT max(id) FROM photos", ())
        last = highest[0][0] if highest and highest[0][0] is not None else 0
        for first in range(1, last + 1, CHUNK):
            _read_range(db, first, min(last, first + CHUNK - 1), models, found)
    finally:
        db.close()
    log.info("salvaged the tags of %d photos from %s", len(found), damaged)
    return found


def _ask(db: sqlite3.Connection, sql: str, args: tuple) -> list[tuple] | None:
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.DatabaseError:
        return None


def _read_range(db: sqlite3.Connection, first: int, last: int, models: Mapping[str, ConceptBlock],
                found: dict[str, SalvagedPhoto]) -> None:
    rows = _ask(db, "SELECT p.content_hash, p.width, p.height, t.model, t.classes, t.probs,"
                    " t.boxes FROM photos p JOIN tags t ON t.photo_id = p.id"
                    " WHERE p.id BETWEEN ? AND ?", (first, last))
    if rows is None:
        if first < last:  # some page in here is damaged: read the halves
            middle = (first + last) // 2
            _read_range(db, first, middle, models, found)
            _read_range(db, middle + 1, last, models, found)
        return
    for content_hash, width, height, model, classes, probs, boxes in rows:
        if model not in models:
            continue
        tags = _plausible(classes, probs, boxes, models[model].size)
        if tags is None or not isinstance(content_hash, str) or not content_hash:
            continue
        photo = found.setdefault(content_hash, SalvagedPhoto(int(width), int(height)))
        photo.tags[model] = tags


def _plausible(classes: object, probs: object, boxes: object,
               num_classes: int) -> SparseTags | None:
    """The tags, if the blobs are what the indexer writes: class numbers in range, scores
    between 0 and 1, one box per class."""
    if not isinstance(classes, bytes) or not isinstance(probs, bytes) \
            or len(classes) != len(probs) or len(classes) % 2:
        return None
    if boxes is not None and (not isinstance(boxes, bytes) or len(boxes) != 4 * len(probs)):
        return None
    try:
        tags = SparseTags.from_blobs(classes, probs, boxes)
    except ValueError:
        return None
    if (tags.classes >= num_classes).any() or len(np.unique(tags.classes)) != len(tags.classes):
        return None
    if not np.isfinite(tags.probs).all() or (tags.probs < 0).any() or (tags.probs > 1).any():
        return None
    if tags.boxes is not None and (not np.isfinite(tags.boxes).all()
                                   or (tags.boxes < -0.01).any() or (tags.boxes > 1.01).any()):
        return None
    return tags


def salvaged_models(photos: Iterable[SalvagedPhoto]) -> dict[str, int]:
    """How many photos each model's tags were salvaged for (for the log and status)."""
    counts: dict[str, int] = {}
    for photo in photos:
        for model in photo.tags:
            counts[model] = counts.get(model, 0) + 1
    return counts
