"""Which class of written examples a sentence is nearest to in the embedder's space: how the
heuristic manager reads what no cue of `statements` reads (`properties`, `retractions`)."""

from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache

import numpy as np

from memos_service.embedding import Embedder

Examples = dict[str, list[str]]


@lru_cache(maxsize=8)
def _embedded(embedder: Embedder, examples: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, np.ndarray]:
    """Each class's example vectors, embedded once per process."""
    return {label: embedder.embed(list(texts)) for label, texts in examples}


class NearestExamples:
    def __init__(self, embedder: Embedder, examples: Examples, neighbours: int = 4):
        self.embedder = embedder
        self._examples = tuple((label, tuple(texts)) for label, texts in examples.items())
        self.neighbours = neighbours

    @cached_property
    def _vectors(self) -> dict[str, np.ndarray]:
        """Looked up once per reader, not per sentence: the key is every example's text."""
        return _embedded(self.embedder, self._examples)

    def nearest(self, vector: np.ndarray) -> tuple[str, float]:
        """The class whose `neighbours` nearest examples are nearest on average, and that mean
        cosine: one odd example ("I'm flying to Athens" for "Today was my first day at Globex")
        does not decide alone, nor one that only shares the sentence's value ("I had ramen for
        dinner" for "Honestly nothing tops ramen for me"). Four: with three, such twins decided
        about one in forty favourite foods of the tuned update pools (read 0.937, with four 0.963)."""
        scores = {label: float(np.sort(vectors @ vector)[-self.neighbours:].mean())
                  for label, vectors in self._vectors.items()}
        best = max(scores, key=scores.__getitem__)
        return best, scores[best]

    def nearest_of(self, sentences: Sequence[str], readable: Callable[[str], bool]) -> list[tuple[str, float] | None]:
        """The nearest class of each sentence `readable` admits, embedded in one batch; None for the rest."""
        admitted = [number for number, sentence in enumerate(sentences) if readable(sentence)]
        found: list[tuple[str, float] | None] = [None] * len(sentences)
        if admitted:
            vectors = self.embedder.embed([sentences[number] for number in admitted])
            for vector, number in zip(vectors, admitted, strict=True):
                found[number] = self.nearest(vector)
        return found
