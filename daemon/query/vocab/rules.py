"""Scenes and activities: concepts no model has a class for, implied by what the models see.

A rule is a row of data/scenes.tsv or data/activities.tsv, written for a Russian reader:

    concept  words                english   evidence                                 needs
    кухня    кухонька;на кухне    kitchen   плита 1;духовка 1;раковина 0.4;миска 0.2
    есть     кушать;обедать       eat;meal  пицца 1;еда 1;вилка 0.5                  человек

- `evidence`: things whose presence makes the concept likely, each with a weight: 1 = this
  alone makes the scene (a stove: a kitchen), 0.5 = a strong hint that needs company (a
  sink: kitchen or bathroom), 0.2 = a weak hint (a plate). A thing is named by a class's
  Russian name (the `name` column of the class files or coco80.tsv) or a group word
  («еда», «посуда»); every class of that name or group counts.
- `needs`: things that must be there too, each requirement a list of alternatives joined
  by `|` («кошка|собака|человек» for «спит»). A rule with no evidence is scored by its needs.
- A colour term or what the photo as a whole is (daemon/query/vocab/colours.py: «зелёный»,
  «голубой», «ночь») may be evidence too: its share of the photo, a quarter of the photo
  being a clear sighting («лес»: зелёный 0.25, a weak hint that needs company).

How a photo is scored from these lives in daemon/query/search.py (rule_scores).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from daemon.concepts import NUM_CONCEPTS
from daemon.query.vocab import DATA_DIR, Vocabulary, VocabularyError, load_vocabulary

RULE_FILES = ("scenes.tsv", "activities.tsv")
COLUMNS = ["concept", "words", "english", "evidence", "needs", "note"]


@dataclass(frozen=True)
class Evidence:
    term: str  # as written in the rule, for explanations («духовка»)
    weight: float
    relevance: np.ndarray  # (NUM_CONCEPTS,) float32: 1 for the classes the term names


@dataclass(frozen=True)
class Rule:
    concept: str  # the name shown to the user («кухня»)
    kind: str  # "scene" or "activity"
    words: tuple[str, ...]  # Russian words and phrases that ask for it, the concept first
    english: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    needs: tuple[tuple[Evidence, ...], ...]  # all of them; each one of its alternatives

    def strongest(self, count: int = 3) -> list[str]:
        """The evidence terms that say most, for «кухня ← плита, духовка, холодильник»."""
        ranked = sorted(self.evidence, key=lambda e: -e.weight)
        return [e.term for e in ranked[:count]]


def _split(field: str | None, separator: str = ";") -> list[str]:
    return [part.strip().lower() for part in (field or "").split(separator) if part.strip()]


def _group_words(data_dir: Path) -> set[str]:
    words: set[str] = set()
    for name in ("groups.tsv", "extra_groups.tsv"):
        path = data_dir / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                    words.update(_split(row["words"]))
    return words


def _term_classes(vocabulary: Vocabulary,
                  data_dir: Path) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Class name -> its classes; group word -> every class that answers it (a breed may
    list «собака» among its synonyms as well as inherit it from the group)."""
    group_words = _group_words(data_dir)
    by_name: dict[str, list[int]] = {}
    by_group: dict[str, list[int]] = {}
    # The other signals' concepts by name: a scene may be hinted at by the photo's colour
    # («лес»: зелёный) or its light, as by a thing.
    for index, entry in vocabulary.others.items():
        by_name.setdefault(entry.name, []).append(index)
    for entry in vocabulary.classes:
        by_name.setdefault(entry.name, []).append(entry.index)
        for term in entry.terms:
            if term.source == "group" or (term.text in group_words
                                          and term.source != "implies"):
                by_group.setdefault(term.text, []).append(entry.index)
    return by_name, by_group


def _resolve(term: str, weight: float, names: dict[str, list[int]],
             groups: dict[str, list[int]], where: str) -> Evidence:
    # A class name and a group word may both apply: «собака» is the COCO dog by name and
    # every breed by group; both count.
    classes = sorted(set(names.get(term, ())) | set(groups.get(term, ())))
    if not classes:
        raise VocabularyError(f"{where}: {term!r} is neither a class name nor a group word")
    relevance = np.zeros(NUM_CONCEPTS, np.float32)
    relevance[classes] = 1.0
    return Evidence(term, weight, relevance)


def _parse_evidence(item: str, where: str) -> tuple[str, float]:
    head, _, tail = item.rpartition(" ")
    try:
        weight = float(tail)
    except ValueError:
        raise VocabularyError(f"{where}: evidence {item!r} needs a weight («миска 0.2»)") from None
    if not head or not 0 < weight <= 1:
        raise VocabularyError(f"{where}: evidence {item!r}: a term and a weight in (0, 1]")
    return head.strip(), weight


def things_named(vocabulary: Vocabulary, terms: list[str], where: str) -> np.ndarray:
    """The classes any of these names or group words answers, as a relevance of 1 each
    (as the evidence of a rule names things)."""
    names, groups = _term_classes(vocabulary, DATA_DIR)
    relevance = np.zeros(NUM_CONCEPTS, np.float32)
    for term in terms:
        relevance = np.maximum(relevance, _resolve(term, 1.0, names, groups, where).relevance)
    return relevance


def load_rules(vocabulary: Vocabulary, data_dir: Path = DATA_DIR) -> tuple[Rule, ...]:
    names, groups = _term_classes(vocabulary, DATA_DIR)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file_name in RULE_FILES:
        path = data_dir / file_name
        if not path.exists():
            continue
        kind = "scene" if file_name.startswith("scene") else "activity"
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if reader.fieldnames != COLUMNS:
                raise VocabularyError(f"{file_name}: columns must be {' '.join(COLUMNS)}")
            for line, row in enumerate(reader, start=2):
                where = f"{file_name}:{line}"
                concept = row["concept"].strip().lower()
                if not concept:
                    raise VocabularyError(f"{where}: no concept")
                words = [concept] + [w for w in _split(row["words"]) if w != concept]
                for word in words:
                    if word in seen:
                        raise VocabularyError(f"{where}: {word!r} already asks for {seen[word]}")
                    seen[word] = concept
                evidence = tuple(_resolve(*_parse_evidence(item, where), names, groups, where)
                                 for item in _split(row["evidence"]))
                needs = tuple(tuple(_resolve(alt, 1.0, names, groups, where)
                                    for alt in _split(need, "|"))
                              for need in _split(row["needs"]))
                if not evidence and not needs:
                    raise VocabularyError(f"{where}: {concept!r} has neither evidence nor needs")
                rules.append(Rule(concept, kind, tuple(words), tuple(_split(row["english"])),
                                  evidence, needs))
    return tuple(rules)


def main() -> int:
    """`python -m daemon.query.vocab.rules`: check the rule and kind files; list what each rule
    reads and what each kind means."""
    from daemon.query.vocab.kinds import load_kinds

    try:
        vocabulary = load_vocabulary()
        rules = load_rules(vocabulary)
        known = {t.text for e in vocabulary.classes for t in e.terms}
        known |= {w for rule in rules for w in rule.words}
        kinds = load_kinds(known, file_names=("kinds.tsv",))
        english = load_kinds(known, file_names=("english.tsv",))
    except VocabularyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for rule in rules:
        needs = " & ".join("|".join(e.term for e in need) for need in rule.needs)
        print(f"{rule.kind:8s} {rule.concept:20s} evidence {len(rule.evidence):2d}"
              f"{'  needs ' + needs if needs else ''}  words: {'; '.join(rule.words)}")
    print(f"{len(rules)} rules")
    shadowed = sorted(word for word in kinds if word in known)
    if shadowed:
        print(f"note: kinds.tsv words the vocabulary already answers: {', '.join(shadowed)}")
    print(f"{len(kinds)} kinds of things, {len(english)} English words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
