"""Synthetic conversations over attribute families: people state facts, change them, correct and
retract them, repeat them, and talk about others, across sessions. One generator serves training
(`learning`) and `memos bench updates --families`; what differs between them is the families.

Each person knows the truth of their own conversation: the current values, the superseded ones,
the retracted ones, and what others were said to have, so an outcome can be scored."""

import random
from collections import defaultdict
from dataclasses import dataclass, field

from memos_service.policy.families import Family

NAMES = ["Ana", "Bruno", "Chen", "Dara", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
         "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tala", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe"]
# Chat that states nothing to keep.
CHAT = ["Can you recommend a good book for a long flight?", "Haha, that's hilarious.", "What time is it in Tokyo?",
        "Any tips for sleeping better?", "ok thanks!", "That's a great idea, let's try it.", "How do I boil an egg?",
        "The weather has been awful all week."]
# Things people say about themselves that belong to no attribute: events, moods, plans, one-off likes.
# Every attribute's statements meet them in the store, and must leave them be (and they it).
ASIDES = ["I baked sourdough bread for the first time on Sunday.", "I ran a half marathon last month.",
          "I'm so tired after this week.", "I visited my grandmother in the countryside yesterday.",
          "I finally fixed the leaking tap in the bathroom.", "I've been sleeping badly lately.",
          "I watched the meteor shower from the roof last night.", "I'm planning a picnic for Saturday.",
          "I painted the spare bedroom green.", "I lost my umbrella on the bus again.",
          "I really enjoy long walks by the sea.", "I had a dentist-free, stress-free weekend for once.",
          "I got a parking ticket this morning.", "I'm nervous about my presentation tomorrow.",
          "I tried a new ramen place downtown and loved it.", "I cleaned out the garage over the weekend.",
          "I adore the smell of fresh coffee.", "I spent the evening doing a jigsaw puzzle.",
          "I went to a friend's wedding in June.", "I hate waking up early on Mondays."]
# Saying one's value in passing, without changing it: "I wrote a review of {value}".
MENTIONS = ["I was telling a friend about {value} yesterday.", "Funny story about {value} today.",
            "I wrote a long post about {value} last night.", "Someone at work asked me about {value}.",
            "I saw an article mentioning {value} this morning."]


@dataclass(frozen=True)
class Said:
    """One sentence and what it does: `state` (a value of the speaker's, first or changed), `repeat`,
    `retract`, `other` (someone else's value), `mention` (the speaker's value said in passing),
    `aside` (something of the speaker's of no attribute), or `chat`."""

    text: str
    act: str  # state, repeat, retract, other, mention, aside or chat
    family: str | None = None
    value: str | None = None


@dataclass
class Person:
    name: str
    families: dict[str, Family]
    current: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    stale: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    retracted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    others: list[Said] = field(default_factory=list)
    sessions: list[list[Said]] = field(default_factory=list)


def _render(frame: str, value: str) -> str:
    text = frame.format(value=value)
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class Fillers:
    """What is said between the statements: chat, asides, and frames that mention a value in passing.
    Training uses these; `memos bench updates --families` its own distractors and none of the rest."""

    chat: tuple[str, ...] = tuple(CHAT)
    asides: tuple[str, ...] = tuple(ASIDES)
    mentions: tuple[str, ...] = tuple(MENTIONS)


def person(name: str, families: list[Family], rng: random.Random, facts: int = 3, sessions: int = 3,
           fillers: Fillers = Fillers()) -> Person:
    """A person with `facts` attributes stated in a first session and changed, repeated, retracted
    and talked about in `sessions - 1` more, with chat between."""
    chosen = rng.sample(families, min(facts, len(families)))
    someone = Person(name, {family.family: family for family in chosen})
    first = []
    for family in chosen:
        value = rng.choice(family.values)
        someone.current[family.family].append(value)
        first.append(Said(_render(rng.choice(family.states), value), "state", family.family, value))
    first.append(Said(rng.choice(fillers.chat), "chat"))
    first.extend(Said(rng.choice(fillers.asides), "aside") for _ in range(bool(fillers.asides)))
    rng.shuffle(first)
    someone.sessions.append(first)
    for _ in range(sessions - 1):
        said = [Said(rng.choice(fillers.chat), "chat"),
                *(Said(rng.choice(fillers.asides), "aside") for _ in range(bool(fillers.asides)))]
        for family in rng.sample(chosen, rng.randint(1, len(chosen))):
            said.append(_next(someone, family, rng, fillers))
        rng.shuffle(said)
        someone.sessions.append(said)
    return someone


def _next(someone: Person, family: Family, rng: random.Random, fillers: Fillers) -> Said:
    name, held = family.family, someone.current[family.family]
    used = set(held) | set(someone.stale[name]) | set(someone.retracted[name])
    fresh = [value for value in family.values if value not in used]
    act = rng.choices(["change", "repeat", "retract", "other", "mention"], weights=[4, 1, 2, 2, bool(fillers.mentions)])[0]
    if act == "retract" and held:
        value = rng.choice(held)
        frame = rng.choice(family.retractions)
        if "{value}" not in frame and family.kind == "several":
            frame = next((frame for frame in family.retractions if "{value}" in frame), frame)
            if "{value}" not in frame:
                return Said(_render(rng.choice(family.states), value), "repeat", name, value)
        held.remove(value)
        someone.retracted[name].append(value)
        return Said(_render(frame, value), "retract", name, value)
    if act == "mention" and held:
        return Said(_render(rng.choice(fillers.mentions), rng.choice(held)), "mention", name, None)
    if act == "repeat" and held:
        value = rng.choice(held)
        return Said(_render(rng.choice(family.states), value), "repeat", name, value)
    if act == "other" and fresh:
        said = Said(_render(rng.choice(family.others), rng.choice(fresh)), "other", name, None)
        someone.others.append(said)
        return said
    if not fresh:
        return Said(rng.choice(fillers.chat), "chat")
    value = rng.choice(fresh)
    if family.kind == "one":
        someone.stale[name].extend(held)
        held.clear()
    held.append(value)
    return Said(_render(rng.choice(family.changes if someone.stale[name] or family.kind == "several" and len(held) > 1
                                   else family.states), value), "state", name, value)


def people(count: int, families: list[Family], seed: int, facts: int = 3, sessions: int = 3,
           fillers: Fillers = Fillers()) -> list[Person]:
    rng = random.Random(seed)
    return [person(f"{NAMES[number % len(NAMES)]}{'' if number < len(NAMES) else number // len(NAMES)}", families, rng,
                   facts, sessions, fillers) for number in range(count)]
