"""The seed project's ranking, kept as the baseline the eval compares against.

One Russian name per class, the same word vectors as ours; a photo's score is
max over its classes of cosine(query, class name) × the model's confidence.
"""

from __future__ import annotations

import numpy as np

from daemon.concepts import NUM_CONCEPTS
from daemon.index.matrix import TagMatrix
from daemon.query.text import Analyzer, WordVectors, phrase_vector, tokenize
from daemon.query.vocab import Vocabulary
from daemon.signals.classifier import CONCEPTS as CLASSIFIER


class SeedMethod:
    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer, vectors: WordVectors) -> None:
        self.analyzer = analyzer
        self.vectors = vectors
        self._names = np.zeros((NUM_CONCEPTS, vectors.dim), np.float32)
        for entry in vocabulary.classes[:CLASSIFIER.size]:  # the seed knew only ImageNet
            vector = phrase_vector(vectors, tokenize(entry.name))
            if vector is not None:
                self._names[entry.index] = vector

    def relevance(self, query: str) -> np.ndarray:
        words = [t.surface for t in self.analyzer.tokens(query)]
        vector = phrase_vector(self.vectors, words)
        if vector is None:
            return np.zeros(NUM_CONCEPTS, np.float32)
        return np.clip(self._names @ vector, 0.0, None).astype(np.float32)

    def rank(self, query: str, matrix: TagMatrix) -> list[int]:
        """Rows of the matrix, best first; photos scoring zero are not results."""
        scores = matrix.max_product(self.relevance(query))
        rows = np.flatnonzero(scores > 0)
        return rows[np.argsort(-scores[rows], kind="stable")].tolist()
