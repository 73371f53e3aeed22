"""The second reading of a sentence no cue of `statements` matched: a property's vocabulary next to
a value where that property's values stand.

Cues list ways of saying a thing, and chat keeps finding more ("Officially a Lyon local now", "My
boss at Globex is great so far"). The words a property is talked about with are a shorter list than
its phrasings, so this reads phrasings no cue was written for. It reads only what it can place with
little risk: values that are names (capitalised) or have a phone number's shape, standing right by
the property's words, in sentences plainly about the speaker (no one else in them, no trip).
"""

import re

from memos_service.policy.english import (
    A_STAY,
    A_WORKPLACE_IN,
    FAMILY_WORDS,
    PEOPLE_WORDS,
    PHONE_SHAPE,
    TURNED_DOWN,
    UPBRINGING,
    contact_now,
    denied_or_ended,
    not_so_now,
    of_an_old_one,
    supposed,
)

_NAME_WORD = r"(?-i:[A-Z][\w&.'-]*)"
# "I" after a name starts a clause: "since I moved to Lisbon I've been cycling".
_VALUE = rf"(?P<value>{_NAME_WORD}(?: (?!I\b)(?:{_NAME_WORD}|&))*)"
# Capitalised words that are times or pronouns, never a place or a company ("We hired ..." names no employer).
NOT_VALUES = set("""I We You He She It They This That Not No Nope Yes Yeah Yep January February March April May June July
August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter""".split())

_WORKPLACE = r"(?:our|my|the) (?:office|company|team|business|headquarters|meeting|department|startup)"
# "We moved our office to Leeds", "Our team moved from Slack to Teams": the work moved, not the home.
WORK_MOVED = (rf"(?:moved|moving|relocated|relocating|switched|switching) {_WORKPLACE}|"
              rf"{_WORKPLACE} (?:has |have |just |finally )*(?:moved|relocated|switched)")
_HOME = (r"live|lives|lived|living|move|moves|moved|moving|relocate|relocated|relocating|settle|settled|settling|home|"
         r"unpacked|unpacking|"
         r"house|apartment|flat|condo|address|neighbou?rhood|lease|rent|rents|rented|renting|based")
_WORK = (r"work|works|worked|working|job|hired|employed|employer|boss|colleagues?|co-?workers?|manager|onboarding|position|"
         r"role|team|offer|contract|internship|career|office|staff|shift|clocking|clock")
_FIELDS: list[tuple[str, list[re.Pattern[str]], re.Pattern[str]]] = [
    ("residence",
     [re.compile(rf"\b(?:{_HOME})\b(?: \w+){{0,3}} (?:in|to|into|near) (?:the city of )?{_VALUE}", re.I),
      re.compile(rf"\ban? (?:proud |new )?{_VALUE} (?:local|resident|homeowner)\b", re.I),
      re.compile(rf"\ba (?:proud |new |permanent )?resident of {_VALUE}", re.I)],
     # Somewhere one goes for a while is not where one lives.
     re.compile(rf"\b(?:{UPBRINGING}|{A_WORKPLACE_IN}|{WORK_MOVED}|"
                rf"{A_STAY}|went|go|goes|going|fly|tour|touring|travel\w*|weekend|stay over)\b", re.I)),
    ("employer",
     [re.compile(rf"\b(?:{_WORK})\b(?: \w+){{0,2}} (?:at|for|with|by) {_VALUE}", re.I),
      re.compile(rf"\b(?:offer|contract) from {_VALUE}", re.I),
      # "I am a software engineer at Globex", "I am now a teacher at Hooli"; not "a student at Leeds".
      re.compile(rf"\bI am (?:now |currently |officially )?an? (?!(?:[a-z-]+ )?(?:student|pupil|regular|member|patient|"
                 rf"customer|client|guest|visitor|fan)\b)(?:[a-z-]+ ){{1,3}}at {_VALUE}"),
      # After a lead-in too: "Guess what, Critical Software hired me!"
      re.compile(rf"^(?:[\w' ]{{1,25}}[,:!] )?{_VALUE} (?:just |recently |finally )?(?:hired|has hired|took me on|"
                 rf"brought me on|offered me)\b")],
     # Working on something or out at the gym, a day's work finished, volunteering, an interview or an application at
     # the company, an offer turned down: no employer in it.
     re.compile(r"\b(?:work|works|worked|working) (?:on|out|through|from home)\b|\bvolunteer\w*|"
                r"\bfinish(?:es|ed|ing)? (?:my |the )?(?:work|job|shift)\b|"
                r"\b(?:interview\w*|appl(?:y|ies|ied|ying|ications?)) (?:\w+ )?(?:at|with|to)\b|"
                rf"\b(?:{TURNED_DOWN})\b", re.I)),
]
# "new number" is the speaker's unless it is something else's ("the new number for the pizza place").
_OWN_NUMBER = re.compile(r"\b(?:my|new|updated?) (?:\w+ )?(?:phone|number|cell|mobile|contact)\b(?! (?:for|of) (?!me\b))|"
                         r"\b(?:reach|call|text|ring|contact|message) me\b|\bI am (?:\w+ )?reachable\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|we|us|our)\b", re.I)
# What the speaker tells of themselves, named by its words where no first person is: "Home is Lyon now".
_OWN_THINGS = re.compile(r"\b(?:number|phone|cell|mobile|e-?mail|home|address|job|work|employer|favou?rite|best|food|dish|"
                         r"meal)\b", re.I)
_THIRD_PERSON = re.compile(r"\b(?:he|she|him|his|her|hers|they|them|their)\b|"
                           r"\b(?!(?:here|let|it|that|there|what|who|where|how)'s)\w+'s\b", re.I)  # "the restaurant's number"
_VERB_AFTER_NAME = re.compile(r"^(?!(?:Everything|Everyone|Everybody|Nothing|It|This|That|There|Here|All)\b)"
                              r"[A-Z]\w* (?:\w+ed|\w+s|was|is|has|got|went|left|took|made)\b")


_WORK_TALK = re.compile(rf"\b(?:{_WORK}|jobs|company|companies|let me go|laid (?:me )?off|quit|fired|resigned)\b", re.I)


def talks_about_work(text: str) -> bool:
    """"Changed companies", "Wise let me go": words about work, in which being at a company is working there."""
    return bool(_WORK_TALK.search(text))


# A boss or colleague of before is someone else: "my old boss from Andela" says nowhere the speaker works, or worked;
# so is the speaker's family, named as theirs ("my family is in Tartu"), not as the household ("our family lives in Oslo").
_NOT_THE_SPEAKER = re.compile(r"\b(?:old|former|ex-?|previous) (?:boss|manager|colleague|co-?worker|teammate|supervisor)s?\b|"
                               rf"\bmy (?:\w+ )?(?:{'|'.join(sorted(FAMILY_WORDS))})\b", re.I)
# The properties' own words: "my boss at Globex" says where the speaker works.
_FIELD_WORDS = frozenset(re.findall(r"[a-z]+", f"{_HOME}|{_WORK}"))


def mentions_someone_else(sentence: str, own_words: frozenset[str] = _FIELD_WORDS) -> bool:
    """Another person in the sentence ("my dad used to work at IBM"), unless named by one of `own_words`
    ("my boss at Globex" says where the speaker works)."""
    if _NOT_THE_SPEAKER.search(sentence):
        return True
    words = set(re.findall(r"[a-z]+", sentence.lower())) - own_words
    singular = {word[:-1] for word in words if word.endswith("s")}  # "our neighbours"
    return bool((words | singular) & PEOPLE_WORDS or _THIRD_PERSON.search(sentence))


def of_the_speaker(sentence: str) -> bool:
    """Said of the speaker: "Everything is closed in Lyon today" is of no one."""
    return bool(_FIRST_PERSON.search(sentence) or _OWN_THINGS.search(sentence))


def about_someone_else(sentence: str, own_words: frozenset[str] = _FIELD_WORDS) -> bool:
    """Another person in the sentence, or no "I" and a name that does something ("Sarah moved to Boston")."""
    if mentions_someone_else(sentence, own_words):
        return True
    return not _FIRST_PERSON.search(sentence) and bool(_VERB_AFTER_NAME.match(sentence))


def read_by_vocabulary(sentence: str) -> tuple[str, str] | None:
    """(attribute, value) when the sentence uses one property's words right by one value of it."""
    if ((number := contact_now(PHONE_SHAPE, sentence)) and _OWN_NUMBER.search(sentence)
            and not about_someone_else(sentence, frozenset()) and not of_an_old_one(sentence, number.group(0))):
        return "phone number", number.group(0)
    if about_someone_else(sentence) or denied_or_ended(sentence) or supposed(sentence):
        return None  # "My job at Globex ended", "Maybe we'll move to Porto": the words by a value, and no property set
    readings = set()
    for attribute, patterns, unless in _FIELDS:
        if unless.search(sentence):
            continue
        for pattern in patterns:
            for match in pattern.finditer(sentence):
                value = re.sub(r"(?: &)+$|-based$", "", match["value"])  # "Lisbon-based"
                if value not in NOT_VALUES and not not_so_now(sentence, value):
                    readings.add((attribute, value))
    # Two properties or two values ("moved to Oslo for a job at Globex"): no safe single reading.
    return readings.pop() if len(readings) == 1 else None
