"""Whom a fact is about: the speaker, or someone the speaker talks about. "Ana's uncle rides a
Jeep" is the uncle's, "Ana's bike is a Brompton" and "Ana's husband is Daniel" (who he is) are
Ana's. Grammar, not a list of attributes: the word after the speaker's possessive names a person
when it is one of the people words shared with the extractor (`english.PEOPLE_WORDS`), or when the
encoder places "my <word>" nearer a person than a thing (dentist, teacher, landlord: words no list
has to hold)."""

import re
from functools import lru_cache

from memos_service.embedding import Embedder
from memos_service.policy.english import PEOPLE_WORDS

# Words before the noun that say which one: "Ana's best friend", "Ana's new boss".
_WHICH = frozenset("best new old former ex little big older younger elder eldest youngest oldest current late dear".split())
_PERSON = "a person, someone I know"
_THING = "a thing, an object or an attribute"
# How much nearer a person than a thing "my <word>" must be. Chosen on the words of the training
# families' frames and of the update pools: people words not in the list score 0.22-0.31 (dentist,
# doctor, landlord, teacher, author), things at most 0.13 (podcast, team) and the odd modifier higher
# ("all-time" 0.18: "Zoe's all-time favourite food" is Zoe's).
PERSON_MARGIN = 0.2


class Holders:
    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._prototypes = embedder.embed([_PERSON, _THING])
        self._person = lru_cache(maxsize=4096)(self._nearer_a_person)

    def _nearer_a_person(self, word: str) -> bool:
        vector = self.embedder.embed([f"my {word}"])[0]
        person, thing = self._prototypes @ vector
        return float(person - thing) > PERSON_MARGIN

    def is_person(self, word: str) -> bool:
        word = word.lower()
        return word in PEOPLE_WORDS or word.removesuffix("s") in PEOPLE_WORDS or self._person(word)

    def of(self, text: str, subject: str | None) -> str:
        """The subject's lower-cased name, or "<name>'s <person>" for someone of theirs, or "" when
        the subject is not named at all."""
        name = (subject or "").split()[0].lower() if subject else ""
        if not name:
            return ""
        found = re.search(rf"\b{re.escape(name)}\b('s\b)?((?:\s+[\w-]+){{0,4}})", text, re.IGNORECASE)
        if found is None:
            return ""
        if not found[1]:
            return name
        following = found[2].split()
        for number, word in enumerate(following[:2]):
            if word[0].isupper() and word.lower() not in _WHICH:
                return name  # a name after the possessive is a thing of theirs: "Ana's Brompton"
            if word.lower() in _WHICH:
                continue
            if not self.is_person(word):
                return name
            # "Ana's husband is Daniel" says who he is: a fact of Ana's.
            rest = following[number + 1:]
            if len(rest) >= 2 and rest[0].lower() in ("is", "was") and rest[1][:1].isupper():
                return name
            return f"{name}'s {word.lower()}"
        return name



@lru_cache(maxsize=4)
def holders_for(embedder: Embedder) -> Holders:
    """One reader per embedder and process: what it learnt of words is kept from job to job."""
    return Holders(embedder)
