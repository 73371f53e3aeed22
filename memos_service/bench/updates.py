"""`memos bench updates`: a generated knowledge-update suite, ingested through the API.

People state facts, then change them (moves, new jobs, new favourites), retract them ("forget my
phone number"), repeat them, and chat about other things in between. Each phrasing comes from one
of these pools, and every number is reported per pool:
- `seen`: the style of the tests the manager was developed against;
- `tuned`, `tuned-2`, `tuned-3`, `tuned-4`: each written apart from the code as a held-out pool, measured, and then (its
  misses read) developed against;
- `tuned-5` to `tuned-8`: the held-out pools `held-out` to `held-out-4` up to 2026-12-05, written apart from
  the code and measured blind over several sessions; their misses were read that day, so from then on
  they are tuned pools like the others (their blind figures are in the notes of those sessions);
- `tuned-9`: the held-out pool `held-out-5`, written on 2026-12-05 after those misses were read and
  measured blind that day (current 0.953, stale above current 0.073, deletion 0.938); its misses were
  read in the next session, which wrote the next held-out pool first;
- `held-out-6`: written in that session before `tuned-9`'s misses were read or anything changed for them,
  and measured before and after;
- `held-out-7`: written at the end of that session, after its changes, and measured once on them.
The held-out pools' numbers say how the manager does on phrasings it was not tuned on. Their misses
are not written to the results, so that none is read by accident.
Each pool also has its own near-miss chat: facts about other people, trips, numbers that are not
the speaker's, which must not replace what the speaker said about themselves.

Measured: top-1 accuracy of the current value for "what is X now" questions, how often a stale
value outranks the current one, deletion compliance (no active memory and no search result holds a
retracted value), duplicate facts created, and ingestion throughput.
"""

import random
import re
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from memos_sdk import MemOS

from memos_service.bench.report import markdown_table
from memos_service.policy.learning import has

NAMES = ["Ana", "Bruno", "Chen", "Dara", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
         "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tala", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
         "Aiko", "Bilal", "Carmen", "Dmitri"]
CITIES = ["Lisbon", "Berlin", "Toronto", "Nairobi", "Osaka", "Lima", "Oslo", "Denver", "Hanoi", "Cork", "Porto", "Quito",
          "Tbilisi", "Adelaide", "Krakow", "Seville"]
COMPANIES = ["Siemens", "Acme Robotics", "Globex", "Initech", "Northwind", "Umbrella Labs", "Stark Freight",
             "Wayne Foods", "Hooli", "Vandelay Imports", "Soylent", "Tyrell Systems"]
FOODS = ["sushi", "lasagna", "pho", "tacos", "ramen", "paella", "falafel", "pierogi", "biryani", "ceviche"]

# {value} is the new value. Two pools per kind of statement.
PHRASES: dict[str, dict[str, list[str]]] = {
    "residence": {
        "seen": ["I live in {value}.", "I just moved to {value}.", "I've relocated to {value}.",
                 "Big news: I moved to {value} last month."],
        "tuned": ["These days I call {value} home.", "We finally settled in {value} after the move.",
                   "Guess what, I'm now based in {value}!", "I'm living in {value} at the moment.",
                   "My new apartment is in {value}.", "Moving day is done, I am officially living in {value} now."],
        "tuned-2": ["I've been living in {value} for a few weeks now.", "Home is {value} these days.",
                     "We packed everything up and moved to {value}.", "Just signed a lease in {value}.",
                     "I recently moved house, I'm in {value} now.", "Writing to you from my new place in {value}."],
        "tuned-3": ["We ended up buying a little house in {value}.",
                     "After years of talking about it I finally made the move to {value}.",
                     "My address changed, I'm over in {value} now.", "Unpacking boxes in my new flat in {value}, send help.",
                     "Been in {value} about a month now and still getting used to it.", "I live over in {value} nowadays.",
                     "The movers dropped off the last of our stuff in {value} today.",
                     "I'm a {value} resident as of this spring."],
        "tuned-4": ["Officially a {value} local now!", "I relocated my whole life to {value} in March.",
                     "Our family lives in {value} these days.", "I'm renting a room in {value} for now.",
                     "Settled into {value} at last, the neighbourhood is lovely.",
                     "Greetings from {value}, where I live now!",
                     "I moved out of my old place and into an apartment in {value}.",
                     "Now that I'm living in {value} my commute is way shorter."],
        "tuned-5": ["so yeah, I'm a {value} person now, moved in two weeks ago",
                     "Life update: new city! Living in {value} since the 1st.", "I've moved! New address is in {value}.",
                     "we bought a flat in {value} last month and we're loving it", "It took forever but I now reside in {value}.",
                     "Hello from my new home in {value}.", "I'm staying in {value} for good, we sold the old house.",
                     "My partner and I now live in {value}."],
        "tuned-6": ["ok so the big change this year: I packed up and went to live in {value}",
                       "My mail goes to {value} now, that's where home is.", "I'm calling {value} home from this month on.",
                       "Been a {value} resident since the summer.", "The kids and I are settled in {value} now.",
                       "Honestly moving to {value} was the best decision I've made.",
                       "I've got a place in {value} now, right by the river.",
                       "You can find me in {value} these days, I moved there in June."],
        "tuned-7": ["I traded my old city for {value} this summer.", "The new place in {value} finally feels like home.",
                        "Been settling in here in {value}, the rent is brutal.",
                        "We bought an apartment in {value} and moved in last week.", "My home base is {value} now.",
                        "Live from {value}, my new hometown!", "I've put down roots in {value}.",
                        "These days you'll find me living up in {value}."],
        "tuned-8": ["Quick update: I'm in {value} now, we moved over the holidays.",
                        "Our new address is in {value}, close to the old town.",
                        "We relocated to {value} for my partner's job and I love it.", "I moved across the country to {value}.",
                        "Finally got the keys to our place in {value}!", "So I live in {value} now, can you believe it?",
                        "I've been a resident of {value} since April.", "Home these days is a small flat in {value}."],
        "tuned-9": ["We finally made it to {value}, the new flat has a balcony.",
                        "Moved to {value} in the autumn and I'm not looking back.",
                        "Just a heads up, I live in {value} these days.", "My wife and I relocated to {value} a few weeks ago.",
                        "Our lease in {value} started on the first, so that's home now.", "I've made {value} my home.",
                        "Currently living in {value}, it's been a big adjustment.",
                        "I'm a proud {value} homeowner since last week."],
        "held-out-6": ["I'm settled in {value} now, finally unpacked the last boxes.",
                        "Since the move I've been living in {value}.",
                        "We bought an apartment in {value} and moved in last weekend.",
                        "Life in {value} is treating me well since I moved.", "My home is in {value} now.",
                        "I moved out to {value} with the family in June.", "New city, new me: I'm living in {value}!",
                        "I've been renting a place in {value} since the spring."],
        "held-out-7": ["After years of renting elsewhere, I finally live in {value}.",
                        "Moved house last month, I'm in {value} now.", "Our family lives in {value} now.",
                        "I've set up home in {value}.", "I just signed the lease on a flat in {value}.",
                        "We're {value}-based these days.", "Been living in {value} since March, loving it.",
                        "I now reside in {value}."],
    },
    "employer": {
        "seen": ["I work at {value}.", "I started working at {value}.", "I joined {value} last week."],
        "tuned": ["I got a job at {value}!", "I'm employed by {value} these days.", "I took a job at {value}.",
                   "My new employer is {value}.", "Since Monday I've been working for {value}.",
                   "I accepted an offer from {value}."],
        "tuned-2": ["I'm now working at {value}.", "Started a new position at {value} this week.",
                     "I work for {value} now.", "Just got hired at {value}.",
                     "I've been at {value} since the spring, working in sales.", "Today was my first day at {value}."],
        "tuned-3": ["I'm with {value} now.", "Got an offer from {value} and said yes!",
                     "I switched jobs, I'm at {value} now.", "These days I'm on the engineering team at {value}.",
                     "{value} hired me last week.", "My new job is at {value}.",
                     "I now work for {value}, mostly doing logistics.", "First week at {value} went great."],
        "tuned-4": ["I've been hired by {value}.", "I'm a software engineer at {value} now.", "I got the job at {value}!",
                     "My boss at {value} is great so far.", "Just finished onboarding at {value}.",
                     "I'm employed at {value} since last month.", "I now have a position with {value}.",
                     "Working for {value} these days, it's a good gig."],
        "tuned-5": ["I start at {value} on Monday, so excited.", "Signed my contract with {value} today!",
                     "Can't believe it, {value} made me an offer and I took it.", "I'm an accountant with {value} now.",
                     "I've been working over at {value} for a couple of weeks.",
                     "I joined the team at {value} as a designer.", "New job alert: I'm at {value} now!",
                     "Currently employed by {value}."],
        "tuned-6": ["So I've landed a role at {value}, starting next week.", "I'm on the payroll at {value} now.",
                       "After the interviews, {value} took me on as an analyst.", "My employer these days is {value}.",
                       "Work is good, {value} treats its people well and I'm happy there.",
                       "I report to the CTO at {value} now.", "I accepted the job at {value}, no more freelancing.",
                       "Spent my first month at {value}, the job is intense but fun."],
        "tuned-7": ["I took a job with {value} in their finance department.", "Now I'm on staff at {value}.",
                        "I accepted {value}'s offer, starting Monday.", "My first paycheck from {value} just came in.",
                        "I work as a nurse for {value} these days.", "Just wrapped my first sprint at {value}.",
                        "Signed on with {value} as a product manager.", "I'm part of the {value} team now."],
        "tuned-8": ["I got hired by {value} as a data analyst.", "Started my new job at {value} on Monday.",
                        "I'm working at {value} now, in their marketing team.",
                        "{value} offered me a permanent position and I accepted.",
                        "I've moved jobs, I'm with {value} these days.", "My new workplace is {value}.",
                        "I'm employed as an engineer at {value}.", "Just finished my first week working for {value}."],
        "tuned-9": ["I've been with {value} for about three weeks now.",
                        "Just completed my first month as a consultant at {value}.",
                        "{value} brought me on board as a developer.", "I work in logistics for {value} now.",
                        "The new job at {value} is going really well.", "I've signed with {value}, started yesterday.",
                        "Currently I'm doing accounting at {value}.", "I'm now a teacher at {value}."],
        "held-out-6": ["I accepted a job offer from {value}.",
                        "These days I'm at {value}, working on their mobile app.", "My first day at {value} was yesterday.",
                        "I'm a nurse at {value} now.", "I work for {value} now, it's a great team.",
                        "{value} hired me last month.", "I switched jobs and now I'm at {value}.",
                        "I joined the sales team at {value}."],
        "held-out-7": ["I work as a barista at {value} now.", "New job alert: {value}!",
                        "I'm employed at {value} since the spring.", "Currently working for {value} on their data team.",
                        "I've just joined {value} as a designer.", "Got taken on at {value} last week.",
                        "I'm part of the {value} team now.", "My new boss at {value} is great."],
    },
    "favorite food": {
        "seen": ["My favorite food is {value}.", "{value} is my new favorite food."],
        "tuned": ["My all-time favourite food is {value}.", "Honestly my favorite food these days is {value}.",
                   "Lately {value} has become my favorite food."],
        "tuned-2": ["Nothing beats {value}, it's my favorite food.", "My favorite thing to eat is {value}.",
                     "If I had to pick one food forever it would be {value}.",
                     "These days my go-to favorite food is {value}."],
        "tuned-3": ["I could eat {value} every single day, it's my favourite.", "{value} is hands down my favorite food.",
                     "My absolute favorite dish right now is {value}.",
                     "Lately I'm obsessed with {value}, it's my favorite meal.",
                     "Of all foods, {value} is the one I love most.", "Best food in the world? {value}, no contest."],
        "tuned-4": ["{value} is my favorite thing in the world to eat.", "I love {value} more than any other food.",
                     "My favourite meal has to be {value}.", "Give me {value} any day, it's the best food there is.",
                     "Top of my food list right now: {value}.", "I'd pick {value} over anything else to eat."],
        "tuned-5": ["nothing makes me happier than a plate of {value}, it's my favorite",
                     "{value} will always be my number one food.", "My favorite food? Definitely {value}.",
                     "I'm crazy about {value}, best food ever.", "If you asked me my favorite food I'd say {value}.",
                     "{value} is what I'd choose for my last meal, it's my favorite."],
        "tuned-6": ["{value} wins every time, it's the food I love most.", "Favourite food: {value}, no question.",
                       "I've decided my favorite food is {value} now.",
                       "Nothing compares to {value}, it's my favourite thing to eat.",
                       "When people ask about my favorite food I always say {value}.",
                       "My number one dish is {value}."],
        "tuned-7": ["Honestly nothing tops {value} for me.", "{value} is my comfort food, I'd eat it over anything.",
                        "If I could only eat one thing again it'd be {value}.", "My ultimate favorite food: {value}.",
                        "I've become a huge {value} fan, it's my favorite thing to eat now.",
                        "Out of everything, {value} is my favorite to eat."],
        "tuned-8": ["I'd say {value} is my favourite food at the moment.",
                        "{value} is the best thing I've ever eaten, it's my favourite.", "My favourite food has become {value}.",
                        "These days I can't get enough of {value}, it's my favourite.",
                        "{value} is my go-to meal, my all-time favourite.", "Top food for me is {value}."],
        "tuned-9": ["{value} has become my favourite, I eat it every week.",
                        "My favorite food right now is definitely {value}.",
                        "I'm all about {value} these days, it's my favorite food.",
                        "Nothing is better than {value}, my favourite by far.",
                        "I never get tired of {value}, it's my top food.",
                        "Ask me my favourite dish and I'll say {value} every time."],
        "held-out-6": ["If I could only eat one thing it would be {value}.", "{value} is my number one food.",
                        "These days my favourite meal is {value}.", "I've fallen in love with {value}, it's my favourite now.",
                        "{value} beats everything else, my favourite food for sure.",
                        "My absolute favourite thing to eat is {value}."],
        "held-out-7": ["My favourite food these days is {value}.", "{value} is what I love eating most.",
                        "I think {value} is my favourite food now.", "Nothing beats {value} for me these days.",
                        "{value} is the dish I'd pick over any other.", "Hands down, my favourite food is {value}."],
    },
    "phone number": {
        "seen": ["My phone number is {value}."],
        "tuned": ["You can reach me at {value}, that's my phone number.", "My phone number changed to {value}."],
        "tuned-2": ["My number is {value}.", "New phone number: {value}.", "Text me at {value}, that's my new number."],
        "tuned-3": ["My cell is {value}.", "Call me on {value} from now on.", "I got a new number, it's {value}.",
                     "You can text me on {value}.", "Here's my mobile: {value}."],
        "tuned-4": ["My phone is {value}.", "Reach me at {value}.", "Updated my number, it's {value} now.",
                     "My contact number is {value}.", "You can ring me at {value}."],
        "tuned-5": ["my new cell number is {value}", "Save this number: {value}, it's mine.",
                     "You can get hold of me at {value}.", "I changed my phone number to {value}.",
                     "Best number to reach me is {value}."],
        "tuned-6": ["Just so you have it, my phone number is now {value}.", "Note my new mobile number: {value}",
                       "I switched carriers, my number is {value} now.", "If you need me, call {value}.",
                       "Please use {value} to reach me from now on."],
        "tuned-7": ["My digits changed, it's {value} now.", "Ring me on {value}, it's my new mobile.",
                        "You'll get me at {value} from today.", "My phone number is {value} now, the old one is dead.",
                        "Put {value} down as my number."],
        "tuned-8": ["Here's my new number: {value}.", "I have a new mobile number, {value}.",
                        "You can call me at {value} now.", "My number's changed, it's {value}.",
                        "Contact me on {value} from now on."],
        "tuned-9": ["My new phone number is {value}, please update it.", "You can reach me on {value} now.",
                        "I've got a new number: {value}.", "Use {value} if you need to call me.",
                        "My mobile is {value} these days."],
        "held-out-6": ["I changed my number, it's {value} now.", "The best number to reach me is {value}.",
                        "My cell number is now {value}.", "Please note my phone: {value}.", "New number, save it: {value}."],
        "held-out-7": ["My number is now {value}.", "Got a new phone, the number is {value}.",
                        "Call me on {value} from today.", "{value} is my new mobile number.",
                        "Update my phone number to {value}, please."],
    },
}
RETRACTIONS: dict[str, dict[str, list[str]]] = {
    "phone number": {"seen": ["Please forget my phone number."],
                     "tuned": ["Can you delete my phone number?", "Forget about my phone number, please.",
                               "Please remove my phone number from your memory."],
                     "tuned-2": ["Don't keep my phone number anymore.", "Please erase my number.",
                                  "I'd rather you didn't store my phone number, please delete it."],
                     "tuned-3": ["Please stop storing my phone number.", "Wipe my number from your records.",
                                  "I don't want you to have my number anymore.", "Forget the phone number I gave you."],
                     "tuned-4": ["Please delete the phone number I gave you.", "Don't remember my number, remove it.",
                                  "Scrap my phone number from your memory.", "I'd like you to forget my cell number."],
                     "tuned-5": ["Could you please forget my number?", "Remove my phone number, I don't want it saved.",
                                  "Delete my contact number please.",
                                  "I don't want my phone number in your memory anymore."],
                     "tuned-6": ["Get rid of my phone number, please.", "Clear my number from what you know about me.",
                                    "I'd prefer you not hold on to my mobile number.",
                                    "Can you drop my number from your notes?"],
                     "tuned-7": ["Please don't hang on to my phone number.",
                                    "Erase my mobile number, I'd rather you not have it.",
                                    "Take my phone number out of your memory.", "Could you purge my number?",
                                    "I want my phone number deleted."],
                     "tuned-8": ["Please remove my number from your records.", "Forget the number I gave you earlier.",
                                    "Don't store my phone number, please delete it.", "Could you erase my mobile number?",
                                    "I'd like my phone number removed."],
                     "tuned-9": ["Please don't keep my phone number on file.", "Can you forget my mobile number?",
                                    "Delete my number from your memory, please.",
                                    "I'd rather you didn't remember my phone number anymore.",
                                    "Remove the number I shared earlier."],
                     "held-out-6": ["Please don't store my number anymore.", "Can you remove my phone number from memory?",
                                    "Forget my cell number, please.", "I'd like you to delete my mobile number.",
                                    "Stop remembering my phone number, please."],
                     "held-out-7": ["Please delete my phone number from your notes.",
                                    "I don't want you storing my number, please remove it.", "Forget my mobile, please.",
                                    "Could you wipe my phone number?", "Don't hold on to my number anymore."]},
    "employer": {"seen": ["I no longer work at {value}."],
                 "tuned": ["I quit my job at {value}.", "I don't work at {value} anymore.", "I left {value} for good."],
                 "tuned-2": ["I'm not at {value} anymore.", "I got laid off from {value}.",
                              "I resigned from {value} last week.", "I stopped working at {value}."],
                 "tuned-3": ["I'm no longer with {value}.", "{value} let me go last week.",
                              "I handed in my notice at {value} and I'm done there now.",
                              "I don't have a job at {value} anymore."],
                 "tuned-4": ["I'm not working at {value} anymore.", "I left my job at {value}.", "{value} and I parted ways.",
                              "My last day at {value} was Friday.", "I was fired from {value}."],
                 "tuned-5": ["I quit {value} yesterday.", "I'm unemployed now, I left {value}.", "I no longer work for {value}.",
                              "I got let go by {value}.", "I've left {value}, time for something new."],
                 "tuned-6": ["Today was my last day working for {value}.", "I walked out of {value} for good.",
                                "I'm done with {value}, I resigned.", "{value} laid me off in the restructuring.",
                                "I don't work for {value} any longer."],
                 "tuned-7": ["I'm no longer employed at {value}.", "I handed in my resignation to {value}.",
                                "I've finished up at {value}, I'm between jobs now.",
                                "{value} and I are done, I quit last month.", "I'm not employed by {value} anymore.",
                                "I stepped down from my job at {value}."],
                 "tuned-8": ["I left my job at {value} last month.", "I'm no longer working for {value}.",
                                "I quit working at {value}.", "I was made redundant by {value}.",
                                "My time at {value} is over, I resigned.", "I don't work at {value} these days."],
                 "tuned-9": ["I left {value} at the end of last month.", "{value} and I went our separate ways.",
                                "I no longer have a job at {value}.", "I got laid off by {value} last week.",
                                "I handed in my notice and left {value}.", "I'm not with {value} any more, I resigned."],
                 "held-out-6": ["I quit my position at {value}.", "I'm not working for {value} anymore.",
                                "I left {value} last week to take a break.", "{value} fired me last month.",
                                "My job at {value} ended last month.", "I've resigned from {value}."],
                 "held-out-7": ["I've left my job at {value}.", "{value} made me redundant last month.",
                                "I'm no longer at {value}.", "I resigned from my position at {value}.",
                                "My contract with {value} ended and I'm not there anymore.",
                                "I stopped working for {value} in October."]},
}
DISTRACTORS = ["Can you recommend a good book for a long flight?", "Haha, that's hilarious.", "What time is it in Tokyo?",
               "The weather has been awful all week.", "I went hiking on Saturday and it was lovely.",
               "ok thanks!", "I watched a documentary about octopuses yesterday.", "Any tips for sleeping better?",
               "My coffee machine broke again this morning.", "That's a great idea, let's try it."]
# Chat that looks like a fact about the speaker and is not; none of its names is a suite value.
NEAR_MISSES: dict[str, list[str]] = {
    "development": ["My sister lives in Rome.", "I visited Paris last summer and loved it.", "My friend works at Google.",
                    "I had dinner at a Thai place near work.", "My brother's favorite food is pizza."],
    "tuned-3": ["My cousin just got a job at Microsoft.", "We spent a weekend in Vienna for a wedding.",
                 "I'm flying to Madrid for a conference next week.", "My roommate is obsessed with burritos.",
                 "I called my mom at 555-0199 yesterday."],
    "tuned-4": ["My dad used to work at IBM.", "My girlfriend moved to Chicago for school.",
                 "We're thinking about visiting Tokyo in the fall.", "My kid's favorite food is chicken nuggets.",
                 "The restaurant's number is 555-0123."],
    "tuned-5": ["My neighbour works at Deloitte.", "My best friend lives in Amsterdam now.",
                 "Going to Rome for vacation next month!", "My husband's favorite food is steak.",
                 "My dentist's number is 555-0188."],
    "tuned-6": ["My parents still live in Dublin.", "I'm spending a week in Barcelona next month.",
                   "My wife just got promoted at Accenture.", "We had amazing dumplings at the night market.",
                   "The pharmacy's phone number is 555-0177."],
    "tuned-7": ["My aunt just moved to Sydney.", "I'm interviewing at Amazon next week.",
                   "We grabbed curry with coworkers after the meeting.", "My landlord's number is 555-0166.",
                   "I might visit Montreal this winter."],
    "tuned-8": ["My brother just moved to Vancouver.", "I have a job interview at Netflix on Friday.",
                   "We ate the best gnocchi in Florence on holiday.", "My colleague's number is 555-0144.",
                   "My mum works at a bakery in Leeds."],
    "tuned-9": ["My uncle works at Shell.", "My sister just bought a house in Edinburgh.",
                   "I'll be in Prague for a workshop next week.", "My son's favorite food is mac and cheese.",
                   "My boss's number is 555-0155."],
    "held-out-6": ["My cousin lives in Munich.", "My wife works at Unilever.", "We're going to Athens for a long weekend.",
                   "My daughter's favourite food is spaghetti.", "My plumber's number is 555-0133."],
    "held-out-7": ["My brother-in-law works at Heineken.", "My best friend just moved to Valencia.",
                   "We're thinking about a trip to Kyoto.", "My husband's favourite food is curry.",
                   "The clinic's number is 555-0122."],
}
POOLS = ("seen", "tuned", "tuned-2", "tuned-3", "tuned-4", "tuned-5", "tuned-6", "tuned-7", "tuned-8", "tuned-9", "held-out-6",
         "held-out-7")
QUESTIONS = {"residence": "Where does {name} live now?", "employer": "Where does {name} work now?",
             "favorite food": "What is {name}'s favorite food?", "phone number": "What is {name}'s phone number?"}


@dataclass
class Person:
    name: str
    pool: str
    current: dict[str, str] = field(default_factory=dict)
    stale: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    retracted: dict[str, str] = field(default_factory=dict)
    sessions: list[list[str]] = field(default_factory=list)


def held_out(pool: str) -> bool:
    """Whether the pool is held out: its misses are never read, and nothing is tuned on it."""
    return pool.startswith("held-out")


def _phone(rng: random.Random) -> str:
    return f"555-{rng.randint(1000, 9999)}"


def _sentence(phrase: str, value: str) -> str:
    said = phrase.format(value=value)
    return said[0].upper() + said[1:]  # "{value} is my favorite food" opens with a capital


def generate(people: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    generated = []
    for number in range(people):
        person = Person(f"{NAMES[number % len(NAMES)]}{'' if number < len(NAMES) else number}", POOLS[number % len(POOLS)])
        values = {"residence": rng.choice(CITIES), "employer": rng.choice(COMPANIES), "favorite food": rng.choice(FOODS),
                  "phone number": _phone(rng)}

        def say(kind: str, value: str, pool: str = person.pool) -> str:
            return _sentence(rng.choice(PHRASES[kind][pool]), value)

        near_misses = NEAR_MISSES.get(person.pool, NEAR_MISSES["development"])
        first = [say(kind, value) for kind, value in values.items()] + rng.sample(DISTRACTORS, 2)
        rng.shuffle(first)
        person.sessions.append(first)
        person.current = dict(values)
        for _ in range(rng.randint(2, 4)):  # later sessions: changes, repeats, retractions, chat
            said = rng.sample(DISTRACTORS, 1) + rng.sample(near_misses, 1)
            retractable = [known for known in RETRACTIONS if known in person.current]
            kind = rng.choice(["residence", "employer", "favorite food", "repeat"] + ["retract"] * bool(retractable))
            if kind == "repeat":
                known = rng.choice([known for known in person.current if known != "phone number"])
                said.append(say(known, person.current[known]))
            elif kind == "retract":
                target = rng.choice(retractable)
                said.append(_sentence(rng.choice(RETRACTIONS[target][person.pool]), person.current[target]))
                person.retracted[target] = person.current.pop(target)
            else:
                choices = {"residence": CITIES, "employer": COMPANIES, "favorite food": FOODS}[kind]
                # Never a value taken back: the suite checks it stays gone.
                new = rng.choice([value for value in choices if value != person.current.get(kind)
                                  and value not in person.stale[kind] and value != person.retracted.get(kind)])
                if kind in person.current:
                    person.stale[kind].append(person.current[kind])
                person.current[kind] = new
                said.append(say(kind, new))
            rng.shuffle(said)
            person.sessions.append(said)
        generated.append(person)
    return generated


def run(base_url: str, admin_key: str, people: int = 40) -> dict[str, Any]:
    suite = generate(people)
    with MemOS(base_url, admin_key, timeout=120) as admin:
        tenant = admin.admin.create_tenant(f"bench-updates-{uuid.uuid4().hex[:8]}")
        key = admin.admin.create_api_key(tenant.id, name="bench").key
    client = MemOS(base_url, key, timeout=120)
    cube = client.cubes.create("updates")
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    messages = 0
    ingest_seconds = 0.0
    failures = []
    for person in suite:
        user = person.name.lower()
        for number, session in enumerate(person.sessions):
            moment = start + timedelta(days=30 * number)
            chat = []
            for turn, text in enumerate(session):
                chat.append({"role": "user", "content": text, "timestamp": (moment + timedelta(minutes=2 * turn)).isoformat()})
                chat.append({"role": "assistant", "content": "Got it, thanks for telling me.",
                             "timestamp": (moment + timedelta(minutes=2 * turn, seconds=20)).isoformat()})
            began = time.perf_counter()
            job = client.memories.ingest(cube.id, chat, user_id=user, session_id=f"{user}-{number}", wait=True)
            ingest_seconds += time.perf_counter() - began
            messages += len(chat)
            if job.status != "succeeded":
                failures.append(job.error)

    per_pool: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    examples: list[dict[str, Any]] = []
    for person in suite:
        user = person.name.lower()
        readable = not held_out(person.pool)
        active = [memory for page in _all_pages(client, cube.id, user) for memory in page]
        facts = [memory for memory in active if memory.memory_type != "episode"]
        attributes = [memory.metadata.get("attribute") for memory in facts if memory.metadata.get("attribute")]
        contents = [" ".join(re.findall(r"\w+", memory.content.lower())) for memory in facts]
        duplicates = (len(attributes) - len(set(attributes))) + (len(contents) - len(set(contents)))
        per_pool[person.pool]["duplicates"].append(duplicates)
        for kind, value in person.current.items():
            hits = client.memories.search(cube.id, QUESTIONS[kind].format(name=person.name), top_k=10, user_id=user)
            texts = [hit.memory.content for hit in hits]
            current_rank = next((rank for rank, text in enumerate(texts) if has(text, value)), None)
            stale_rank = next((rank for rank, text in enumerate(texts) if any(has(text, old) for old in person.stale[kind])),
                              None)
            per_pool[person.pool]["accuracy@1"].append(float(current_rank == 0))
            if person.stale[kind]:
                per_pool[person.pool]["stale_above_current"].append(
                    float(stale_rank is not None and (current_rank is None or stale_rank < current_rank)))
            if current_rank != 0 and readable and sum(example["pool"] == person.pool for example in examples) < 8:
                examples.append({"question": QUESTIONS[kind].format(name=person.name), "expected": value,
                                 "stale": person.stale[kind], "top": texts[:3], "pool": person.pool})
        for kind, value in person.retracted.items():
            lingering = [memory.content for memory in active if has(memory.content, value)]
            hits = client.memories.search(cube.id, f"{person.name} {kind} {value}", top_k=10, user_id=user)
            found = [hit.memory.content for hit in hits if has(hit.memory.content, value)]
            per_pool[person.pool]["deletion_compliance"].append(float(not lingering and not found))
            if (lingering or found) and readable:
                examples.append({"retracted": value, "kind": kind, "lingering": lingering + found, "pool": person.pool})
    client.close()
    summary = {pool: {name: (statistics.fmean(values) if name != "duplicates" else int(sum(values)))
                      for name, values in metrics.items()} | {"questions": len(metrics["accuracy@1"]),
                                                             "retractions": len(metrics["deletion_compliance"])}
               for pool, metrics in sorted(per_pool.items())}
    return {"people": people, "messages": messages, "ingest_seconds": ingest_seconds,
            "messages_per_second": messages / ingest_seconds, "failed_jobs": failures, "pools": summary,
            "misses": examples}


def _all_pages(client: MemOS, cube_id: Any, user: str):
    after = None
    while True:
        page = client.memories.list(cube_id, user_id=user, limit=200, after=after)
        yield page.data
        if not page.has_more:
            return
        after = page.next_cursor


def table(results: dict[str, Any]) -> str:
    header = ["phrasings", "questions", "current@1", "stale above current", "retractions", "deletion compliance",
              "duplicates"]
    rows = [[pool, metrics["questions"], metrics["accuracy@1"], metrics.get("stale_above_current", 0.0),
             metrics["retractions"], metrics.get("deletion_compliance", 1.0), metrics.get("duplicates", 0)]
            for pool, metrics in results["pools"].items()]
    return (markdown_table(header, rows) + f"\n\nIngestion: {results['messages']} messages in "
            f"{results['ingest_seconds']:.1f} s through the API and one worker, one session at a time with wait=true "
            f"({results['messages_per_second']:.1f} messages/s); failed jobs: {len(results['failed_jobs'])}.")
