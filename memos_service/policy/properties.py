"""Reading which property a sentence sets by what it means, for the sentences no cue of
`statements` reads.

Cues list ways of saying a thing, and chat keeps finding new ones ("I'm over in Rotterdam these
days"). Sentences that mean the same sit close together in the embedder's space whatever their
words, so this compares a sentence with examples of each property, and with examples of chat that
sounds like one and is not (a trip, a meal, a job interview): the class whose nearest examples are
nearest names the property, or says there is none.

The reading is trusted only where it is cheap to check: the sentence is about the speaker alone,
its property's examples are near enough and nearer than those of "none", and a property whose
values are names or numbers finds exactly one value of that shape in the sentence. A property whose
values are plain words ("dumplings") is read without a value: the manager then replaces the
property's memory with the new words, and a repeat is recognised by the known value in them.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from memos_service.embedding import Embedder
from memos_service.policy.changes import without_old_value
from memos_service.policy.english import (
    A_STAY,
    A_WORKPLACE_IN,
    EMAIL_SHAPE,
    PHONE_SHAPE,
    TURNED_DOWN,
    UPBRINGING,
    denied_or_ended,
    not_so_now,
    supposed,
)
from memos_service.policy.nearest import NearestExamples
from memos_service.policy.vocabulary import NOT_VALUES, WORK_MOVED, mentions_someone_else, of_the_speaker

# Written for this reader, in many styles and with many values, so no one value or wording decides.
EXAMPLES: dict[str, list[str]] = {
    "residence": [
        "I live in Montreal.", "We moved to Valencia last spring.", "My home is in Aberdeen now.",
        "I've been in Leipzig since January and I love the neighbourhood.", "Finally moved into our new place in Bergen.",
        "I'm based out of Winnipeg these days.", "Our new address is in Tampere.", "I'm a Galway resident now.",
        "We bought a house in Utrecht.", "I've made Cusco my home.", "I'm settled in Durban now.",
        "Just got the keys to my flat in Bilbao.", "These days I'm over in Canberra.",
        "Home for me is Halifax now.", "I rent a studio in Graz.", "Currently living just outside Nagoya.",
        "We relocated the family to Eindhoven.", "My postcode changed when I moved to Ljubljana.",
    ],
    "employer": [
        "I work at Medtronic.", "I joined Bosch as a tester.", "I'm employed by Heineken.", "I got hired at Pfizer.",
        "Started at Unilever on Monday.", "I'm now at Shopify in the payments team.", "My new employer is Lufthansa.",
        "I've been with Atlassian for two months.", "I took a position at Novartis.", "I'm part of the team at Stripe now.",
        "Siemens Energy offered me the job and I accepted.", "First month at Spotify done.",
        "I signed on with Maersk.", "My job is at Philips now.", "I'm a nurse at Kaiser Permanente.",
        "These days I work for Ikea in logistics.", "Ericsson brought me on as a designer.",
        "I'm on the sales team over at Zendesk.", "Job news: I'm at Canva now!", "Revolut has me on its payroll these days.",
        "Two weeks into the new job at Monzo and loving it.", "Airbnb made me an offer and I said yes.",
    ],
    "favorite food": [
        "My favorite food is gnocchi.", "Nothing beats a good goulash.", "I could live on empanadas.",
        "Dim sum is the best food there is.", "If I could eat one thing forever it would be risotto.",
        "I'm obsessed with shawarma, it's the best.", "Lately my favourite meal is bibimbap.",
        "Croissants are my weakness, I love them more than anything.", "Best dish ever? Tagine.",
        "My go-to comfort food is mac and cheese.", "Nothing makes me happier than a bowl of laksa.",
        "Pad thai is the food I love most.", "Top food for me: souvlaki.", "I'd choose tempura over any other food.",
    ],
    "phone number": [
        "My phone number is 555-0142.", "You can call me at 555-7781.", "My new mobile is 555-2290.",
        "Text me on 555-0417.", "My number changed to 555-8120.", "Reach me on +44 20 7946 0301.",
        "Best way to get me is 555-6604.", "Here's my cell: (555) 318-2290.", "I got a new number, 555-9087.",
        "Ring me on 555-4410 any time.",
    ],
    "email": [
        "My email is mika@example.org.", "You can email me at j.ortiz@example.com.",
        "My new address for mail is sana.k@example.net.", "Write to me at lee@example.io.",
    ],
    # Chat that sounds like a property and sets none.
    "none": [
        "I'm flying to Athens for a wedding.", "We spent the weekend in Bruges.", "I visited Seoul in April.",
        "I'm going to Nice for a conference.", "I had a layover in Doha.", "I stayed with friends in Tallinn.",
        "I had ramen for dinner.", "We tried a new Ethiopian place tonight.", "I cooked curry for everyone.",
        "I'm learning to make bread.", "I didn't like the paella at all.", "I ate too many cookies.",
        "I applied for a job at Oracle.", "I have an interview with Dropbox on Friday.", "I had a call with Intel today.",
        "I'm working on a new song.", "I worked late again.", "I'm volunteering at the shelter.",
        "I called the dentist about my appointment.", "I lost my phone on the bus.", "I dialed the wrong number.",
        "I went running by the river.", "I love watching football.", "I'm reading a book about Vienna.",
        "The weather in Oslo is awful today.", "I'm tired after the gym.", "I bought new headphones.",
        "I met a client from Accenture for lunch.", "My train to Hamburg was delayed.",
        "I watched a movie set in Cairo.", "I'm saving up for a trip to Chile.", "I miss the food back home.",
        "We had the best pizza of the whole trip in Naples.", "I ran a half marathon in Lyon.",
        "We celebrated my birthday at a bar in Soho.", "I love hiking on weekends.",
        # Where one is right now, not where one lives or works.
        "I'm at the airport right now.", "I'm at Costco picking up a few things.", "I'm at Gatwick, about to board.",
        "I'm at the gym, call you later.", "Spent the morning at the Mayo Clinic for some scans.",
        "I'm at Walgreens picking up my prescription.",
        # Companies one buys from or pays with, not works for.
        "I ordered a phone case on Amazon.", "I pay for everything with PayPal.", "I bought a bike on eBay.",
        "I booked the tickets through Expedia.",
        # Providers one switches, not employers.
        "I switched my bank to Monzo.", "We changed our phone plan to Verizon.", "I moved my savings over to Vanguard.",
    ],
}
VALUE_KINDS = {"residence": "name", "employer": "name", "phone number": "phone", "email": "email",
               "favorite food": "words"}

_NAME_WORD = r"(?-i:[A-Z](?:[\w&.'-]*\w)?)"
_NAME = re.compile(rf"{_NAME_WORD}(?: (?:of |de |&)?{_NAME_WORD})*")
# Greeted or bid farewell to: "Hey Jon", "Bye Vancouver".
_GREETING = re.compile(r"(?:hey|hi|hello|thanks|thank you|dear|bye|goodbye|so long|farewell)\s*$", re.IGNORECASE)
# Capitalised words that are times, the speaker, a greeting or a role ("I report to the CTO at Wise"):
# never a place or a company.
_NOT_NAMES = NOT_VALUES | set("I'm I've OK Ok Hi Hey Hello Thanks Guess".split()) | set(
    "CEO CTO CFO COO CIO CMO CPO VP SVP EVP HR IT PM QA".split()) | {
    f"{day}days" for day in ("Mon", "Tues", "Wednes", "Thurs", "Fri", "Satur", "Sun")}
# Going somewhere for a while is not living there, nor is where one was born or went to school; applying for a job,
# seeing a doctor or a client there is not having it; "So long Leeds, hello Ghent!" bids one farewell and greets
# another, and which is which the embedder does not hear.
_NOT_A_SETTING = re.compile(
    rf"\b(?:{A_STAY}|appl(?:y|ied|ying)|"
    r"interview\w*|appointments?|check-?ups?|so long|goodbye|farewell|not|never|no longer|clients?|"
    r"(?:after|since) (?:leaving|quitting)|"
    rf"{UPBRINGING}|{A_WORKPLACE_IN}|studied|{WORK_MOVED}|{TURNED_DOWN})\b|"
    # A stretch of the past that ended: "We were in Sevilla for years" (but "we live in Malaga now").
    r"^(?:I|we) (?:were|was|lived) (?:\w+ )?in\b.*\bfor (?:\w+ ){0,2}(?:years|months|decades|time|while)\b|"
    # A place or company liked, not lived in or worked for: "I love Valencia, the beaches are amazing".
    r"^(?:I|we) (?:really |just |absolutely )?(?:love|adore|like|hate|miss|enjoy) (?-i:[A-Z])"
    r"(?!.*\b(?:moved|move|live|lives|living|home|settled|relocated|work|works|working|joined|hired)\b)|"
    # "After ten years in Berlin, ...": a stretch of the past, before what the sentence goes on to say.
    r"^after (?:\w+ ){0,2}(?:years|months|decades|a year|a decade) (?:in|at)\b", re.IGNORECASE)
# When a move happened, which is no stay: "we moved over the holidays".
_MOVED_WHEN = re.compile(r"\b(moved|relocated)(?: house)? (?:over|during|in|after) the (?:\w+ )?holidays\b", re.IGNORECASE)
# Words after "the Hague" that begin no noun it names: "moved to the Hague last year".
_NOT_A_NOUN = r"(?:last|this|next|in|on|at|since|for|and|with|now|a|an|the|because|after|before|when|where|so|but|too|again)"
# A number or address is the speaker's own when the sentence says so: "I called the office at 555-0100" gives the office's.
_OWN_CONTACT = re.compile(r"\b(?:me|my|mine)\b|\bI am (?:now )?(?:(?:\w+ )?reachable )?(?:on|at)\b|"
                          r"\b(?:new|changed|switched|updated?) (?:\w+ )?"
                          r"(?:numbers?|phones?|cells?|mobiles?|e-?mails?|address)\b(?! (?:for|of) (?!me\b))",
                          re.IGNORECASE)

# A favourite is one thing put above the others, not any thing liked ("I love coconut milk").
_PREFERENCE = re.compile(r"\b(?:favou?rite|best|most|number one|beats?|go-to|above all|over any(?:thing)?|wins|forever|only eat|"
                         r"my jam|comfort food|(?:can ?not|could not) live without|comes close|"
                         r"(?:can ?not|never) get enough|could eat|top (?:comfort )?(?:food|dish|meal)|"
                         r"more than anything|nothing (?:\w+ ){0,3}better|nothing (?:\w+ )?tops|"
                         r"compares|tops? (?:of |on )?(?:my|the)(?: \w+)? list|my top (?:pick|choice))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    attribute: str
    value: str | None
    similarity: float


def _addressed(sentence: str, name: re.Match[str]) -> bool:
    """A name the speaker talks to: "Hey Jon, ...", "..., Jon"."""
    before, after = sentence[:name.start()].rstrip(), sentence[name.end():].strip()
    return bool(_GREETING.search(before)) or (before.endswith(",") and after in ("", ",", "!", "."))


# Words that begin a sentence and are no part of a name after them: "Not Leeds anymore", "In Lisbon now".
_STARTERS = set("""My Our Not No Bye Goodbye So Now Then Also Well Yes Yep Yeah Sadly Finally Oh And But Just Forget Still Even
Only From In At To With For After Before Since Until""".split())


def _names(sentence: str) -> list[re.Match[str]]:
    """Capitalised spans that may be names: not the first word (capitalised whatever it is), nor a
    name the speaker talks to."""
    found = list(_NAME.finditer(sentence))
    if found and found[0].start() == 0 and (first := found[0].group(0).split(" ")[0]) in _STARTERS:
        found[0] = _NAME.match(sentence, len(first) + 1) if " " in found[0].group(0) else found[0]
    return [match for match in found if match and match.start() > 0 and match.group(0) not in _NOT_NAMES
            and not _addressed(sentence, match)]


def _values_in(sentence: str, kind: str) -> list[str]:
    if kind == "phone":
        return PHONE_SHAPE.findall(sentence)
    if kind == "email":
        return EMAIL_SHAPE.findall(sentence)
    if kind == "name":
        return [re.sub(r"-based$", "", match.group(0)) for match in _names(sentence)]  # "Lisbon-based"
    return []


def value_in(sentence: str, kind: str) -> str | None:
    """The one value of this kind the sentence holds (of a change said with both, "I traded Lagos for
    Accra", the new one), or None when it holds none or several."""
    found = set(_values_in(sentence, kind))
    if len(found) > 1:
        found &= set(_values_in(without_old_value(sentence), kind))
    return found.pop() if len(found) == 1 else None


class PropertyReader:
    def __init__(self, embedder: Embedder, min_similarity: float = 0.3):
        self.min_similarity = min_similarity
        self.examples = NearestExamples(embedder, EXAMPLES)

    def read(self, sentences: Sequence[str]) -> list[Reading | None]:
        """One reading per sentence, in one batch: what property of the speaker it sets, if any."""
        return [self._reading(sentence, *nearest) if nearest else None
                for sentence, nearest in zip(sentences, self.examples.nearest_of(sentences, self._may_set_property),
                                             strict=True)]

    def _reading(self, sentence: str, attribute: str, similarity: float) -> Reading | None:
        if attribute == "none" or similarity < self.min_similarity:
            return None
        kind = VALUE_KINDS[attribute]
        if (kind == "name" and supposed(sentence)) or (kind in ("phone", "email") and not _OWN_CONTACT.search(sentence)):
            return None
        value = value_in(sentence, kind)
        if kind == "name" and value and not_so_now(sentence, value):
            return None  # "I lived in Cologne as a student", "We're moving to Aalborg next year, probably"
        if attribute == "residence" and value and re.search(rf"\bat (?:the )?{re.escape(value)}\b", sentence):
            return None  # "I've been at Klarna for two weeks": one is at a workplace or a venue, and lives in a town
        if attribute == "residence" and value and re.search(rf"\bthe {re.escape(value)} (?!{_NOT_A_NOUN}\b)[a-z]", sentence):
            return None  # "I love the Marseille football club": a town's name on something else
        if attribute == "employer" and value and re.search(rf"\b{re.escape(value)} (?:branch|office|campus|site)\b", sentence):
            return None  # "transferred to the Aarhus branch": where the employer is, not who
        if value is None and (kind != "words" or not _PREFERENCE.search(sentence)):
            # A name or number property with no single such value: nothing safe to store. A
            # favourite is said with a word of preference ("I'm learning to cook Thai food" is none).
            return None
        return Reading(attribute, value, similarity)

    @staticmethod
    def _may_set_property(sentence: str) -> bool:
        # What ends is for the retraction reader: "Finished my last shift at Globex" sets no employer.
        # A change says what ends of the old value only: "Quit Uber, now I'm at Lyft" sets the new one.
        now = without_old_value(sentence)
        return of_the_speaker(sentence) and not (mentions_someone_else(sentence)
                                                 or _NOT_A_SETTING.search(_MOVED_WHEN.sub(r"\1", sentence))
                                                 or denied_or_ended(now) or sentence.rstrip().endswith("?"))
