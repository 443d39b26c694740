"""The text read in photos, in memory beside the matrix: by photo id, and by word.

Words are kept as lemmas with ё folded («чека», «чеки» -> «чек»), the way queries are read,
so any form finds any form; a phrase is matched in the text with case, ё and punctuation
folded («"ул. Ленина"» finds «УЛ ЛЕНИНА»). The writer puts and removes; searches read a
consistent view under a lock (a library has text in a few thousand photos at most).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

import numpy as np

from daemon.index.store import Store

_WORD = re.compile(r"[0-9a-zа-яё]+")
_HYPHENATED = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)+")
QUOTE_CONTEXT = 24  # characters each side of a match in an explanation


def normalise(text: str) -> str:
    """Lowercase, ё as е, every run of non-letters a single space."""
    return " ".join(_WORD.findall(text.lower().replace("ё", "е")))


def phrase_words(text: str) -> list[str]:
    """The words a phrase is matched by: one-letter words left out, since OCR keeps none
    (daemon/signals/ocr.py keep_word: alone they are mostly noise), so that
    «"добро пожаловать в Москву"» finds «Добро пожаловать в Москву» as read."""
    return [w for w in normalise(text).split() if len(w) > 1 or w.isdigit()]


class TextTable:
    def __init__(self, lemma: Callable[[str], str] | None = None) -> None:
        """lemma: a word's lemma (as the query side's Analyzer.key); None: the word
        itself."""
        self._lemma = lemma or (lambda word: word)
        self._lock = threading.Lock()
        self._texts: dict[int, str] = {}
        self._flat: dict[int, str] = {}  # the phrase words, for phrases
        self._by_word: dict[str, set[int]] = {}
        self._words_of: dict[int, frozenset[str]] = {}

    @classmethod
    def load(cls, store: Store, lemma: Callable[[str], str] | None = None) -> TextTable:
        table = cls(lemma)
        for photo_id, text in store.text_rows():
            table.put(photo_id, text)
        return table

    def __len__(self) -> int:
        return len(self._texts)

    def put(self, photo_id: int, text: str) -> None:
        flat = " ".join(phrase_words(text))
        # «Wi-Fi» answers «wifi» too, «онлайн-касса» «онлайнкасса» (as people type them)
        joined = [w.replace("-", "") for w in _HYPHENATED.findall(text.lower())]
        words = frozenset(self._key(w) for w in (*flat.split(), *joined))
        with self._lock:
            self._drop(photo_id)
            if not flat:
                return
            self._texts[photo_id] = text
            self._flat[photo_id] = flat
            self._words_of[photo_id] = words
            for word in words:
                self._by_word.setdefault(word, set()).add(photo_id)

    def remove(self, photo_id: int) -> None:
        with self._lock:
            self._drop(photo_id)

    def _drop(self, photo_id: int) -> None:
        for word in self._words_of.pop(photo_id, ()):
            ids = self._by_word.get(word)
            if ids is not None:
                ids.discard(photo_id)
                if not ids:
                    del self._by_word[word]
        self._texts.pop(photo_id, None)
        self._flat.pop(photo_id, None)

    def _key(self, word: str) -> str:
        return self._lemma(word).replace("ё", "е")

    def text_of(self, photo_id: int) -> str | None:
        return self._texts.get(photo_id)

    def has_word(self, word: str) -> bool:
        """Some photo's text has this word, in any form."""
        return self._key(normalise(word)) in self._by_word

    def word_mask(self, photo_ids: np.ndarray, word: str) -> np.ndarray:
        """Which of these photos have the word in their text, in any form."""
        with self._lock:
            ids = self._by_word.get(self._key(normalise(word)), set())
            return _mask(photo_ids, ids)

    def phrase_mask(self, photo_ids: np.ndarray, phrase: str) -> np.ndarray:
        """Which of these photos have the phrase, word for word (as written, in order)."""
        wanted = " ".join(phrase_words(phrase))
        if not wanted:
            return np.zeros(len(photo_ids), bool)
        padded = f" {wanted} "
        with self._lock:
            ids = {pid for pid, flat in self._flat.items() if padded in f" {flat} "}
        return _mask(photo_ids, ids)

    def quote(self, photo_id: int, words: Iterable[str] = (), phrase: str = "") -> str:
        """The text as read around the first match, on one line, for «текст: „…чек ИКЕА
        Дыбенко…“»."""
        text = self._texts.get(photo_id, "")
        # Lowercasing and ё -> е keep every character's place, so spans map back.
        spans = [(m.start(), m.end(), m.group())
                 for m in _WORD.finditer(text.lower().replace("ё", "е"))
                 if len(m.group()) > 1 or m.group().isdigit()]
        tokens = [token for _, _, token in spans]
        found = None
        if phrase:
            wanted = phrase_words(phrase)
            found = next((i for i in range(len(tokens) - len(wanted) + 1)
                          if wanted and tokens[i:i + len(wanted)] == wanted), None)
            length = len(wanted)
        else:
            keys = {self._key(normalise(w)) for w in words}
            found = next((i for i, token in enumerate(tokens) if self._key(token) in keys),
                         None)
            length = 1
        if found is None:
            return ""
        start, end = spans[found][0], spans[found + length - 1][1]
        left, right = max(0, start - QUOTE_CONTEXT), min(len(text), end + QUOTE_CONTEXT)
        quoted = " ".join(text[left:right].split())
        return ("…" if left > 0 else "") + quoted + ("…" if right < len(text) else "")


def _mask(photo_ids: np.ndarray, ids: set[int]) -> np.ndarray:
    if not ids:
        return np.zeros(len(photo_ids), bool)
    return np.isin(photo_ids, np.fromiter(ids, np.int64, len(ids)))
