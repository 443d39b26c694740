"""hash_set: the indexer's memory of which contents a tagger has seen, 8 bytes a hash."""

from __future__ import annotations

import hashlib

from daemon.index.hash_set import MERGE_AFTER, HashSet


def sha1(number: int) -> str:
    return hashlib.sha1(str(number).encode()).hexdigest()


def test_it_knows_what_it_was_given_and_what_was_added() -> None:
    known = HashSet(sha1(n) for n in range(1000))
    assert all(sha1(n) in known for n in range(1000))
    assert not any(sha1(n) in known for n in range(1000, 3000))
    known.add(sha1(5000))
    assert sha1(5000) in known and len(known) == 1001


def test_additions_survive_the_merge_into_the_array() -> None:
    known = HashSet()
    for n in range(MERGE_AFTER + 10):
        known.add(sha1(n))
    assert len(known) == MERGE_AFTER + 10
    assert sha1(0) in known and sha1(MERGE_AFTER + 9) in known
    assert sha1(MERGE_AFTER + 10) not in known


def test_hashes_that_are_not_hex_still_work() -> None:
    known = HashSet(["photo-a", "photo-b"])
    assert "photo-a" in known and "photo-c" not in known and 42 not in known
