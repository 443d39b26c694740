"""The words people use for the kinds of text in photos (data/text_kinds.tsv): «скриншот»,
«скрин», «чек», «квитанция»… -> the text signal's concepts (daemon/signals/text.py)."""

from __future__ import annotations

from pathlib import Path

from daemon.query.vocab import DATA_DIR, ClassEntry, Term, VocabularyError, _read_tsv, _split
from daemon.signals.text import CONCEPTS, KIND_ENGLISH, KINDS


def text_kind_entries(data_dir: Path = DATA_DIR) -> list[ClassEntry]:
    rows = {row["kind"]: row for row in _read_tsv(data_dir / "text_kinds.tsv")}
    if set(rows) != set(KINDS):
        raise VocabularyError(f"text_kinds.tsv must list the kinds {', '.join(KINDS)}")
    entries = []
    for number, kind in enumerate(KINDS):
        row = rows[kind]
        terms: dict[str, Term] = {kind: Term(kind, 1.0, "name")}
        for word in _split(row["synonyms"]):
            terms.setdefault(word, Term(word, 1.0, "synonym"))
        for word in _split(row["english"]):
            terms.setdefault(word, Term(word, 1.0, "english"))
        entries.append(ClassEntry(CONCEPTS.first + number, f"text:{KIND_ENGLISH[number]}",
                                  KIND_ENGLISH[number], kind, tuple(terms.values())))
    return entries
