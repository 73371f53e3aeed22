"""The offline extractor: sentences of the user's messages that state something about them,
rewritten as facts about the user, with the property they set and the time they happened."""

import dataclasses
import itertools
import re
from collections.abc import Sequence

from memos_service.policy.candidates import Candidate, ChatMessage
from memos_service.policy.changes import without_old_value
from memos_service.policy.english import (
    NAME,
    clauses,
    display_name,
    implied_first_person,
    normalize,
    plain_statement,
    says_something_ends,
    sentences,
    to_third_person,
)
from memos_service.policy.properties import VALUE_KINDS, PropertyReader, Reading, value_in
from memos_service.policy.retractions import RetractionReader
from memos_service.policy.statements import (
    Statement,
    as_speaker,
    as_statement_of_change,
    asks_to_forget,
    canonical_attribute,
    employer_beside_occupation,
    one_request_per_thing,
    read_property,
    retracted,
    states_retraction_of_previous,
)
from memos_service.policy.vocabulary import NOT_VALUES, talks_about_work
from memos_service.retrieval.temporal import parse_time_range

_FILLER = re.compile(
    r"^(?:hi|hey|hello|yo|thanks|thank you|thx|ok|okay|k|cool|nice|great|awesome|sure|yes|yeah|yep|no|nope|lol|haha|"
    r"hmm|good (?:morning|night|evening)|bye|see you|got it|sounds good|i see|wow|right|alright|oh|ah|interesting|"
    r"no problem|np|exactly|true|of course|fair enough|makes sense|me too|same|agreed)\b[\s\w]{0,12}$", re.IGNORECASE)
_ABOUT_SPEAKER = re.compile(r"\bI\b|(?<![.@])\b(?i:my|me|mine|myself)\b")  # not the "me" of "marta@proton.me"
_PREFERENCE = re.compile(r"^I (?:\w+ )?(?:love|like|enjoy|prefer|adore|hate|dislike|detest|cannot stand|am (?:a )?(?:big )?"
                         r"fan of|am into|am obsessed with)\b", re.IGNORECASE)
# A property named as a label ("Home is Lyon now", "New number: 555-0101"), the speaker's when no one else's.
_LABEL = re.compile(r"^(?!(?:it|this|that|there|here|everything|nothing|all)\b)(?:new |current |updated )?(?:[a-z]+ ){0,2}[a-z]+"
                    r"(?: is|:) ", re.IGNORECASE)
_ASKING_ASSISTANT = re.compile(r"^(?:can|could|would|will) you\b|^(?:please )?(?:tell|show|give|help|explain|"
                               r"write(?! (?:this|that|it) down)|"
                               r"find|recommend|suggest|remind|(?:e-?mail|call|text|contact|message|ring)(?!.*\b(?:me|us)\b))\b",
                               re.IGNORECASE)
# Words that say which property a bare retraction ("I quit my job") is about.
_PROPERTY_WORDS = {"e-?mail": "email", "job": "employer", "work": "employer", "employer": "employer", "company": "employer",
                   "workplace": "employer", "(?:phone|mobile|cell|telephone|contact|my|have an?) number": "phone number",
                   "live": "residence", "home": "residence", "city": "residence", "town": "residence",
                   "apartment": "residence", "address": "residence",
                   "dating": "partner", "boyfriend": "partner", "girlfriend": "partner"}

# What a property taken back by another name is kept as: "forget my job" takes back the employer
# (and, by the word, any "my job is ..." kept as said). Not "address": that is a property of its own.
_KEPT_AS = {word: _PROPERTY_WORDS[word] for word in ("job", "work", "company", "workplace", "home", "city", "town", "boyfriend",
                                                     "girlfriend")}


# The last word of a property's name: "the Colombian number" is a property named with a capital, not a thing so called.
_PROPERTY_NOUNS = {"number", "phone", "mobile", "cell", "email", "e-mail", "address", "job", "employer", "city", "home"}


# How one works, not where: "I no longer work nights at the hospital" leaves the job be.
_HOW_ONE_WORKS = re.compile(r"\bwork(?:s|ing)? (?:nights|days|weekends|shifts|late|overtime|from home|remotely|part[- ]time|"
                            r"full[- ]time)\b", re.I)


def _says_only_who(candidate: Candidate, name: str) -> bool:
    """A candidate whose words, past function words, are only the speaker's name."""
    said = {word for word in re.findall(r"[a-z]+", candidate.content.lower()) if word not in _FUNCTION_WORDS}
    return bool(said) and said <= set(re.findall(r"[a-z]+", name.lower()))


def _is_filler(sentence: str) -> bool:
    return bool(_FILLER.match(re.sub(r"[^\w\s']", " ", sentence).strip()))


def is_small_talk(text: str) -> bool:
    """Greetings, thanks and acknowledgements: not worth keeping even as a turn."""
    return all(_is_filler(part) or len(part.split()) < 2 for part in sentences(text))


_FUNCTION_WORDS = {"i", "my", "a", "an", "the", "at", "in", "to", "with", "of", "for", "on", "am", "is", "are", "have",
                   "has", "work", "live", "do", "does", "where", "what", "who", "how", "when"}


def _event_time(sentence: str, message: ChatMessage):
    when = parse_time_range(sentence, message.timestamp)
    return when.start if when is not None else message.timestamp


class HeuristicExtractor:
    """Cues first; where none reads a sentence, the readers given read it by meaning: whether it
    takes a property back (`retractions`), else which property it sets (`reader`)."""

    name = "heuristic"

    def __init__(self, reader: PropertyReader | None = None, retractions: RetractionReader | None = None,
                 max_clauses: int = 64, max_clauses_per_call: int = 2000):
        self.reader = reader
        self.retractions = retractions
        self.max_clauses = max_clauses
        self.max_clauses_per_call = max_clauses_per_call

    def extract(self, messages: Sequence[ChatMessage], speaker: str) -> list[list[Candidate]]:
        """One list of candidates per message; only the user's messages state facts about the user.
        Facts are read from the first `max_clauses` clauses of a message and `max_clauses_per_call` of
        all (each clause costs an encoder reading and a decision: 400 clauses took 40 s); the turn
        itself is kept whole."""
        said: dict[str, list[tuple[str, str]]] = {}
        left = self.max_clauses_per_call
        for message in messages:
            if message.role == "user" and left > 0:
                said[message.key] = _one_request_each(clauses(message.content))[:min(self.max_clauses, left)]
                left -= len(said[message.key])
        pairs = [pair for parts in said.values() for pair in parts]
        readings = self._read_by_meaning([clause for clause, _ in pairs], [whole for _, whole in pairs])
        retractions = self._read_retractions([clause for clause, _ in pairs], [whole for _, whole in pairs])
        per_message: list[list[Candidate]] = []
        for message in messages:
            found: list[Candidate] = []
            previous = None
            for sentence, whole in said.get(message.key, []):
                sentence, corrects = plain_statement(sentence)
                sentence = _at_work(sentence, f"{previous or ''} {whole}")
                clause = sentence.rstrip(" .!?;:")
                candidate = self._read(sentence, message, message.name or speaker, speaker, found,
                                       _in_context(clause, whole, readings), _in_context(clause, whole, retractions))
                if candidate is not None and _says_only_who(candidate, message.name or speaker):
                    candidate = None  # "I'm Carla", said by carla: no "Carla is Carla."
                if candidate is not None and corrects:
                    candidate = dataclasses.replace(candidate, details={**candidate.details, "corrects": corrects})
                if candidate is not None:
                    candidate = _named_before(candidate, previous, message.name or speaker)
                    found.extend(part for detail in _contact_details_apart(candidate)
                                 for part in _occupation_apart(detail, message.name or speaker))
                previous = sentence
            per_message.append(_said_by_the_rest(_ended_then_set(found)))
        return per_message

    def _read_by_meaning(self, said: list[str], wholes: list[str]) -> dict[str, Reading]:
        """Readings, in one batch, of every form `_read` may look a clause up in (as said, with an
        implied "I" put back, and what a retraction takes back), and of the sentences the clauses
        are part of, which `_in_context` looks up as they are."""
        if self.reader is None:
            return {}
        forms = set(wholes)
        for clause in said:
            clause = clause.rstrip(" .!?;:")
            for sentence in {clause, without_old_value(clause)}:
                forms |= {sentence, implied_first_person(sentence), retracted(sentence)}
        texts = sorted(form for form in forms if form)
        return {text: reading for text, reading in zip(texts, self.reader.read(texts), strict=True) if reading}

    def _read_retractions(self, said: list[str], wholes: list[str]) -> dict[str, Reading]:
        """What each clause, and each sentence the clauses are part of, takes back by meaning where
        no cue reads it, in one batch (`_in_context` looks the sentences up)."""
        if self.retractions is None:
            return {}
        uncued = sorted({text for text in [sentence.rstrip(" .!?;:") for sentence in said] + wholes
                         if retracted(text) is None and read_property(text).attribute is None})
        return {text: reading for text, reading in zip(uncued, self.retractions.read(uncued), strict=True) if reading}

    def _read(self, sentence: str, message: ChatMessage, name: str, subject: str, earlier: list[Candidate],
              readings: dict[str, Reading], retractions: dict[str, Reading]) -> Candidate | None:
        # Two words with the "I" dropped are three ("Joined Ambev"), and a label says what its value is ("Home: Poznan").
        too_short = len(implied_first_person(sentence).split()) < 3 and not re.match(r"^\w+: \S", sentence)
        sentence = as_statement_of_change(sentence) or sentence
        if (sentence.endswith("?") and not asks_to_forget(sentence)) or _is_filler(sentence) or too_short:
            return None
        sentence = sentence.rstrip(" .!?;:")
        if (new_only := without_old_value(sentence)) != sentence:
            # A change said with both values: the new value is set, the update keeps the old one in the history.
            candidate = self._read(new_only, message, name, subject, earlier, readings, retractions)
            if candidate is not None and candidate.attribute and not candidate.retraction:
                return dataclasses.replace(candidate, details={**candidate.details, "said": sentence})
        # The "I" chat drops, put back ("Just finished onboarding at Initech", "Living in Kumasi now").
        implied = implied_first_person(sentence)
        if states_retraction_of_previous(sentence) and earlier:
            previous = earlier[-1]
            return Candidate(content=previous.content, subject=subject, message_keys=[message.key], retraction=True,
                             attribute=previous.attribute, value=previous.value, thing=previous.thing,
                             event_time=message.timestamp)
        if (taken_back := retracted(sentence) or retracted(implied)) is not None:
            statement = _read_property(taken_back, readings)
            if (named := re.fullmatch(r"my (?:current )?((?:\w+ ){0,2}\w+)", taken_back, re.I)) and statement.attribute is None:
                attribute = canonical_attribute(named[1])  # "forget my phone number"
                if attribute not in _KEPT_AS and (last := named[1].split()[-1].lower()) in _KEPT_AS \
                        and named[1].split()[0].lower() in ("home", "personal", "private", "main", "work"):
                    attribute = last  # "my home city", "my main job"
                # "remove Globex" names a thing; "the Colombian number" a property, by its last word.
                by_name = named[1][0].isupper() and named[1].split()[-1].lower() not in _PROPERTY_NOUNS
                statement = (Statement(None, named[1], named[1].lower()) if by_name
                             else Statement(_KEPT_AS.get(attribute, attribute), None, named[1].lower()))
            if statement.attribute is None and (contact := _contact_in(taken_back)):
                statement = Statement(*contact, thing=contact[0])  # "I don't use 555-1010 anymore"
            elif statement.attribute is None and statement.value is None and (held := value_in(taken_back, "name")):
                statement = Statement(None, held, statement.thing)  # "Zalando is history for me": what is held under the name
            attribute = statement.attribute or (None if _HOW_ONE_WORKS.search(taken_back) else next(
                (prop for word, prop in _PROPERTY_WORDS.items() if re.search(rf"\b{word}\b", taken_back, re.I)), None))
            return Candidate(content=to_third_person(taken_back, name), subject=subject, message_keys=[message.key],
                             retraction=True, attribute=attribute, value=statement.value,
                             thing=statement.thing or _last_noun(taken_back), event_time=message.timestamp,
                             details={"said": sentence})
        if (reading := retractions.get(sentence)) is not None:
            return Candidate(content=to_third_person(sentence, name) + ".", subject=subject, message_keys=[message.key],
                             retraction=True, attribute=reading.attribute, value=reading.value,
                             event_time=message.timestamp, details={"said": sentence, "read": "by meaning"})
        statement = read_property(sentence)
        cued = read_property(implied) if implied != sentence else statement  # no second pass over the same words
        if statement.attribute is None:
            # Cues before meaning, also with the implied "I": a cue that reads a sentence says more than its
            # nearest examples do. An implied "I" only where it makes a property statement: "Excited to try
            # this" is no "I excited".
            for form, said in ((implied, cued), (sentence, _meant(sentence, readings)), (implied, _meant(implied, readings))):
                if said.attribute is not None:
                    sentence, statement = form, said
                    break
        elif implied != sentence and (cued.attribute, cued.value) == (statement.attribute, statement.value):
            sentence, statement = implied, cued  # "living in Kumasi" is said of the speaker: "Ana is living in Kumasi"
        if implied != sentence and _ABOUT_SPEAKER.search(sentence) and not re.match(r"(?:I|my|we|our)\b", sentence, re.I):
            sentence = implied  # "Handed in my notice": "I handed in my notice", not "Handed in Ana's notice"
        names_speaker = _ABOUT_SPEAKER.search(sentence) is not None
        # "Home is Lyon now", "New number: 555-0101": a property named with no one's name is the speaker's.
        speakers_property = bool(statement.attribute) and "'s " not in statement.attribute
        if not (names_speaker or statement.household or speakers_property) or _ASKING_ASSISTANT.match(sentence):
            return None
        labelled = not names_speaker and bool(_LABEL.match(sentence))
        if statement.household:
            sentence = as_speaker(sentence)  # stored as a fact about the speaker
        elif labelled:
            sentence = f"my {sentence[0].lower()}{sentence[1:]}"  # "Home is Lyon now" -> "Ana's home is Lyon now"
        preference = bool(_PREFERENCE.match(sentence)) or (statement.attribute or "").startswith("favorite")
        memory_type = "preference" if preference else "fact"
        event_time = _event_time(sentence, message)
        if memory_type == "fact" and event_time != message.timestamp and statement.attribute is None:
            memory_type = "event"
        return Candidate(
            # "Officially a Lyon local now" is kept as said, with who said it.
            content=(to_third_person(sentence, name) if names_speaker or statement.household or labelled
                     else f"{display_name(name)}: {sentence}") + ".", subject=subject, message_keys=[message.key],
            memory_type=memory_type, attribute=statement.attribute, value=statement.value, thing=statement.thing,
            event_time=event_time, importance=0.7 if statement.attribute else 0.5,
        )


# At a company, said with nothing after but a time: "I'm at Adyen now"; or gone over to one: "I switched to Globex".
_AT_A_NAME = re.compile(rf"^(?P<lead>(?:(?:so|and|now|but),? )*)(?:I (?:am (?:now |still )?(?:back )?(?:at|with)|"
                        rf"(?:have )?(?:just |now )?(?:switched|moved over|went over|changed) to)|(?:still|back) (?:at|with)) "
                        rf"(?P<name>{NAME})(?P<tail>(?: now| these days| nowadays| full[- ]time)*"
                        # What one does there, not why one is there: "..., in the growth team", not "..., for a meeting".
                        rf"(?:, (?:in|on|with|as|still|doing|working|leading)\b.*)?[.!]*)$", re.I)


def _at_work(sentence: str, context: str) -> str:
    """"Wise let me go, so I'm at Adyen now", "Same role, but I switched to Globex": being at a company or
    going over to one, where the words around are about work, is working there. Alone, "I'm at Costco"
    is a moment, and "I switched to Hulu" a change of streaming service."""
    if not talks_about_work(context):
        return sentence
    # Also once a change is said without the old value: "Switched jobs, from Asana to Notion".
    for said in (sentence, without_old_value(sentence)):
        if at := _AT_A_NAME.match(said):
            return f"{at['lead']}I work at {at['name']}{at['tail']}"
    return sentence


def _named_before(candidate: Candidate, previous: str | None, name: str) -> Candidate:
    """A place or company said as "that" ("Yep, Bordeaux. That's where I live now") is the one name of the
    sentence before; with none there, the candidate sets no property: an update to no name would
    replace the one known."""
    if candidate.retraction or candidate.value or VALUE_KINDS.get(candidate.attribute or "") != "name":
        return candidate
    value = (value_in(previous, "name") or _name_alone(previous)) if previous else None
    if previous is None or value is None:
        return dataclasses.replace(candidate, attribute=None)
    return dataclasses.replace(candidate, value=value, content=f"{to_third_person(previous, name)}. {candidate.content}")


_CONTACT_DETAILS = {"contact details", "contact detail", "contact info", "contact information", "contacts", "contact"}


def _contact_details_apart(candidate: Candidate) -> list[Candidate]:
    """"Purge my contact details" takes back the phone number and the email address, each."""
    if not (candidate.retraction and candidate.attribute in _CONTACT_DETAILS):
        return [candidate]
    return [dataclasses.replace(candidate, attribute=attribute, thing=attribute,
                                content=candidate.content.replace(candidate.attribute, attribute))
            for attribute in ("phone number", "email")]


def _one_request_each(said: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The clauses, where a sentence asks to forget two things at once ("Please delete my number and my
    email") one request for each instead of the sentence's clauses ("my email" alone asks nothing)."""
    parts: list[tuple[str, str]] = []
    for whole, its_clauses in itertools.groupby(said, key=lambda pair: pair[1]):
        requests = one_request_per_thing(whole)
        parts.extend([(request, whole) for request in requests] if len(requests) > 1 else its_clauses)
    return parts


def _occupation_apart(candidate: Candidate, name: str) -> list[Candidate]:
    """"I'm working as a nurse at UZ Leuven": the occupation, and the employer as a fact of its own, so that
    a new job updates the one and leaves the other, and a job left takes back the employer's name."""
    employer = employer_beside_occupation(candidate.content) if candidate.attribute == "occupation" else None
    if not employer or candidate.retraction:
        return [candidate]
    occupation = re.sub(rf" (?:at|for|with|by) {re.escape(employer)}\b", "", candidate.content, count=1)
    return [dataclasses.replace(candidate, content=occupation),
            dataclasses.replace(candidate, content=f"{to_third_person(f'I work at {employer}', name)}.", attribute="employer",
                                value=employer, thing=None, memory_type="fact")]


# A name said alone, as an answer may be: "Nope, Antwerp. I moved there in April."
_ANSWERED_NAME = re.compile(rf"^(?:(?:no|nope|yes|yeah|yep|actually|well|oh|so),? )*(?P<name>{NAME})[.!]*$", re.I)


def _name_alone(sentence: str) -> str | None:
    named = _ANSWERED_NAME.match(sentence)
    return named["name"].rstrip(".") if named and named["name"].split()[0] not in NOT_VALUES else None


def _ended_then_set(found: list[Candidate]) -> list[Candidate]:
    """"No more Porto for me, I'm in Ghent now": a value that ended and the same property's new value,
    in one message, are one change, which the update keeps in the fact's history. A request to forget
    stays a deletion, before the new value; after it ("I live in Ghent now, forget my old address",
    "New number 555-2222, the old number is dead") it would take back the new one."""
    return [candidate for index, candidate in enumerate(found) if not (candidate.retraction and candidate.attribute and (
        _sets(candidate.attribute, found[:index])
        or not asks_to_forget(candidate.details.get("said", "")) and _sets(candidate.attribute, found[index + 1:])))]


# A clause that only points at what the rest of its message says: "I took it" (the offer), "I've moved jobs", "I'm
# done there now".
_ONLY_POINTING = re.compile(r"^\S+ (?:\w+ ){0,2}(?:it|that|this|them|there)(?: now| already| too| for good)?|"
                            r"^\S+ (?:has |have |just |finally |recently )*"
                            r"(?:moved|relocated|switched|changed)(?: (?:jobs?|house|homes?|cities|countries|employers?))?",
                            re.IGNORECASE)


def _said_by_the_rest(found: list[Candidate]) -> list[Candidate]:
    """Without what another candidate of the same message says better: a property set with no value
    beside its value ("Biryani is my comfort food, I'd eat it over anything"), and beside a property
    set or taken back, a clause that only points at it ("Globex made me an offer and I took it", "I've
    moved jobs, I'm with Hooli now") or an end that names nothing ("Globex and I are done, I quit last
    month"). Kept alone, each was a memory of its own that answered "where does Ana work?" in words
    that say nothing; the turn's episode keeps them as said."""
    if not any(candidate.attribute for candidate in found):
        return found  # nothing about a property for a clause to point at
    valued = {candidate.attribute for candidate in found if candidate.attribute and candidate.value and not candidate.retraction}
    retracts = any(candidate.retraction for candidate in found)

    def said_better(candidate: Candidate) -> bool:
        if candidate.retraction:
            return False
        if candidate.attribute:
            return candidate.value is None and candidate.attribute in valued
        said = candidate.content.rstrip(" .!?")
        return bool(_ONLY_POINTING.fullmatch(said)) or (
            retracts and says_something_ends(said) and not (value_in(said, "name") or _contact_in(said)))

    return [candidate for candidate in found if not said_better(candidate)]


def _sets(attribute: str, candidates: list[Candidate]) -> bool:
    return any(candidate.attribute == attribute and not candidate.retraction for candidate in candidates)


def _contact_in(text: str) -> tuple[str, str] | None:
    """The one phone number or email address the text names, with its property."""
    return next(((attribute, value) for kind, attribute in (("phone", "phone number"), ("email", "email"))
                 if (value := value_in(text, kind))), None)


def _in_context(clause: str, whole: str, readings: dict[str, Reading]) -> dict[str, Reading]:
    """The readings, with a clause that alone reads as nothing read as its whole sentence is, where
    that names the same value: "I switched jobs, I'm with Hooli now" says where one works, "Twelve
    years at Nestle, and my job there has ended" that one works there no more. A clause read alone keeps
    its reading: the sentence's may be about its other clause."""
    reading = readings.get(whole)
    if clause == whole or clause in readings or reading is None or reading.value is None:
        return readings
    return readings | {clause: reading} if value_in(clause, VALUE_KINDS[reading.attribute]) == reading.value else readings


def _read_property(sentence: str, readings: dict[str, Reading]) -> Statement:
    """What a cue reads in the sentence, else what its meaning says."""
    statement = read_property(sentence)
    return statement if statement.attribute is not None or sentence not in readings else _meant(sentence, readings)


def _meant(sentence: str, readings: dict[str, Reading]) -> Statement:
    """The property its meaning says the sentence sets (`PropertyReader`), as a statement."""
    reading = readings.get(sentence)
    return Statement(reading.attribute, reading.value, None) if reading is not None else Statement(None, None, None)


def _last_noun(text: str) -> str | None:
    words = [word for word in re.findall(r"[a-z]+", normalize(text).lower()) if word not in _FUNCTION_WORDS]
    return words[-1] if words else None
