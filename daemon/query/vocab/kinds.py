"""Kinds of things beyond the class lists, answered through what they are (data/kinds.tsv).

No model has a class for a pigeon, a dachshund or a foreign car, but people type them:
«голубь», «чайка» → птица; «такса», «дворняга» → собака; «иномарка» → машина. A row names
the words people type and the vocabulary term they mean; the search then reads the word as
that term and says so («голубь → птица»).
"""

from __future__ import annotations

import csv
from pathlib import Path

from daemon.query.vocab import DATA_DIR, VocabularyError

COLUMNS = ["words", "means", "note"]


KIND_FILES = ("kinds.tsv", "english.tsv")


def load_kinds(known_terms: set[str], data_dir: Path = DATA_DIR,
               file_names: tuple[str, ...] = KIND_FILES) -> dict[str, str]:
    """Typed word -> the vocabulary term it stands for, from kinds.tsv and english.tsv
    (common English words: «people», «kid», «fridge»). `known_terms` are the texts the
    vocabulary and the rules answer; every `means` must be one of them."""
    kinds: dict[str, str] = {}
    for file_name in file_names:
        _read_kinds(data_dir / file_name, known_terms, kinds)
    return kinds


def _read_kinds(path: Path, known_terms: set[str], kinds: dict[str, str]) -> None:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise VocabularyError(f"{path.name}: columns must be {' '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            means = row["means"].strip().lower()
            if means not in known_terms:
                raise VocabularyError(f"{path.name}:{line}: {means!r} is not a vocabulary "
                                      "term")
            for word in (w.strip().lower() for w in row["words"].split(";")):
                if not word:
                    continue
                if word in kinds and kinds[word] != means:
                    raise VocabularyError(f"{path.name}:{line}: {word!r} means "
                                          f"{kinds[word]!r} already")
                kinds[word] = means
