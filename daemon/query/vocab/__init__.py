"""The Russian vocabulary of the 1000 ImageNet classes, written by hand (data/*.tsv).

Each class has a natural Russian name, synonyms (colloquial, diminutive, loanwords),
words it implies (a T-shirt implies «человек»), and the words of the WordNet groups it
belongs to (every dog breed answers «собака», «животное»). See data/README.md.

The 80 COCO classes of the detector (data/coco80.tsv) follow as entries 1000..1079, with
their names, synonyms and group words in the same words, so «собака» or «транспорт»
draws on both taggers (daemon/concepts.py).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from daemon.index.store import SparseTags
from daemon.signals.classifier import CONCEPTS as CLASSIFIER
from daemon.signals.detector import CONCEPTS as DETECTOR
from daemon.signals.detector import NUM_DETECTOR_CLASSES

DATA_DIR = Path(__file__).resolve().parent / "data"
NUM_CLASSES = CLASSIFIER.size

# A word that is merely likely in the picture counts for less than what the picture shows.
IMPLIED_WEIGHT = 0.5


@dataclass(frozen=True)
class Term:
    text: str
    weight: float
    source: str  # "name", "synonym", "group", "implies" or "english"


@dataclass(frozen=True)
class ClassEntry:
    index: int
    wnid: str
    english: str  # the first English lemma, for explanations
    name: str  # the Russian name
    terms: tuple[Term, ...]
    detector: bool = False  # a COCO class of the detector, not an ImageNet class


@dataclass(frozen=True)
class Vocabulary:
    classes: tuple[ClassEntry, ...]  # the ImageNet and COCO classes, by concept number
    # The names of the other signals' concepts by concept number: the colours, which have
    # no terms here (daemon/query/vocab/colours.py reads their words), and the kinds of
    # text, which have (data/text_kinds.tsv).
    others: Mapping[int, ClassEntry] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.classes)

    def __getitem__(self, index: int) -> ClassEntry:
        if index < len(self.classes):
            return self.classes[index]
        return self.others[index]


class VocabularyError(Exception):
    """The vocabulary data files are inconsistent."""


def _split(field: str) -> list[str]:
    return [word.strip().lower() for word in field.split(";") if word.strip()]


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_vocabulary(data_dir: Path = DATA_DIR) -> Vocabulary:
    rows: dict[int, dict[str, str]] = {}
    for path in sorted(data_dir.glob("classes_*.tsv")):
        for row in _read_tsv(path):
            index = int(row["idx"])
            if index in rows:
                raise VocabularyError(f"class {index} appears twice ({path.name})")
            if not row["name"].strip():
                raise VocabularyError(f"class {index} has no Russian name ({path.name})")
            rows[index] = row
    if sorted(rows) != list(range(NUM_CLASSES)):
        missing = sorted(set(range(NUM_CLASSES)) - set(rows))
        raise VocabularyError(f"vocabulary lacks classes {missing[:10]}…")

    ancestors = {int(r["idx"]): set(r["ancestors"].split()) for r in
                 _read_tsv(data_dir / "hierarchy.tsv")}
    group_words = _group_words(data_dir, rows, ancestors)
    group_english = _group_english(data_dir)
    # An implied word that heads a group brings the group's other words: a class that
    # implies «человек» also answers «женщина», «дети» (weakly).
    group_heads = _group_heads(data_dir)

    classes = []
    for index in range(NUM_CLASSES):
        row = rows[index]
        terms: dict[str, Term] = {}

        def add(text: str, weight: float, source: str, terms: dict[str, Term] = terms) -> None:
            # Keep the strongest reading of a word that a class lists twice.
            if text and (text not in terms or terms[text].weight < weight):
                terms[text] = Term(text, weight, source)

        name = row["name"].strip().lower()
        add(name, 1.0, "name")
        for word in _split(row["synonyms"]):
            add(word, 1.0, "synonym")
        for word in group_words.get(index, ()):
            add(word, 1.0, "group")
        for word in _split(row.get("implies") or ""):
            for implied in group_heads.get(word, [word]):
                add(implied, IMPLIED_WEIGHT, "implies")
        # English answers too: the class's WordNet lemmas and its groups' («cat», «dog»).
        for word in _english_lemmas(row["english"]):
            add(word, 1.0, "english")
        for synset in ancestors.get(index, ()):
            for word in group_english.get(synset, ()):
                add(word, 1.0, "english")
        english = row["english"].split(",")[0].strip()
        classes.append(ClassEntry(index, row["wnid"], english, name, tuple(terms.values())))
    detector = _detector_classes(data_dir)
    classes.extend(detector)
    from daemon.query.vocab.colours import colour_entries
    from daemon.query.vocab.people import people_entries
    from daemon.query.vocab.text_kinds import text_kind_entries

    others = [*colour_entries(detector), *text_kind_entries(data_dir),
              *people_entries(data_dir)]
    return Vocabulary(tuple(classes), {e.index: e for e in others})


def describe_tags(vocabulary: Vocabulary, offset: int, tags: SparseTags,
                  limit: int | None = None) -> list[dict[str, object]]:
    """One model's tags of a photo as rows for people and JSON: class number (the
    model's own), Russian and English names, probability, and the box where there is one
    (x1, y1, x2, y2 as fractions of the photo)."""
    rows: list[dict[str, object]] = []
    for i, (cls, prob) in enumerate(zip(tags.classes, tags.probs, strict=True)):
        if limit is not None and len(rows) >= limit:
            break
        try:
            entry = vocabulary[offset + int(cls)]
        except (KeyError, IndexError):  # a row that is no concept (each face's own rows)
            continue
        row: dict[str, object] = {"class": int(cls), "russian": entry.name,
                                  "english": entry.english, "prob": round(float(prob), 4)}
        if tags.boxes is not None and tags.boxes[i].tolist() != [0.0, 0.0, 1.0, 1.0]:
            row["box"] = [round(float(v), 3) for v in tags.boxes[i]]  # (the whole photo: none)
        rows.append(row)
    return rows


def _detector_classes(data_dir: Path) -> list[ClassEntry]:
    rows = _read_tsv(data_dir / "coco80.tsv")
    if [int(r["idx"]) for r in rows] != list(range(NUM_DETECTOR_CLASSES)):
        raise VocabularyError(
            f"coco80.tsv must list classes 0..{NUM_DETECTOR_CLASSES - 1} in order")
    entries = []
    for row in rows:
        name = row["name"].strip().lower()
        if not name:
            raise VocabularyError(f"COCO class {row['idx']} has no Russian name")
        terms: dict[str, Term] = {name: Term(name, 1.0, "name")}
        for source in ("synonyms", "groups"):
            for word in _split(row[source] or ""):
                terms.setdefault(word, Term(word, 1.0, source.rstrip("s")))
        english = row["english"].strip()
        terms.setdefault(english.lower(), Term(english.lower(), 1.0, "english"))
        entries.append(ClassEntry(DETECTOR.first + int(row["idx"]), f"coco:{english}", english,
                                  name, tuple(terms.values()), detector=True))
    return entries


def _english_lemmas(field: str) -> list[str]:
    """WordNet lemmas as people type them: «tabby, tabby cat» → tabby; tabby cat. (Latin
    binomials come along; nobody types them, and they match nothing else.)"""
    return [lemma.strip().lower().replace("_", " ") for lemma in field.split(",")
            if lemma.strip()]


def _group_english(data_dir: Path) -> dict[str, list[str]]:
    """WordNet group (synset) -> its English lemmas, for the groups we have Russian words
    for: the same groups answer in English («animal», «dog», «vehicle»)."""
    groups: dict[str, list[str]] = {}
    groups_file = data_dir / "groups.tsv"
    if groups_file.exists():
        for row in _read_tsv(groups_file):
            groups.setdefault(row["wnid"], []).extend(_english_lemmas(row["english"]))
    return groups


def _group_heads(data_dir: Path) -> dict[str, list[str]]:
    """First word of each WordNet group row -> all the row's words."""
    heads: dict[str, list[str]] = {}
    groups_file = data_dir / "groups.tsv"
    if groups_file.exists():
        for row in _read_tsv(groups_file):
            words = _split(row["words"])
            if words:
                heads.setdefault(words[0], []).extend(words)
    return heads


def _group_words(data_dir: Path, rows: dict[int, dict[str, str]],
                 ancestors: dict[int, set[str]]) -> dict[int, list[str]]:
    """Russian words each class inherits from the groups (synsets) it belongs to."""
    by_synset: dict[str, list[str]] = {}
    groups_file = data_dir / "groups.tsv"
    if groups_file.exists():
        for row in _read_tsv(groups_file):
            by_synset.setdefault(row["wnid"], []).extend(_split(row["words"]))
    wnid_to_index = {row["wnid"]: index for index, row in rows.items()}
    words: dict[int, list[str]] = {}
    for index in rows:
        for synset in ancestors.get(index, ()):
            words.setdefault(index, []).extend(by_synset.get(synset, ()))
    extra_file = data_dir / "extra_groups.tsv"
    if extra_file.exists():
        exclusions: list[tuple[list[str], list[int]]] = []
        for row in _read_tsv(extra_file):
            group = _split(row["words"])
            for member in row["members"].split():
                # "-wnid": WordNet files this class under the group, but people would not.
                excluded = member.startswith("-")
                wnid = member.lstrip("-")
                if wnid in wnid_to_index:
                    covered = [wnid_to_index[wnid]]
                else:
                    covered = [i for i, anc in ancestors.items() if wnid in anc]
                if not covered:
                    raise VocabularyError(f"extra group {group[0]!r}: {wnid} is no class "
                                          "and no ancestor of one")
                if excluded:
                    exclusions.append((group, covered))
                    continue
                for i in covered:
                    words.setdefault(i, []).extend(group)
        for group, covered in exclusions:
            for i in covered:
                words[i] = [w for w in words.get(i, []) if w not in group]
    return words
