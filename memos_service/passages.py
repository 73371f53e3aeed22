"""A memory's passages: the sentences of a memory that says several things, each embedded beside
the whole text.

One vector for a whole conversation turn ("Congrats! The adoption went through last week. We named
her Luna.") averages its sentences, and a question about one of them ("What did they name the dog?")
finds it weakly. Dense search scores a memory by the best of its whole text and its passages, so a
sentence said among others is found as well as one said alone.

A passage keeps its memory's leading label, the "who" of a transcript line ("Caroline: ..."): a
question names whom it asks about, and a sentence stripped of its speaker matches everyone's. Short
sentences ("Wow!", "Thanks so much!") are no passages: they say nothing the whole text does not.
Measured on the LoCoMo dev split, one memory per turn, recall@10 (fraction):
- turns as "speaker: text" (`memos bench locomo`): dense 0.501 by whole texts, 0.604 by the best of
  whole and passages; hybrid 0.740 -> 0.761. Passages without their speaker did worse than none
  (dense 0.462, hybrid 0.716).
- turns without speakers (dense, scratch harness): whole 0.299; with passages of four words or more
  0.345, of any length 0.307.
A memory of one sentence has no passages: its whole text is the one.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memos_service.embedding import Embedder

# A sentence ends at . ! ? or … before a space, or at a line break; "3.5" and "e.g.," do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\s*\n\s*")
# "Caroline: ...", "Dr. Ana Ruiz: ...": a short label before a colon that opens the text.
_LABEL = re.compile(r"^(?P<label>[^\s:][^:\n]{0,40}?):\s+(?=\S)")
_WORD = re.compile(r"\w+")
MIN_PASSAGE_WORDS = 4


def split_passages(text: str, limit: int) -> list[str]:
    """The text's sentences of `MIN_PASSAGE_WORDS` words or more, each after the text's label if it
    has one, grouped into at most `limit` runs of neighbouring sentences when there are more; none
    for a text of one sentence (or with `limit` 0)."""
    label = _LABEL.match(text)
    body = text[label.end():] if label else text
    sentences = [sentence.strip() for sentence in _SENTENCE_END.split(body.strip())]
    if len([sentence for sentence in sentences if _WORD.search(sentence)]) < 2 or limit < 1:
        return []
    sentences = [sentence for sentence in sentences if len(_WORD.findall(sentence)) >= MIN_PASSAGE_WORDS]
    if len(sentences) > limit:
        bounds = np.linspace(0, len(sentences), limit + 1).round().astype(int)
        sentences = [" ".join(sentences[start:end]) for start, end in zip(bounds, bounds[1:], strict=False)]
    return [f"{label['label']}: {sentence}" if label else sentence for sentence in sentences]


@dataclass(frozen=True)
class ContentVectors:
    """Vectors of memory contents: `whole` has a row per content, `passages` an array of rows per
    content (none for one sentence). A slice of it is one too."""

    whole: np.ndarray
    passages: list[np.ndarray]

    def __getitem__(self, rows: slice) -> "ContentVectors":
        return ContentVectors(self.whole[rows], self.passages[rows])


def embed_contents(embedder: Embedder, texts: Sequence[str], limit: int) -> ContentVectors:
    """Each text's vector and its passages' vectors, in one batch for the embedder."""
    if not texts:
        return ContentVectors(np.zeros((0, embedder.dimension), dtype=np.float32), [])
    split = [split_passages(text, limit) for text in texts]
    vectors = embedder.embed([*texts, *(passage for passages in split for passage in passages)])
    whole, passages, offset = vectors[: len(texts)], [], len(texts)
    for found in split:
        passages.append(vectors[offset: offset + len(found)])
        offset += len(found)
    return ContentVectors(whole, passages)
