"""The offline manager. In order:

1. a retraction deletes the known memory it is about (same property, value or thing, else the
   most similar one above `delete_similarity`), never one holding another name or number than the
   one it names, or changes nothing when none is known;
2. a candidate setting a property the subject already has updates that memory when the value
   differs, and is a no-op when it is the same (or, where one side names no value, when the other's
   value is in its words);
3. a near-identical memory (cosine >= `noop_similarity`) that holds every name and number of the
   candidate, with the same polarity, and sets no other property, makes it a no-op (similarity
   alone does not tell 555-1234 from 555-2871: `memos bench thresholds`);
4. a candidate that says everything a similar memory says and more (cosine >= `update_similarity`)
   updates it with the fuller text;
5. anything else is added.
"""

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from memos_service.lifecycle.duplicates import signature
from memos_service.policy.candidates import Candidate
from memos_service.policy.decisions import Decision, Op, Outcome, Related

_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"a", "an", "the", "is", "are", "was", "of", "in", "to", "at", "and", "s", "now", "has", "have", "with", "for",
         "on", "just", "really", "also"}


@dataclass(frozen=True)
class Thresholds:
    noop_similarity: float
    update_similarity: float
    delete_similarity: float


def _words(text: str | None) -> set[str]:
    return set(_WORD.findall((text or "").lower())) - _STOP


def same_value(left: str | None, right: str | None) -> bool:
    return bool(left and right) and _words(left) == _words(right)


def says_all_of(known: str, candidate: str) -> bool:
    """Whether `known` holds every name and number of `candidate`, and says it the same way round."""
    old, new = signature(known), signature(candidate)
    return new.specifics <= old.specifics and (new.negated, new.ended) == (old.negated, old.ended)


def _named(value: str | None) -> bool:
    """A name or a number: "Globex", "555-0101", not "there" or "the company"."""
    return bool(value) and (value[0].isupper() or any(character.isdigit() for character in value))


def mentions(text: str, thing: str) -> bool:
    return re.search(rf"\b{re.escape(thing.lower())}s?\b", text.lower()) is not None


def _names_value_of(candidate: Candidate, known: Related) -> bool:
    """Where one side set the property without naming a value ("..., it is my favorite food"), the
    same value is the one side's value named in the other's words."""
    if candidate.value and not known.value:
        return mentions(known.memory.content, candidate.value)
    return bool(known.value and not candidate.value and mentions(candidate.content, known.value))


class HeuristicManager:
    name = "heuristic"

    def __init__(self, thresholds: Thresholds):
        self.thresholds = thresholds

    def decide(self, candidate: Candidate, related: Sequence[Related]) -> Outcome:
        started = time.perf_counter()
        decision = self._decide(candidate, related)
        return Outcome(decision, self.name, latency_ms=(time.perf_counter() - started) * 1000)

    def _decide(self, candidate: Candidate, related: Sequence[Related]) -> Decision:
        if candidate.retraction:
            return self._retract(candidate, related)
        if candidate.attribute:
            same_property = [memory for memory in related if memory.attribute == candidate.attribute]
            if same_property:
                known = max(same_property, key=lambda memory: memory.similarity)
                if same_value(known.value, candidate.value) or _names_value_of(candidate, known):
                    return Decision(Op.noop, known.ref, reason=f"{candidate.attribute} is already {candidate.value!r}")
                return Decision(Op.update, known.ref, candidate.content,
                                f"{candidate.attribute} changes from {known.value!r} to {candidate.value!r}")
        # "Ana's sister works at Globex" says all that "Ana works at Globex" says, about someone else.
        comparable = [memory for memory in related if not (memory.attribute and candidate.attribute)]
        known = [memory for memory in comparable if memory.similarity >= self.thresholds.noop_similarity
                 and says_all_of(memory.memory.content, candidate.content)]
        if known:
            closest = max(known, key=lambda memory: memory.similarity)
            return Decision(Op.noop, closest.ref, reason=f"already known (similarity {closest.similarity:.2f})")
        fuller = [memory for memory in comparable if memory.similarity >= self.thresholds.update_similarity
                  and not memory.attribute and _words(memory.memory.content) < _words(candidate.content)]
        if fuller:
            target = max(fuller, key=lambda memory: memory.similarity)
            return Decision(Op.update, target.ref, candidate.content, "says the same and more")
        return Decision(Op.add, reason="nothing like it is known")

    def _retract(self, candidate: Candidate, related: Sequence[Related]) -> Decision:
        def pick(matches: list[Related], why: str) -> Decision | None:
            if not matches:
                return None
            target = max(matches, key=lambda memory: memory.similarity)
            return Decision(Op.delete, target.ref, reason=f"retracted ({why})")

        # A retraction that names a value takes back nothing that holds another: "I left Globex" keeps the job at
        # Initech. Names and numbers only: a value read as "there" or "the company" names nothing to compare.
        related = [memory for memory in related if not (_named(candidate.value) and _named(memory.value)
                                                        and not _words(candidate.value) & _words(memory.value))]
        by_value = [memory for memory in related if candidate.value and same_value(memory.value, candidate.value)]
        by_property = [memory for memory in related if candidate.attribute and memory.attribute == candidate.attribute]
        by_thing = [memory for memory in related if candidate.thing and (
            memory.thing == candidate.thing or mentions(memory.memory.content, candidate.thing))]
        by_meaning = [memory for memory in related if memory.similarity >= self.thresholds.delete_similarity]
        for matches, why in ((by_value, "same value"), (by_property, "same property"), (by_thing, "same thing"),
                             (by_meaning, "similar")):
            if (decision := pick(matches, why)) is not None:
                return decision
        return Decision(Op.noop, reason="retraction of nothing known")
