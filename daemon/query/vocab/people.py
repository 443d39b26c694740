"""The words for people (data/people.tsv): «женщина», «девушка», «дети», «бабушка», «двое»,
«толпа», «селфи» -> the faces signal's concepts (daemon/signals/faces.py).

The same words stay the COCO person's synonyms (coco80.tsv): a photo whose faces the
signal read answers by them, one with a person seen from behind by the person, after them
(daemon/query/search.py, people_scores)."""

from __future__ import annotations

from pathlib import Path

from daemon.query.vocab import DATA_DIR, ClassEntry, Term, VocabularyError, _read_tsv, _split
from daemon.signals.faces import PHOTO_CONCEPTS, photo_concept


def people_entries(data_dir: Path = DATA_DIR) -> list[ClassEntry]:
    rows = {row["concept"]: row for row in _read_tsv(data_dir / "people.tsv")}
    if set(rows) != set(PHOTO_CONCEPTS):
        raise VocabularyError(f"people.tsv must list the concepts {', '.join(PHOTO_CONCEPTS)}")
    entries = []
    for concept in PHOTO_CONCEPTS:
        row = rows[concept]
        name = row["name"].strip().lower()
        terms: dict[str, Term] = {name: Term(name, 1.0, "name")}
        for word in _split(row["synonyms"]):
            terms.setdefault(word, Term(word, 1.0, "synonym"))
        english = _split(row["english"])
        for word in english:
            terms.setdefault(word, Term(word, 1.0, "english"))
        entries.append(ClassEntry(photo_concept(concept), f"faces:{concept}",
                                  english[0] if english else concept, name,
                                  tuple(terms.values())))
    return entries
