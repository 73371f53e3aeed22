"""Reading by meaning that a sentence takes a property back, for the sentences no retraction cue
of `statements` reads.

People end jobs, leave towns and withdraw what they told in more ways than cues list ("my time at
Ubisoft is over", "please throw away my number"). The embedder hears what a sentence is about far
better than which way it points: "I moved to Lisbon" sits as near examples of leaving a town as of
moving to one. So the two are read apart. Which property a sentence is about is its nearest class
of examples: each property said either way (set, and taken back), and chat about none ("I left my
umbrella at work", "I quit sugar"). Which way it points is read from words: a sentence is taken as a
retraction only if it also says that something ends, stops or goes ("left", "no longer", "resigned",
"delete", "stop keeping"), anywhere and in any construction, which is what the cues cannot do.

A deletion is the costliest misreading, so the reading is trusted only where it is cheap to check:
the nearest class is a property, its examples are near enough, the sentence says something
ends, it names no one else, it is a statement or a request to the assistant, never a question about
something, and it names a value of the property's kind (a town, a company) or the property by its
words ("forget where I work"). A value named is what is taken back; without one, the manager takes
back the property's memory whatever its value.
"""

import re
from collections.abc import Sequence

from memos_service.embedding import Embedder
from memos_service.policy.changes import without_old_value
from memos_service.policy.english import away_for_a_while, says_something_ends
from memos_service.policy.nearest import NearestExamples
from memos_service.policy.properties import EXAMPLES as PROPERTY_EXAMPLES
from memos_service.policy.properties import VALUE_KINDS, Reading, value_in
from memos_service.policy.statements import edits_something
from memos_service.policy.vocabulary import mentions_someone_else, of_the_speaker

# Written for this reader, in many styles and with many values; none is a bench pool's.
TAKEN_BACK: dict[str, list[str]] = {
    "employer": [
        "My contract with Deutsche Bahn ended and I didn't renew it.", "I left my position at Roche.",
        "Vodafone made my role redundant.", "I resigned from Danone last month.", "I got fired from Tesco.",
        "That job at Airbus is over for me.", "I retired from Bayer in the spring.", "I'm a former Adidas employee now.",
        "My time at Ubisoft is over.", "I moved on from Rolls-Royce.", "I'm out of a job, Canon let me go.",
        "Please forget where I work.", "Delete my employer from your notes.", "I'd rather you not remember my company.",
        "I stopped working for Heineken.", "I cut ties with Oracle and I'm job hunting.", "Capgemini is in my past now.",
        "Friday was my final day at Henkel.", "I worked my last shift at Primark yesterday.",
        "Bosch let me go after six years.", "I was let go from Allianz in the spring cuts.",
        "Zalando laid us off in January.", "HSBC cut my position, so I'm out.",
    ],
    "residence": [
        "I moved away from Porto last year.", "I left Antwerp and I'm not going back.",
        "My lease in Malmo ended and I moved out.", "Please forget my address.", "Don't keep my home address.",
        "I gave up my flat in Brno.", "Forget where I live.", "We sold our house in Lucerne and left town.",
        "I no longer have a place in Turin.", "I said goodbye to Leeds for good.", "Hamburg is in the past for us.",
    ],
    "phone number": [
        "Please stop keeping my mobile number.", "Remove my cell from your records.", "I don't want my number stored.",
        "Erase the number I shared.", "Please discard my phone number.", "Don't hold on to my contact number.",
        "Can you throw away my phone number?", "My phone number shouldn't be kept, please delete it.",
        "Wipe my number.", "I'd like my cell number removed.",
    ],
    "email": [
        "Forget my email address.", "Delete my email from your memory.", "Please stop storing my e-mail.",
        "Don't keep my email on file.",
    ],
}
# Chat that sounds like undoing something and takes no property back.
NOT_TAKEN_BACK = [
    "I deleted some old photos from my phone.", "I forgot my phone at home today.", "Remind me to renew my passport.",
    "I left my umbrella at the office.", "I left work early to pick up the kids.", "I quit sugar for a month.",
    "I stopped going to the gym.", "I'm leaving for Madrid tomorrow.", "I'm done with my exams finally.",
    "I finished the report at work.", "I lost my keys again.", "I moved the couch to the other room.",
    "I dropped my phone and cracked the screen.", "Remove the onions from that recipe, please.",
    "Forget about the movie, let's pick another one.", "I changed my password today.", "I took the day off work.",
    "I'm on vacation from work this week.", "I cleared out my inbox.", "Ignore my last message, it was a typo.",
    "I got rid of my old sofa.", "Never mind, I found it.", "I missed my train to Ghent.",
    "I cancelled my gym membership.", "Please remember my number.", "I'll send you my new address later.",
    "Don't forget that I work on Saturdays.", "I turned down the offer from Intel.",
    "My phone died in the middle of the call.", "We checked out of the hotel in Rome.",
    "My manager let me go home early today.", "Today is the last day of our trip to Crete.",
    "It was my last day of school before the holidays.",
]
# The speaker's own memory failing: "I don't remember my old address" asks nothing to be forgotten.
_OWN_MEMORY = re.compile(r"\bI (?:do not|did not|cannot|can not|could not|never) (?:remember|recall)\b|\bI (?:forgot|forget)\b",
                         re.IGNORECASE)
# A number or address of something else: "The old number for the clinic doesn't work anymore".
_SOMEONE_ELSES_DETAIL = re.compile(r"\b(?:number|phone|cell|mobile|e-?mail|address)(?: address)? (?:for|of) (?!(?:me|us|mine)\b)",
                                   re.IGNORECASE)
# An earlier value of a property: "my old number", "our previous flat", "where I used to live".
_AN_OLD_ONE = re.compile(r"\b(?:my|our|the|that) (?:old|previous|former|last) (?:\w+ )?"
                         r"(?:number|phone|cell|mobile|e-?mail|address|flat|apartment|house|place|home|job|employer|company|"
                         r"workplace)\b|\b(?:I|we) used to\b", re.IGNORECASE)
# A search or a wait that ended in good news: "The job hunt is over, Glovo said yes!"
_WAIT_OVER = re.compile(r"\b(?:job )?(?:hunt|search|wait|waiting|interviews?|application process|probation)(?: period)? "
                        r"(?:is|are) (?:finally )?over\b", re.IGNORECASE)
# A request to the assistant may be asked ("Could you drop my email?"); any other question takes nothing back.
_REQUEST = re.compile(r"^(?:(?:please|so|ok|okay|and|also|oh|hey),? )*(?:can|could|would|will) you\b", re.IGNORECASE)

# The property's own words: what a retraction naming no value must say it is about ("forget where I work").
_NAMED = {attribute: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for attribute, words in {
    "employer": "job|jobs|work|employer|company|position|role|workplace",
    "residence": "address|live|home|flat|apartment|house|city|town",
    "phone number": "number|phone|mobile|cell", "email": "e-?mail"}.items()}


def _examples() -> dict[str, list[str]]:
    """What each property is about, said either way (the words decide which way), and chat about neither."""
    return ({attribute: TAKEN_BACK[attribute] + PROPERTY_EXAMPLES.get(attribute, []) for attribute in TAKEN_BACK}
            | {"none": NOT_TAKEN_BACK + PROPERTY_EXAMPLES["none"]})


class RetractionReader:
    def __init__(self, embedder: Embedder, min_similarity: float = 0.3):
        self.min_similarity = min_similarity
        self.examples = NearestExamples(embedder, _examples())

    def read(self, sentences: Sequence[str]) -> list[Reading | None]:
        """One reading per sentence, in one batch: the property of the speaker it takes back, if any."""
        return [self._reading(sentence, *nearest) if nearest else None
                for sentence, nearest in zip(sentences, self.examples.nearest_of(sentences, self._may_take_back),
                                             strict=True)]

    def _reading(self, sentence: str, attribute: str, similarity: float) -> Reading | None:
        if attribute == "none" or similarity < self.min_similarity:
            return None
        value = value_in(sentence, VALUE_KINDS[attribute])
        if value is None and not _NAMED[attribute].search(sentence):
            return None  # neither a value nor the property's words: too vague to delete anything
        if value is None and _AN_OLD_ONE.search(sentence):
            return None  # "I ditched my old number": an earlier value, maybe replaced since, not the one known now
        return Reading(attribute, value, similarity)

    @staticmethod
    def _may_take_back(sentence: str) -> bool:
        asked = sentence.rstrip().endswith("?")
        # A change said with both values ("Quit Uber, now I'm at Lyft") sets the new one, which retires the old.
        changes = without_old_value(sentence) != sentence
        # "Everything is closed in Lyon today" ends nothing of the speaker's.
        return says_something_ends(sentence) and of_the_speaker(sentence) and not (
            changes or mentions_someone_else(sentence) or away_for_a_while(sentence) or (asked and not _REQUEST.match(sentence))
            or _OWN_MEMORY.search(sentence) or edits_something(sentence) or _SOMEONE_ELSES_DETAIL.search(sentence)
            or _WAIT_OVER.search(sentence))
