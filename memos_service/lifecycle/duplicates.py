"""Which near-neighbours are duplicates, and how they cluster.

Embeddings alone cannot tell a paraphrase from a contradiction: with MiniLM, "Alice is 30" and
"Alice is 31" score 0.98, "the meeting is on Monday" and "... Tuesday" 0.94, "likes cats" and
"does not like cats" 0.92, while true paraphrases score 0.94-0.98 (measured by `memos bench
lifecycle`). So similarity only nominates; a pair merges when, in addition, the survivor holds
every name and number of the member, both say yes or both say no, and they do not set the same
property to different values (nor does one say a thing stopped). Clusters are stars around their
most complete member, never chains: every member is itself close to the survivor and contained in
it, so merging loses no fact.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memos_service.policy.english import normalize

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,:/]\d+)*")
_NUMBER_WORDS = set("""zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million
billion first second third fourth fifth sixth seventh eighth ninth tenth once twice dozen half""".split())
_NEGATIONS = {"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "cannot", "without", "nowhere"}
# Words that put a state in the past: "works at Siemens" and "worked at Siemens until 2019" are 0.91 apart.
_ENDINGS = {"stopped", "quit", "until", "anymore", "formerly", "former", "ended", "ex"}
# Capitalised only because they start a sentence or are the pronoun "I".
_FUNCTION_WORDS = set("""a an the i my me we our you your he his him she her they their them it its this that these those
there here what when where who why how which and or but so if then in on at to for from of with by about as after before
during since until while also just really very every each some any all most many much more few yes please thanks thank
hi hello hey well oh ok okay sure today yesterday tomorrow tonight now recently currently""".split())


def _singular(word: str) -> str:
    """A key, not a word: "Sundays" and "Sunday" must match; "Paris" becoming "pari" on both sides is harmless."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class Signature:
    """What a merge must not lose or flip."""

    specifics: frozenset[str]  # names and numbers
    negated: bool
    ended: bool  # says something stopped being so
    words: int


def signature(text: str) -> Signature:
    tokens = _TOKEN.findall(normalize(text))
    specifics = set()
    for token in tokens:
        lowered = token.lower()
        if token[0].isdigit() or lowered in _NUMBER_WORDS:
            specifics.add(lowered)
        elif token[0].isupper() and lowered not in _FUNCTION_WORDS:
            specifics.add(_singular(lowered.removesuffix("'s")))
    lowered_tokens = [token.lower() for token in tokens]
    negated = any(token in _NEGATIONS for token in lowered_tokens)
    ended = any(token in _ENDINGS for token in lowered_tokens) or "used to" in " ".join(lowered_tokens)
    return Signature(frozenset(specifics), negated, ended, len(tokens))


@dataclass
class Candidate:
    """A memory as the clustering sees it."""

    id: int
    group: tuple[Any, ...]  # memories merge only within one group: same user, agent, kind and type
    text: str
    attribute: str | None = None
    value: str | None = None
    uses: int = 0
    signature: Signature = field(init=False)

    def __post_init__(self) -> None:
        self.signature = signature(self.text)

    @property
    def completeness(self) -> tuple[int, int, int, int]:
        """More names and numbers, then more words, then more uses, then older: the better survivor."""
        return (len(self.signature.specifics), self.signature.words, self.uses, -self.id)


def contained(member: Candidate, survivor: Candidate) -> bool:
    """Whether `survivor` can stand for `member` without losing or contradicting anything."""
    if member.group != survivor.group:
        return False
    if (member.signature.negated, member.signature.ended) != (survivor.signature.negated, survivor.signature.ended):
        return False
    if (member.attribute and member.attribute == survivor.attribute and member.value and survivor.value
            and member.value.strip().lower() != survivor.value.strip().lower()):
        return False
    return member.signature.specifics <= survivor.signature.specifics


@dataclass(frozen=True)
class Cluster:
    survivor: int
    members: tuple[int, ...]
    similarity: tuple[float, ...]  # each member's to the survivor


def clusters(candidates: Sequence[Candidate], pairs: Iterable[tuple[int, int, float]]) -> list[Cluster]:
    """Star clusters over the similar `pairs` (ids, cosine): the most complete unclaimed memory
    first claims every unclaimed neighbour it contains; each memory is in at most one cluster."""
    by_id = {candidate.id: candidate for candidate in candidates}
    neighbours: dict[int, dict[int, float]] = {}
    for first, second, score in pairs:
        if first != second and first in by_id and second in by_id:
            neighbours.setdefault(first, {})[second] = max(score, neighbours.get(first, {}).get(second, -1.0))
            neighbours.setdefault(second, {})[first] = max(score, neighbours.get(second, {}).get(first, -1.0))
    claimed: set[int] = set()
    found = []
    for survivor in sorted((by_id[node] for node in neighbours), key=lambda c: c.completeness, reverse=True):
        if survivor.id in claimed:
            continue
        members = sorted(
            (member_id for member_id in neighbours[survivor.id]
             if member_id not in claimed and contained(by_id[member_id], survivor)),
        )
        claimed.add(survivor.id)
        if members:
            claimed.update(members)
            found.append(Cluster(survivor.id, tuple(members), tuple(neighbours[survivor.id][m] for m in members)))
    return found
