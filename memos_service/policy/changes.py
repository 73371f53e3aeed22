"""A change said with both values, the old beside the new: "I switched from Asana to Notion", "No more
Brussels for me, I'm in Lille now", "I live in Kyoto now instead of Osaka".

Read as it stands, such a sentence names two values of one property, and a reader keeps none (which
of two towns is home?) or the old one. Said without the old value ("I switched to Notion") it states
what is so now, which the cues and the readers read; the manager's update keeps the old value in the
memory's history, and the turn as said keeps both.
"""

import re
from collections.abc import Callable

from memos_service.policy.english import EMAIL_SHAPE, NAME, PHONE_SHAPE

# A name, a number, an address, or one plain word ("Forget pizza, ..."), never a pronoun ("Forget it, ...", "used to be my").
_PRONOUN = r"(?:it|that|this|them|me|you|him|her|us|my|our|your)"
_VALUE = rf"(?:{PHONE_SHAPE.pattern}|{EMAIL_SHAPE.pattern}|{NAME}|(?!{_PRONOUN}\b)[a-z]+)"

# What a number or address to use now is said with, after the old one: "..., use 555-4040", "..., the new one is ...".
_THE_NEW_ONE = r"(?:it is|now it is|it is now|the new one is|my new one is|(?:please )?(?:use|try|call|text|reach me (?:at|on)))"

# What is said of the old value, and what stands in its place once it is left out.
_OLD_VALUE_SPANS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # The way from the old to the new: "from Asana to Notion", "out of Leeds and into a flat in York", "out of my
    # old flat and into a house in Ghent".
    (re.compile(rf"\b(?:from|out of) (?:{_VALUE}|(?:my|our|the) (?:old |previous )?(?:flat|apartment|house|place|home)"
                rf"(?: (?:in|at) {NAME})?) "
                rf"(?:and )?(?=(?:in)?to\b)", re.I), ""),
    # Out of a place, then where one is: "We finally moved out of the city, we're in Sintra now".
    (re.compile(rf"\b(?P<moved>moved|got) out of (?:the (?:city|town|country|suburbs)|{NAME}|(?:my|our|the) (?:old )?"
                rf"(?:flat|apartment|house|place|home))[,;] (?:and )?(?:now )?(?:we are|I am) (?:now )?in (?=(?-i:[A-Z]))", re.I),
     r"\g<moved> to "),
    # At a company after leaving one is working there: "Quit Uber, now I'm at Lyft".
    (re.compile(rf"^(?:I (?:just |finally |have )*)?(?:left|quit|ditched|moved on from) {NAME}[,;] (?:and |so )?(?:now )?"
                rf"(?:I am )?(?:now )?at (?=(?-i:[A-Z]))", re.I), "I work at "),
    # The way named after the change: "I switched jobs, Flipkart to Swiggy", "Changed jobs: Ford -> Rivian".
    (re.compile(rf"\b(?P<change>(?:switched|changed|moved) (?:jobs|companies|employers|cities|towns|countries|homes)|"
                rf"moved house)[,:;]? (?:from )?{NAME} (?:to|->|→) (?=(?-i:[A-Z]))", re.I), r"\g<change> to "),
    # Time at the old, then a move: "After two years at Rappi I moved to Mercado Libre" (at a company; one lives in a town).
    (re.compile(rf"^after (?:\w+ ){{1,3}}(?:years?|months?) (?:at|with) {NAME},? (?:I )?(?:have )?(?:finally |just )?"
                rf"(?:moved|switched|went|jumped|changed) (?:over )?to (?=(?-i:[A-Z]))", re.I), "I joined "),
    # Where one was, then where one is: "We were in Sevilla for years but we live in Malaga now".
    (re.compile(rf"^(?:I|we) (?:were|was|lived) in {NAME}(?: for (?:\w+ ){{0,2}}\w+)?,? (?:but|and) (?:now )?"
                rf"(?=(?:I|we)\b)", re.I), ""),
    # The old that did not last: "Ok so Glovo didn't work out, I'm back at Cabify".
    (re.compile(rf"^(?:(?:ok|okay|well|so),? )*{NAME} did not work out[,;]? (?:so |and )?(?:now )?", re.I), ""),
    # The old named first: "After Kigali we ended up in Kampala", "After Google, I joined Meta".
    (re.compile(rf"^after {NAME},? (?=(?-i:I|we|We)\b)", re.I), ""),
    # The old home sold for a new one: "We sold the house in Aarhus and bought one in Odense".
    (re.compile(rf"\b(?:sold|gave up|let go of) (?:my|our|the) (?:old )?(?:house|flat|apartment|place|home|condo) "
                rf"(?:in|at) {NAME},? (?:and |then )*(?=(?:bought|rented|found|got|moved)\b)", re.I), ""),
    # The old left behind: "Leaving Monterrey behind, we're in Queretaro now".
    (re.compile(rf"^(?:leaving|having left|I (?:have )?left|left) {NAME} behind[,;:] (?:and )?(?:now )?", re.I), ""),
    # The old left first: "I left Canva and joined Atlassian", "Left Natura in June and joined Ambev", "We left our
    # flat in Riga and moved to Tartu".
    (re.compile(rf"^(?P<who>(?:I|we) (?:just |finally |have )*)?(?:left|quit|ditched|moved out of|resigned from|"
                rf"stopped working (?:at|for)) "
                rf"(?:{NAME}|(?:my|our|the) (?:old |previous |last )?(?:flat|apartment|house|place|home)(?: (?:in|at) {NAME})?)"
                rf"(?: (?:in|on|last|this|back in|after|at the end of) (?:\w+ ){{0,2}}?\w+)?"
                rf"(?:,| and| so)+(?: then| now)? (?=(?P<again>(?:I|we)\b))?", re.I),
     lambda match: "" if match["again"] else match["who"] or ""),  # "We left Riga, now we live in Tartu"
    # The old put aside after the new: "Kyoto now instead of Osaka", "at Figma now, not Adobe", "York (not Leeds)".
    (re.compile(rf" \((?:not|instead of|rather than) {_VALUE}\)", re.I), ""),
    (re.compile(rf"(?:,? instead of|,? rather than|, not) {_VALUE}(?=$|[,.;!])", re.I), ""),
    # The old bid farewell to first: "No more Brussels for me, I'm in Lille now", "Forget pizza, bibimbap is my
    # favorite food now".
    (re.compile(rf"^(?:no more|forget|move over|enough (?:of|with)) {_VALUE}(?: for (?:me|us))?[,!.;:]+ (?:(?:and|now) )?",
                re.I), ""),
    # A denial of the old, then the new: "I no longer live in Munich, moved back to Vienna".
    (re.compile(rf"^(?:I )?(?:am |do )?(?:no longer|not) (?:\w+ )?(?:in|at|for|with) {NAME}(?: any ?more| now)?[,;] "
                rf"(?:and |so |but )?(?:now )?", re.I), ""),
    # The old denied, then the new: "I no longer live in Wroclaw but in Opole".
    (re.compile(rf"\b(?:no longer|not|do not) (?P<verb>live|work|stay|am based) (?P<at>in|at|for) {NAME},? but (?:now )?"
                rf"(?:(?:in|at|for) )?(?=(?-i:[A-Z]))", re.I), r"\g<verb> \g<at> "),
    # The old left, and what is so now: "I left Lisbon and now call Porto home", "I quit Globex and now work at Initech".
    (re.compile(rf"\b(?:left|moved out of|moved away from|quit) {NAME},? and (?:now )?(?=(?:call|live|am|work|rent)\b)", re.I),
     ""),
    # The old left for the new: "We left Munich for Graz" (the reader by meaning hears which property).
    (re.compile(rf"\b(?P<verb>left|quit) {NAME} for (?=(?-i:[A-Z]))", re.I), r"\g<verb> for "),
    # The old given up for the new: "I've traded Lagos for Accra", "I traded my job at Ford for one at Rivian".
    (re.compile(rf"\b(?:traded|swapped|exchanged) (?:my|our) (?P<what>job|position|flat|apartment|house|place|home) "
                rf"(?:at|in|with) {_VALUE} for (?:a new one|one|another(?: one)?)\b", re.I), r"got a \g<what>"),
    (re.compile(rf"\b(?P<verb>traded|swapped|exchanged) {_VALUE} for\b", re.I), r"\g<verb>"),
    # The old favourite, then the new: "Pho used to be my favourite, now it's ramen".
    (re.compile(rf"^{_VALUE} used to be my (?P<favourite>favou?rite(?: \w+)?),? (?:but |and )?(?:now )?it is (?:now )?", re.I),
     lambda match: f"my {match['favourite']} is now "),
    # What it used to be, and what it is: "Home used to be Cardiff, now it's Bristol".
    (re.compile(rf"\bused to be {_VALUE},? (?:but |and )?(?:now )?(?:it is )?(?:now )?", re.I), "is now "),
    # One in the other's place: "Tacos have replaced burgers as my favorite food", "Croquetas have overtaken paella as ...".
    (re.compile(rf"\b(?P<verb>has|have) (?:replaced|overtaken|taken over from|beaten|dethroned|displaced|surpassed) "
                rf"{_VALUE} as\b", re.I),
     lambda match: "is now" if match["verb"].lower() == "has" else "are now"),
    # A number or address dropped, and the one to use: "I got rid of 555-3030, use 555-4040 instead", "I don't use
    # lucia@posteo.es anymore, it's lucia.g@proton.me now",
    # "Don't use my old email kai@old.com, it's kai@new.com now".
    (re.compile(rf"^(?:I (?:have )?)?(?:got rid of|ditched|dropped|cancell?ed|lost|(?:do not|no longer) use) {_VALUE}"
                rf"(?: any ?more)?[,;:] (?:so )?{_THE_NEW_ONE} ", re.I), "reach me at "),
    # "Lost my SIM, new number is 0151 777 6666".
    (re.compile(r"^(?:I )?(?:have )?(?:lost|broke|dropped|changed|swapped|replaced) my (?:sim(?: card)?|phone|number)[,;:] "
                r"(?:and )?(?:my |the )?new (?:number|one) is ", re.I), "my new number is "),
    # "My email is dead, use sam@fastmail.com instead".
    (re.compile(rf"^my (?P<thing>e-?mail|number|phone|cell|mobile)(?: address| number)? (?:is|got) (?:dead|gone|disconnected|"
                rf"deactivated|closed|cut off|hacked)[,;:] {_THE_NEW_ONE} ", re.I),
     r"my new \g<thing> is "),
    # "My old number was 555-0101, the new one is 555-0202", "My old number 555-0101 is dead, call 555-0202".
    (re.compile(rf"^(?:(?:please )?(?:do not use|forget|ignore|scrap|stop using) )?my old "
                rf"(?P<thing>[a-z]+(?: (?!was|is)[a-z]+)?) (?:was |is )?{_VALUE}(?: is (?:dead|gone|over))?[,;:] "
                rf"{_THE_NEW_ONE} ", re.I),
     r"my new \g<thing> is "),
    # Where one lived or worked, then where one is: "I used to live in Sapporo, now I'm in Tokyo".
    (re.compile(rf"^(?P<who>I|we) used to (?P<verb>live|work) (?P<at>in|at|for) {NAME},? (?:but |and )?(?:now )?"
                rf"(?:I am|we are) (?:now )?(?:in|at|with) (?=(?-i:[A-Z]))", re.I), r"\g<who> \g<verb> \g<at> "),
    # A taste lost, and the new one: "I've gone off curry, it's sushi for me now".
    (re.compile(rf"^I (?:have )?(?:gone off|gone right off|got bored of|grown tired of) {_VALUE}[,;] (?:and )?"
                rf"(?:now |these days )?it is (?:now |all )?(?=.+\bfor me\b)", re.I), "my favourite food is "),
    # A liking that was: "I used to love pasta but now dumplings are my favourite".
    (re.compile(rf"^I used to (?:love|like|eat|adore|prefer) {_VALUE},? (?:but |and |though )*(?:now |these days )?", re.I), ""),
]


def without_old_value(sentence: str) -> str:
    """The sentence as a statement of the new value, where it says a change with both; else as it is."""
    for pattern, replacement in _OLD_VALUE_SPANS:
        changed = pattern.sub(replacement, sentence, count=1).strip(" ,")
        if changed != sentence and len(changed.split()) >= 2:
            return changed
    return sentence
