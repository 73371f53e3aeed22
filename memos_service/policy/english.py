"""Just enough English for the heuristic extractor: contractions, sentences, and turning what
a user says about themselves ("I moved to Berlin") into a fact about them ("Ana moved to Berlin")."""

import re

_CONTRACTIONS = [
    (r"\bi'm\b", "I am"), (r"\bi've\b", "I have"), (r"\bi'd\b", "I would"), (r"\bi'll\b", "I will"),
    (r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"), (r"\bain't\b", "am not"), (r"\bshan't\b", "shall not"),
    (r"\b(\w+)n't\b", r"\1 not"), (r"\b(it|that|there|what|he|she)'s\b", r"\1 is"), (r"\b(you|we|they)'re\b", r"\1 are"),
    (r"\b(you|we|they)'ve\b", r"\1 have"), (r"\b(you|we|they|he|she|it)'ll\b", r"\1 will"),
    (r"\b(you|we|they|he|she|it|that)'d\b", r"\1 would"), (r"\blet's\b", "let us"),
    (r"\b(\w+)'s where\b", r"\1 is where"),  # "Mombasa's where I live now"
    # A possessive is never followed by these: "My job's at Telefonica", "Home's in Leeds", "My number's now ...".
    (r"\b(\w+)'s (?=(?:at|in|with|for|now|still|based|currently|officially|not|no longer)\b)", r"\1 is "),
    (r"(?<![\w.'-])i(?= )", "I"),  # "i got a job at lego"
    # Chat drops the apostrophe where no word is lost by reading it back ("i dont live there", "im in Oslo").
    (r"\b(do|does|did|is|are|was|were|has|have|had|would|could|should)nt\b", r"\1 not"), (r"\bcant\b", "cannot"),
    (r"\bwont\b", "will not"), (r"\bim\b", "I am"), (r"\bive\b", "I have"),
    # A dropped g ("livin in Sopot") and chat's short words for time ("last wk").
    (r"\b(liv|work|mov|stay|rent)in'?(?= )", r"\1ing"), (r"\bwks?\b", "week"), (r"\bmths?\b", "month"),
    # Laughs, sighs and asides at the end say nothing: "not at Allegro anymore lol".
    (r"(?:[ ,]+(?:lol|haha+|hah|lmao|tbh|ugh|omg|fyi|btw))+(?=[.!?]*$)", ""),
    (r"(?<=\w) @ (?=\w)", " at "),  # "new job @ Spotify" (an address has no spaces around its @)
]
# A name as chat writes it: up to four capitalised words ("Umbrella Labs", "Rolls-Royce", "McDonald's").
NAME = r"(?-i:[A-Z][\w&.'-]*)(?: (?-i:[A-Z][\w&.'-]*)){0,3}"
# A few words said first: "Big news:", "Can't believe it,".
SHORT_LEAD_IN = r"(?:[\w' ]{1,25}[:,!-]+ )"
# What may stand before "and I" as one subject with it: "my wife and I", or a name alone ("Globex and I parted ways").
_JOINT_SUBJECT_START = re.compile(rf"(?:^|\s)(?i:my)(?: \w+)? \w+$|(?:^|[:,!] ){NAME}$")
# A full stop after an abbreviation ends no sentence: "Tel. 600 700 800", "Dr. Nowak" (but "No. I moved" is two).
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bTel\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)\s+|\n+", re.IGNORECASE)
# Clauses joined by a conjunction each state their own fact when each has its own "I" (or "we", "my ...":
# "... got a transfer so now we live in Antwerp").
# So do a dropped "I" ("Born in Accra, living in Kumasi"), what follows ("..., then I'm joining King"), what
# the household did ("I'm staying in Tartu for good, we sold the flat") and a
# consequence said of something of the speaker's ("I no longer eat meat, so burgers aren't my favourite").
_CLAUSE_JOIN = re.compile(r"\s*(?:;|,?\s+(?:and|but|so|plus|also)\s+(?=(?:(?:now|then) )?(?:I|my|My|we|We)\b)|,\s+(?=I\b)|"
                          r",\s+(?=(?:now |currently )?(?:living|working|based) (?:in|at|for) [A-Z])|"
                          r",\s+so\s+(?=[^,]*\bmy\b)|,\s+then\s+(?=I\b)|,\s+(?=now I\b)|"
                          # "..., we sold the old house", not "Forget the restaurant, we'll cook at home" (what to do instead).
                          r",\s+(?=we\b(?! (?:will|shall|should|could|can|might|would|must|need|have to)\b)))\s*")

ADVERBS = {"just", "really", "also", "still", "recently", "finally", "actually", "now", "currently", "usually",
           "always", "never", "totally", "absolutely", "definitely", "truly", "already", "even", "only", "mostly",
           "officially", "basically", "honestly", "literally", "sometimes", "often", "soon", "newly", "happily", "both",
           "kind", "sort", "of", "hereby", "no", "longer"}
_MODALS = {"will", "would", "can", "could", "should", "shall", "might", "must", "may", "did", "had", "was", "used",
           "cannot", "not", "to"}
_IRREGULAR = {"am": "is", "have": "has", "do": "does", "go": "goes", "be": "is", "are": "is"}
# And back, for the speaker: "is" -> "am", not "be" or "are".
_IRREGULAR_FIRST = {third: bare for bare, third in _IRREGULAR.items() if bare not in ("be", "are")}
# Past forms that take no third-person s ("I went" -> "Ana went").
_IRREGULAR_PAST = set("""went got had made took came saw bought sold left met ran began found gave knew thought told became
felt kept brought wrote sat stood lost paid heard spent built sent fell held won drove ate flew grew drew wore chose spoke
broke quit put set cut let hit hurt shut forgot taught caught fought slept swam sang rode woke understood did was were
dreamt learnt burnt spelt leapt knelt
been gone done seen taken given begun said meant""".split())
# The people someone talks about: "my sister lives in Rome" is not where the speaker lives.
PEOPLE_WORDS = set("""mom mum mother dad father parents parent sister brother sibling siblings cousin aunt uncle niece
nephew grandma grandpa grandmother grandfather wife husband partner spouse boyfriend girlfriend fiance fiancee son daughter
kid kids child children baby friend friends roommate flatmate housemate neighbor neighbour boss manager colleague coworker
teammate classmate""".split())
# One's family, said as a whole: "my family is in Tartu" (but "our family" is the speaker's household).
FAMILY_WORDS = frozenset({"family", "folks", "relatives", "in-laws"})
# A phone number as people write it: "555-0101", "+44 20 7946 0958", "(555) 123 4567".
PHONE_SHAPE = re.compile(r"\+?\d[\d ().-]{4,}\d")
EMAIL_SHAPE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_OBJECT_PRONOUNS = {"me": "{name}", "myself": "{name}", "mine": "{name}'s", "my": "{name}'s"}


def contact_now(shape: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The number (or address) of this shape the text gives: the first, or for a change "from A to B", B:
    "I switched from 555-1357 to 555-2468" gives the number one has now."""
    found = list(shape.finditer(text))
    if len(found) > 1 and re.search(r"\bto\b", text[found[-2].end():found[-1].start()], re.IGNORECASE):
        return found[-1]
    return found[0] if found else None


# "I used to work at Globex", "my dad used to live here": so once, no longer ("getting used to it" is not).
USED_TO = re.compile(r"\b(?P<holder>I|we|you|they|he|she|my(?: [a-z]+)? [a-z]+) used to (?P<verb>\w+)", re.IGNORECASE)
# Words for an end, of a job or of anything ("no more", "in the past"), which both lists below hold.
_ENDINGS = (r"no longer|no more|in the past|(?:is|are|was) history|former|ex-|quit(?:s|ting)?|fired|"
            r"laid (?:me |us )?off|let (?:me |us )?go|ended(?! up)|terminated|last (?:day|shift)|ran out|expired|jobless|"
            r"unemployed|out of work|between jobs|"
            r"(?:closed|shut) down|went (?:bust|under|bankrupt)|"
            r"out of (?:the|my|our) (?:\w+ )?(?:flat|apartment|house|place|home)")

# A number or address that was: "my old email", "my previous number".
_OLD_CONTACT = r"(?:my|the) (?:old|previous|former) (?:\w+ )?(?:number|phone|cell|mobile|e-?mail|address)"
# A home that was: "my old flat in Ghent had mould" says where the speaker lived, not where they live.
_OLD_HOME = r"(?:my|our|the) (?:old|previous|former|last) (?:\w+ )?(?:flat|apartment|house|place|home|neighbou?rhood|building)"

# Words that say something ends, stops or goes: the direction the embedder does not hear. Endings are
# spelled out, never a bare stem: "quit" must not find "Quito", nor "eras" "Erasmus".
_ENDS = re.compile(
    rf"\b(?:{_ENDINGS}|not\b.*\b(?:any ?more|any longer)|used to (?:work|live|be|have)|"
    r"left(?! (?:for|my|the|a|an|it|them|this|that|our)\b(?! (?:job|position|role|post|company|flat|apartment|house|home)\b))|"
    r"leav(?:e|es|ing)|resign(?:s|ed|ing|ation)?|retir(?:e|es|ed|ing|ement)|sacked|"
    r"dismissed|redundant|"
    r"step(?:ped|ping)? (?:down|away)|walk(?:ed|ing)? (?:out|away)|mov(?:e|ed|ing) (?:on|away|out)|"
    r"finish(?:ed|ing)? (?:up )?(?:at|with|there|my (?:job|work|contract|time))|"
    r"(?:am|is|are|was|were) (?:all )?(?:done|over|through)\b(?! (?:in|at|on|here|there|the)\b)|"
    rf"{_OLD_CONTACT}|closed(?! on\b)|disconnected|deactivated|cancell?ed|"
    r"parted|separate ways|cut ties|behind (?:me|us)|g[ai]ve up|sold|goodbye|out of a job|"
    r"(?<!not )(?<!never )forget|delet(?:e|es|ed|ing)|eras(?:e|es|ed|ing)|remov(?:e|es|ed|ing|al)|purg(?:e|es|ed|ing)|"
    r"wip(?:e|ed|ing)|clear|cleared|drop(?! (?:me|us|by|in|off)\b)|discard(?:s|ed|ing)?|scrap|"
    r"scratch|(?:get|got|getting) rid|(?:throw(?:s|n|ing)?|threw) (?:\w+ ){0,3}(?:away|out)|take (?:\w+ ){0,3}(?:out|off)|"
    r"(?:stop|do not|never|should not|rather (?:you )?(?:not|did not)|not want|no need to)\b.*"
    r"\b(?:keep(?:s|ing)?|kept|stor\w*|sav\w*|remember(?:s|ing)?|hold(?:s|ing)?|hang(?:s|ing)?|"
    r"track(?:s|ing)?|record(?:s|ing)?)|not want you to (?:have|know))\b", re.IGNORECASE)


def says_something_ends(sentence: str) -> bool:
    """Whether the sentence says that something ends, stops or goes ("I left Globex", "no longer",
    "please delete my number"): what a retraction read by meaning must say."""
    return bool(_ENDS.search(sentence))


# "I left Porto for the weekend": away for a while, which ends nothing.
# A length of time alone is no stay: "Valencia has been home for three weeks".
_FOR_A_WHILE = re.compile(r"\bfor (?:the|a|an|one|two|three|a few|a couple of|\d+) (?:\w+ )?(?:weekend|day|days|night|nights|"
                          r"holidays?|vacation|trip|break|conference|wedding)\b", re.IGNORECASE)


# Words of a stay somewhere one does not live: a trip, a holiday, a night at a hotel.
A_STAY = (r"visit\w*|spend|spends|spending|spent|on business|trips?|vacation|holidays?|flights?|flying|flew|conference|"
          r"honeymoon|hotel|hostel|airbnb|(?:house|pet|dog)-?sitting|couch-?surfing|back from")


# An offer or a place said no to: "I was offered a job at Wise but turned it down".
TURNED_DOWN = r"(?:turned|turn|turning) (?:\w+ )?down|declined|rejected|refused"
# Where one comes from, not where one lives: "I was born in Cork", "I grew up in Leeds", "I'm from Lyon".
UPBRINGING = r"born|grew up|raised|went to (?:school|college|university)|originally|(?:am|are|come|comes|hail|hails) from"
# A time of life that is over: "I lived in Cologne as a student", "I worked at a diner as a teenager".
A_PAST_STAGE = (rf"{UPBRINGING}|as an? (?:student|kid|child|teen|teenager|undergrad)|"
                r"in (?:my )?(?:student|college|uni|university|school) days|during my studies")
# A place where work is done, named by its town: "a teacher at a school in Bonn", "my commute to the office in Mannheim".
A_WORKPLACE_IN = (r"(?:office|school|hospital|factory|plant|branch|campus|store|shop|clinic|lab|warehouse|site|headquarters|hq|"
                  r"university|college|bakery|restaurant|firm|agency) in")


def away_for_a_while(sentence: str) -> bool:
    return bool(_FOR_A_WHILE.search(sentence))


# Narrower: a statement denied, or a job's end, which no reader of what a sentence sets may read as
# setting it. "Moved out of my old place and into a flat in Oslo" ends one home and sets another.
_DENIED = re.compile(rf"{USED_TO.pattern}|\b(?:{_ENDINGS}|{_OLD_CONTACT}|{_OLD_HOME}|not|never|any ?more|any longer|"
                     r"(?:is|was|are|were) over|resign(?:s|ed|ing)?|walk(?:ed|ing)? away|step(?:ped|ping)? down)\b",
                     re.IGNORECASE)


def denied_or_ended(sentence: str) -> bool:
    """"I'm not employed at Globex any longer", "My job at Globex ended": the words of a property by a
    value, and no property set."""
    return bool(_DENIED.search(sentence))


# A wish, a plan or a maybe: "Maybe we'll move to Porto someday", "I'd love to work at Pixar". Where one
# lives and works are what is so now; a favourite is said this way too ("if I had to pick one food, it'd be pho").
_SUPPOSED = re.compile(r"\b(?:maybe|perhaps|some ?day|one day|wish(?:es|ed|ing)?|hop(?:e|es|ed|ing) to|"
                       r"dream(?:s|ed|ing)? (?:of|about)|dreamt|dreamed|imagin(?:e|ed|ing)|(?:thinking|thought) (?:about|of)|"
                       r"consider(?:s|ed|ing)?|might|should|ought to|"
                       r"would (?:love|like|rather) to|"
                       r"(?:want|wants|wanted|plan|plans|planned|planning) to|wanna|if (?:I|we)|in the future|"
                       r"if (?:all|everything) goes (?:well|to plan)|fingers crossed|"
                       # "I'll be in Tokyo next month": a stay to come; "I almost took a job at ...", not "for almost a year".
                       r"will be in|(?:almost|nearly) "
                       r"(?!(?:an?|\d+|one|two|three|four|five|six|seven|eight|nine|ten|half)\b)\w+)\b",
                       re.IGNORECASE)


def supposed(sentence: str) -> bool:
    """Whether the sentence only wishes, plans or supposes something, rather than stating it."""
    return bool(_SUPPOSED.search(sentence))


# The parts of a sentence a word may be said of: "I got the job at Airbus, hopefully it goes well" hopes nothing of
# Airbus; "I grew up in Oslo and moved to Bergen" says nothing of a childhood in Bergen.
_PARTS = re.compile(r",|;| and | but | now | then ", re.IGNORECASE)
_MAYBE = re.compile(r"\b(?:probably|possibly|maybe|perhaps|hopefully)\b", re.IGNORECASE)
_PAST_STAGE = re.compile(rf"\b(?:{A_PAST_STAGE})\b", re.IGNORECASE)


def not_so_now(sentence: str, value: str) -> bool:
    """The value said of a time of life that is over ("I lived in Cologne as a student") or only supposed ("I'm
    probably moving to Aalborg next year"), in the part of the sentence that names it."""
    parts = _PARTS.split(sentence.rstrip(" .!?"))
    if _MAYBE.fullmatch(parts[-1].strip()):
        return True  # an afterthought of the whole sentence: "We're moving to Aalborg next year, probably"
    return _named_with(parts, value, _PAST_STAGE, _MAYBE)


_OLD_CONTACT_OR_HOME = re.compile(rf"\b(?:{_OLD_CONTACT}|{_OLD_HOME})\b", re.IGNORECASE)


def of_an_old_one(sentence: str, value: str) -> bool:
    """The value said of an old number or home, in the part of the sentence that names it ("My old number
    was 555-0101, I got rid of it"), not of the new one said beside it."""
    return _named_with(_PARTS.split(sentence), value, _OLD_CONTACT_OR_HOME)


def _named_with(parts: list[str], value: str, *words: re.Pattern[str]) -> bool:
    """Whether a part of the sentence that names the value also says one of these words."""
    return any(value in part and any(said.search(part) for said in words) for part in parts)


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    text = re.sub(r"\s+=\s+", ": ", text)  # "Fav food = bigos": a label
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """Sentences and independent first-person clauses, without their closing punctuation."""
    return [clause for clause, _ in clauses(text)]


def clauses(text: str) -> list[tuple[str, str]]:
    """Each sentence or independent first-person clause, with the whole sentence it is part of
    ("I'm at Globex now" says where one works when the sentence began "I switched jobs")."""
    parts: list[tuple[str, str]] = []
    # Lines are sentences of their own ("- Moved to Stavanger\n- Started at Aker").
    said = [_TAG_QUESTION.sub(r"\g<said>.", sentence) for line in text.splitlines()
            for sentence in _SENTENCE_END.split(normalize(line)) if sentence]
    for sentence in _with_it_named([_said_plainly(sentence) for sentence in _answered_questions(said)]):
        whole = sentence.strip(" \t-–—*•").rstrip(" .!;:")
        for clause in _CLAUSE_JOIN.split(sentence):
            clause = clause.strip(" \t-–—*•")
            joint = parts and parts[-1][1] == whole and f"{parts[-1][0]} and I " in sentence
            if joint and _JOINT_SUBJECT_START.search(parts[-1][0]) and clause.startswith("I "):
                parts[-1] = (f"{parts[-1][0]} and {clause}", whole)  # "my wife and I live ...": one subject, not two clauses
            elif clause:
                parts.extend((said, whole) for part in _then_dropped_i(clause) for said in _with_subject_shared(part))
    return parts


# "Got laid off from Meta, found a new gig at Notion": the speaker's next deed, its "I" dropped.
# It names what it is about ("moved here last month" says nothing new on its own).
_NEXT_DEED = re.compile(r",\s+(?:then |and )?(?=(?:found|got|started|joined|moved|landed|took|signed|accepted|bought|rented)\b"
                        r"[^,]*\b[A-Z])")


def _then_dropped_i(clause: str) -> list[str]:
    """A clause of the speaker's own ("I ...", or its "I" dropped) split where a next deed of theirs begins;
    another's ("My sister moved to Lyon, got a job at Airbus") stays whole, so the job stays hers."""
    if not (clause.startswith("I ") or implied_first_person(clause) != clause):
        return [clause]
    return [part for part in _NEXT_DEED.split(clause) if part]


# "I live in Lisbon and work at Globex": two statements of one subject, each with its own verb.
_SECOND_VERB = re.compile(r"^(?P<lead>(?:[\w' ]{1,25}: )?)"
                          r"(?P<subject>I|we|my(?: [a-z]+)? (?!(?:am|is|are|was|were|has|have|had)\b)[a-z]+) "
                          r"(?P<first>.+?),? and (?:also |now )?"
                          r"(?P<second>(?:work|works|live|lives|am|is|are)\b.+)$", re.IGNORECASE)


def _with_subject_shared(clause: str) -> list[str]:
    if (shared := _SECOND_VERB.match(clause)) is None:
        return [clause]
    return [f"{shared['lead']}{shared['subject']} {shared['first']}", f"{shared['subject']} {shared['second']}"]


# A statement asked as a question, for effect: "Would you believe I'm now at Deliveroo?", "Did I tell you I moved to
# Cardiff?"; and a question the speaker answers at once: "Wanna know where I live now? Swansea!".
_FOR_EFFECT = re.compile(r"^(?:would you believe|can you believe|did I (?:tell|mention to) you|have I told you|did you know|"
                         r"guess what)(?: that)?,? (?P<said>(?:I|we) .+?)\?*$", re.IGNORECASE)
_GUESS_WHERE = re.compile(rf"^(?:(?:wanna|want to|do you want to|you want to) know|guess|can you guess) where (?P<who>I|we) "
                          rf"(?P<verb>live|work|moved)(?P<when> now| these days)?\?* (?P<answer>{NAME})[.!]*$", re.IGNORECASE)


# What a question takes as known about the speaker: "Any gyms near my new flat in Gracia?", "How do I tell my boss
# at Glovo ...?", "As a new Bilbao resident, ...?", "Since joining Glovo I barely cook, any recipes?".
# A name of a place or company, never ending in the "I" of what follows ("Since joining Glovo I barely cook").
_NAME_BEFORE_I = r"(?-i:[A-Z][\w&.'-]*)(?: (?!I\b)(?-i:[A-Z][\w&.'-]*)){0,3}"
_PRESUPPOSED = [
    (re.compile(rf"\bmy (?P<what>(?:new |current )?(?:flat|place|apartment|house|home)) in (?P<name>{_NAME_BEFORE_I})", re.I),
     "My {what} is in {name}."),
    (re.compile(rf"\bmy (?:first (?:day|week|month) |boss |manager |colleagues |co-?workers |team |job |office )"
                rf"(?:at|with) (?P<name>{_NAME_BEFORE_I})", re.I), "I work at {name}."),
    (re.compile(rf"\bas an? (?:new |proud )?(?P<name>{_NAME_BEFORE_I}) (?:resident|local)\b", re.I), "I am a {name} resident."),
    (re.compile(rf"^(?:since|after) (?P<verb>joining|moving to|starting at) (?P<name>{_NAME_BEFORE_I})", re.I),
     "I {verb} {name}."),
]
_PAST = {"joining": "joined", "moving to": "moved to", "starting at": "started at"}


def _presupposed(question: str) -> str | None:
    for pattern, statement in _PRESUPPOSED:
        if found := pattern.search(question):
            said = found.groupdict()
            if "verb" in said:
                said["verb"] = _PAST[said["verb"].lower()]
            return statement.format(**said)
    return None


# An offer made, then taken: "Can't believe it, Hooli made me an offer and I took it", "Got an offer from Bolt and
# said yes!".
_OFFER_TAKEN = re.compile(rf"^{SHORT_LEAD_IN}?(?:(?P<name>{NAME}) (?:made|gave|sent|offered) me|(?:I )?(?:have )?"
                          rf"(?:got|received|had)) an? (?:[a-z-]+ )?(?:offer|job|position|role)(?: from (?P<from>{NAME}))?,? "
                          rf"and (?:I )?(?:took it|accepted(?: it)?|said yes(?: to it)?|signed(?: it)?)[.!]*$", re.I)


def _said_plainly(sentence: str) -> str:
    if said := _FOR_EFFECT.match(sentence):
        return f"{said['said']}."
    if (offer := _OFFER_TAKEN.match(sentence)) and (company := offer["name"] or offer["from"]):
        return f"I accepted an offer from {company}."
    if sentence.endswith("?") and (known := _presupposed(sentence)):
        return known
    if guessed := _GUESS_WHERE.match(sentence):
        where = {"live": "in", "work": "at", "moved": "to"}[guessed["verb"].lower()]
        return f"{guessed['who']} {guessed['verb']} {where} {guessed['answer']}{guessed['when'] or ''}."
    return sentence


def _answered_questions(said: list[str]) -> list[str]:
    """The sentences, with a question the speaker answers at once by a fragment kept together with
    it: "Best food in the world? Pho, no contest." says what one likes best, neither half does alone; so
    does "Favorite food? Easy. Empanadas.", an answer in short fragments."""
    kept: list[str] = []
    answering = False
    for sentence in said:
        asked = kept and _TOPIC_QUESTION.match(kept[-1]) and not _ASKED.search(kept[-1])
        if not _SUBJECT_FIRST.match(sentence) and (asked or (answering and len(sentence.split()) <= 3)):
            kept[-1] = f"{kept[-1]} {sentence}"
            answering = True
        else:
            kept.append(sentence)
            answering = False
    return kept


# "My number changed. It's 555-6161 now.": "it" is the thing said to change just before.
_CHANGED = re.compile(r"^(?:(?:so|and) )?(?:my (?P<thing>[a-z]+(?: [a-z]+)?) (?:has )?(?:changed|is new|is different)"
                      r"(?: again| recently| today| this week)?|"
                      # Where one was for long: "We were in Cork for years. Now it's Limerick."
                      r"(?P<home>(?:I|we) (?:were|was|lived) in (?-i:[A-Z])[\w'-]*(?: (?-i:[A-Z])[\w'-]*)* "
                      r"for (?:\w+ ){0,2}(?:years|months|ages|decades|a while|a long time))|"
                      r"(?:(?:can|could|will) you |please )?(?:save|remember|note|store|update) my (?:new )?"
                      r"(?P<saved>[a-z]+(?: [a-z]+)?)|"
                      r"(?:I (?:have|got|found) (?:a |myself a )?)?"
                      r"new (?P<new>(?:phone |cell |mobile )?number|e-?mail(?: address)?|phone|cell|job|home|place|flat|"
                      r"apartment|house))"
                      r"[.!?]*$", re.I)
# What the changed thing is now: "It's 555-6161 now", "Use kai@new.com from now on", or the number or address alone.
_IT_IS = re.compile(r"^(?:it is|it has become|it (?:has )?changed to|the new one is|now it is|(?:please )?use|"
                    r"reach me (?:at|on))\b(?P<rest>.*)$", re.I)
_CONTACT_ALONE = re.compile(r"^(?P<rest>\S*[\d@]\S*(?: \S*\d\S*){0,3})[.!]*$")
# "Pierogi. That's my favourite food now.": a thing named alone, then said to be a favourite.
_THAT_IS_MY = re.compile(r"^(?:that|it|this) is (?P<rest>my (?:[a-z-]+ )*?(?:favou?rite|go-to)\b.*)$", re.I)
# A thing named as what the speaker does something with, then called their favourite: "I never get tired of
# pho, it's my top food", "Give me ramen any day, that's my favourite dish" (how often or how gladly left out).
_THING_THEN_MY_FAVOURITE = re.compile(
    r"^(?:I (?:[\w']+ ){0,4}(?:of|for|on|about|with|than|eat|love|adore|crave|order|have|choose|pick)|give me) "
    r"(?P<thing>(?:a (?:plate|bowl|slice|portion) of )?(?!(?:it|that|this|them|myself)\b)[\w'-]+(?: [\w'-]+)?)"
    r"(?: (?:any day|every (?:single )?(?:day|week|time)|again|forever|all the time|daily|so much|a lot|anytime))?,"
    r" (?:and )?(?:it|that|this) is (?P<rest>(?:(?:definitely|honestly|really|easily|simply) )?my (?:[a-z-]+ )*?"
    r"(?:favou?rite|go-to|top|number one) (?:[a-z]+ )?(?:food|dish|meal|snack|drink|thing to eat)\b.*)$", re.I)
_FRAGMENT = re.compile(r"^(?!(?:yes|no|yeah|yep|nope|ok|okay|sure|right|true|exactly|totally|definitely|absolutely|"
                       r"same|me too|wow|oh|ah|haha|lol|thanks)\b)[\w'-]+(?: [\w'-]+){0,2}[.!]*$", re.I)


# "I moved again! Tallinn this time.": a change announced, and its new value named on its own just after.
_ANNOUNCED = re.compile(r"^(?:so |guess what,? |the news is |so the news is )*I (?:have )?(?:just |finally )?"
                        r"(?:(?P<move>moved|relocated)(?: house)?|(?:changed|switched) jobs|(?:got|started) a new job)"
                        r"(?: again| cities| countries)?[.!]*$", re.I)
_NAME_ALONE = re.compile(rf"^{NAME}(?: this time| now| of all places)?[.!]*$")


def _with_it_named(said: list[str]) -> list[str]:
    """The sentences, with "it" after a change named ("My number changed. It's 555-6161 now."), a
    change announced joined to the name said alone right after it, and a thing named alone, or as what
    the speaker never tires of, to the favourite it is said to be next ("Pierogi. That's my favourite
    food now.", "I never get tired of pho, it's my top food")."""
    kept: list[str] = []
    for sentence in said:
        if favourite := _THING_THEN_MY_FAVOURITE.match(sentence):
            sentence = f"{favourite['thing']} is {favourite['rest']}"
        if kept and (changed := _CHANGED.match(kept[-1])) and (
                it_is := _IT_IS.match(sentence) or _CONTACT_ALONE.match(sentence)):
            thing = "home" if changed["home"] else changed["thing"] or changed["saved"] or f"new {changed['new']}"
            kept.append(f"My {thing} is {it_is['rest'].strip()}")
        elif kept and _FRAGMENT.match(kept[-1]) and (favourite := _THAT_IS_MY.match(sentence)):
            kept[-1] = f"{kept[-1].rstrip('.!')} is {favourite['rest']}"
        elif kept and (announced := _ANNOUNCED.match(kept[-1])) and _NAME_ALONE.match(sentence):
            kept[-1] = f"I moved to {sentence}" if announced["move"] else f"I got a new job at {sentence}"
        else:
            kept.append(sentence)
    return kept


# A statement about oneself with a question tagged on is still a statement: "I live in Oslo now, can
# you believe it?", "We moved, right?".
# So is one that leads a question: "Now that I live in Oslo, what should I see first?", "Living in Alesund now, any tips?".
_TAG_QUESTION = re.compile(r"^(?:(?:now that|since|as someone who|given that|because) )?"
                           r"(?P<said>(?:(?:so|and|well|oh|also) )?(?:I|we|my|our)\b[^?]+?|"
                           r"(?:just |now )?(?:living|working|based|moved|started) [^?]+?)(?:,| -)\s*[^,?]{1,60}\?$",
                           re.IGNORECASE)
# A question with no question word, verb first or "you": a topic the speaker raises to answer it.
_TOPIC_QUESTION = re.compile(r"^(?!(?:what|who|whom|whose|where|when|why|how|which|can|could|would|will|shall|should|do|"
                             r"does|did|is|are|was|were|am|have|has|had|may|might|any|anyone|anything|right|really|"
                             r"seriously|huh|ok|okay|so|and|or)\b).*\?$", re.IGNORECASE)
_ASKED = re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE)
# An answer is a fragment ("Pho, no contest"); a sentence of its own ("Guess what? I moved") is not one.
_SUBJECT_FIRST = re.compile(r"^(?:I|we|my|our|you|he|she|they|it|this|that|there)\b", re.IGNORECASE)

_LEADING_ADVERBS = re.compile(r"^(?:(?:just|finally|recently|also|officially|already|today|yesterday),? )*", re.I)


_DOING = re.compile(r"^(?P<how>(?:(?:currently|now|still|happily|officially|finally|just|recently) )*)"
                    r"(?P<verb>living|working|starting|joining|moving|relocating|renting|interning|settling|"
                    r"based|settled|located|stationed|employed) "
                    r"(?P<rest>(?:at|in|for|with|to|into|by) .*|(?-i:[A-Z]).*)$", re.I)


def implied_first_person(sentence: str) -> str:
    """Chat drops the "I" of a past-tense statement ("Just got hired at Globex", "Moved to Oslo
    last week") or of one going on ("Living in Lima now"): put it back. A name that ends like a
    verb ("Fred moved") has its own verb after it."""
    if having := re.match(r"^having (\w+ed|been)\b", sentence, re.I):  # "Having moved to Lugano, ..."
        return f"I have {sentence[having.start(1):]}"
    if re.match(r"^been (?:at|with|in|living|working)\b", sentence, re.I):  # "Been at Glovo since March", "Been in Lima a month"
        return f"I have b{sentence[1:]}"
    if re.match(r"^(?:not|no longer) (?:at|in|with|working|living|employed)\b", sentence, re.I):  # "Not at Allegro anymore"
        return f"I am {sentence[:1].lower()}{sentence[1:]}"
    # "Starting at Booking.com on the 1st", not "Working at Globex is fun" (the subject of a verb).
    if (doing := _DOING.match(sentence)) and not re.search(r"\b(?:is|was|are|were|has|had)\b", doing["rest"]):
        return f"I am {doing['how'].lower()}{doing['verb'].lower()} {doing['rest']}"
    lead = _LEADING_ADVERBS.match(sentence).group(0)
    rest = sentence[len(lead):]
    words = rest.lower().split(" ")
    followed_by_verb = len(words) > 1 and (words[1] in _IRREGULAR_PAST or words[1].endswith("ed"))
    past = words[0] in _IRREGULAR_PAST or (len(words[0]) > 4 and words[0].endswith("ed") and not followed_by_verb)
    if not past or words[0] in ("was", "were", "had", "did", "been", "done", "seen", "gone"):
        return sentence
    return f"I {lead.lower()}{rest if lead else rest[:1].lower() + rest[1:]}"


def third_person_verb(verb: str) -> str:
    lowered = verb.lower()
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if lowered in _MODALS or lowered in _IRREGULAR_PAST or lowered.endswith(("ed", "ing")):
        return verb
    if re.search(r"(s|sh|ch|x|z|o)$", lowered):
        return verb + "es"
    if re.search(r"[^aeiou]y$", lowered):
        return verb[:-1] + "ies"
    return verb + "s"


def first_person_verb(verb: str) -> str:
    """'lives' -> 'live', 'watches' -> 'watch', 'is' -> 'am'; a past or bare form stays."""
    lowered = verb.lower()
    if lowered in _IRREGULAR_FIRST:
        return _IRREGULAR_FIRST[lowered]
    if re.search(r"[^aeiou]ies$", lowered):
        return verb[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z)es$", lowered):
        return verb[:-2]
    return verb[:-1] if lowered.endswith("s") and not lowered.endswith("ss") else verb


def to_first_person(sentence: str, name: str) -> str | None:
    """'Ana lives in Berlin' -> 'I live in Berlin', "Ana's favorite food is pho" -> 'My favorite food is
    pho': a fact stated of the user by name, as the user would say it; None when it does not open with
    the name."""
    opening = re.match(rf"{re.escape(display_name(name))}(?P<own>['’]s)?\s+(?P<rest>\S.*)", sentence.strip(), re.IGNORECASE)
    if opening is None:
        return None
    if opening["own"]:
        return f"My {opening['rest']}"
    words = opening["rest"].split(" ")
    verb = next((number for number, word in enumerate(words) if word.lower() not in ADVERBS), None)
    if verb is not None:
        words[verb] = first_person_verb(words[verb])
    return "I " + " ".join(words)


def display_name(name: str) -> str:
    """A user id like "ana" written as a name; ids that are not plain words stay as they are."""
    return name[:1].upper() + name[1:] if name.isalpha() and name.islower() else name


def to_third_person(sentence: str, name: str) -> str:
    """'I just moved to Berlin with my dog' -> 'Ana just moved to Berlin with Ana's dog'."""
    name = display_name(name)
    sentence = sentence.rstrip(" .!;:")
    words = sentence.split(" ")
    out: list[str] = []
    conjugate_next = False
    for word in words:
        bare = re.sub(r"[^\w']", "", word)
        lowered = bare.lower()
        if bare == "I":
            out.append(word.replace("I", name, 1))
            # "Leila and I are divorced": two subjects keep their plural verb.
            conjugate_next = len(out) < 3 or out[-2].lower() != "and"
            continue
        if lowered in _OBJECT_PRONOUNS:
            out.append(word.replace(bare, _OBJECT_PRONOUNS[lowered].format(name=name), 1))
            conjugate_next = False
            continue
        if conjugate_next and lowered in ADVERBS:
            out.append(word)
            continue
        if conjugate_next and bare and bare.isalpha():
            out.append(word.replace(bare, third_person_verb(bare), 1))
        else:
            out.append(word)
        conjugate_next = False
    text = " ".join(out)
    if EMAIL_SHAPE.match(text):
        return text  # "ana@x.io is Ana's email": an address keeps its letters
    return text[0].upper() + text[1:] if text else text


# What a statement is wrapped in, not what it states: "Also I'm allergic to peanuts, so keep that in
# mind for recipes" states "I'm allergic to peanuts".
_DISCOURSE_LEAD = re.compile(r"^(?:(?:also|actually|btw|by the way|oh|oh and|and|anyway|well|fyi|just so you know|"
                             r"for the record|heads up|quick update|so),? )+", re.I)
_INSTRUCTION_TAIL = re.compile(r", (?:so |please |and )?(?:keep (?:that|this|it) in mind|bear (?:that|this|it) in mind|"
                               r"remember (?:that|this|it)|make sure|don't forget|note (?:that|this))\b.*$", re.I)
# A correction in one sentence: "I'm not allergic to peanuts, it turned out to be cashews".
_CORRECTION = re.compile(r"^(?P<head>.*?)\b(?:not|n't) (?P<rest>(?:\w+ )*?)(?P<old>[\w-]+), (?:it|that|they) "
                         r"(?:turned out to be|turns out to be|(?:was|is|were|are|'s) actually|actually (?:was|is|were|are)) "
                         r"(?P<new>[^,]+?)[.!]?$", re.I)
_NEGATED_BE = re.compile(r"\b(?P<be>am|is|are|was|were|do|does|did) $", re.I)


def plain_statement(sentence: str) -> tuple[str, str | None]:
    """The sentence without the discourse around its statement: a leading marker ("Also", "Actually",
    "By the way"), a trailing instruction ("so keep that in mind"), and a correction said with
    the wrong value first ("I'm not allergic to peanuts, it turned out to be cashews" states "I am
    allergic to cashews"), with the value it corrects ("peanuts"). Grammar alone: no attribute is named."""
    said = _INSTRUCTION_TAIL.sub("", _DISCOURSE_LEAD.sub("", sentence)).strip()
    wrong = None
    if (corrected := _CORRECTION.match(normalize(said))) is not None:
        wrong = corrected["old"]
        head = corrected["head"]
        if head.lower().endswith(("do ", "does ", "did ")):
            head = _NEGATED_BE.sub("", head)
        rest, new = corrected["rest"], corrected["new"]
        if re.match(r"(?:a|an|the|my) ", new, re.I):  # "not a Civic, it was actually a Corolla"
            rest = re.sub(r"\b(?:a|an|the|my) $", "", rest, flags=re.I)
        said = f"{head}{rest}{new}"
    if not said or said == sentence.strip():
        return sentence, wrong
    return said[:1].upper() + said[1:], wrong
