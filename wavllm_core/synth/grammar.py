"""Everyday English sentences and two-turn exchanges generated from `lexicon`'s word lists.

Dozens of sentence frames, each filled from lists of names, places, numbers, clock times, prices,
dates and some two hundred everyday verb phrases, so the same frame rarely repeats its words: a
model that learns only the frames still has to hear the names, numbers and objects to be right.
Every draw is a pure function of the caller's random generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import lexicon as lx

_DOUBLE_FINAL = frozenset(("stop", "plan", "drop", "jog", "chat", "skip", "hug", "swim", "run", "sit", "cut", "set",
                           "win", "put", "shut", "get", "begin", "forget", "travel", "cancel"))
_ES_ENDINGS = ("s", "sh", "ch", "x", "z", "o")
_VOWELS = "aeiou"


def conjugate(phrase: str, form: str) -> str:
    """A base-form verb phrase in another form: "past", "third" (he/she) or "ing"."""
    verb, _, rest = phrase.partition(" ")
    if form == "past":
        if verb in lx.IRREGULAR_PAST:
            word = lx.IRREGULAR_PAST[verb]
        elif verb in _DOUBLE_FINAL:
            word = verb + verb[-1] + "ed"
        elif verb.endswith("e"):
            word = verb + "d"
        elif verb.endswith("y") and verb[-2] not in _VOWELS:
            word = verb[:-1] + "ied"
        else:
            word = verb + "ed"
    elif form == "third":
        if verb == "have":
            word = "has"
        elif verb.endswith(_ES_ENDINGS):
            word = verb + "es"
        elif verb.endswith("y") and verb[-2] not in _VOWELS:
            word = verb[:-1] + "ies"
        else:
            word = verb + "s"
    elif form == "ing":
        if verb.endswith("ie"):
            word = verb[:-2] + "ying"
        elif verb in _DOUBLE_FINAL:
            word = verb + verb[-1] + "ing"
        elif verb.endswith("e") and not verb.endswith("ee"):
            word = verb[:-1] + "ing"
        else:
            word = verb + "ing"
    else:
        raise ValueError(f"unknown verb form {form!r}")
    return f"{word} {rest}".strip()


class Draw:
    """The slots the frames fill, each drawn from one random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, options):
        return self.rng.choice(options)

    def number(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def name(self) -> str:
        if self.rng.random() < 0.15:
            return f"{self.pick(lx.TITLES)} {self.pick(lx.SURNAMES)}"
        return self.pick(lx.FIRST_NAMES)

    def person(self) -> str:
        """Someone in the third person singular: a name, a relative or a person by their job."""
        roll = self.rng.random()
        if roll < 0.55:
            return self.name()
        if roll < 0.85:
            return f"my {self.pick(lx.RELATIVES)}"
        return "the " + self.pick(lx.OCCUPATIONS)[0].split(" ", 1)[1]

    def clock(self) -> str:
        hour = self.number(1, 12)
        roll = self.rng.random()
        if roll < 0.12:
            return f"{hour} o'clock"
        if roll < 0.2:
            return f"half past {hour}"
        if roll < 0.26:
            return f"a quarter to {hour}"
        return f"{hour}:{self.pick((0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55)):02d}"

    def price(self) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return f"${self.number(1, 99)}.{self.number(0, 99):02d}"
        if roll < 0.8:
            amount = self.number(2, 500)
            return f"{amount} {self.pick(lx.CURRENCIES)[1]}"
        return f"{self.number(5, 95)} cents"

    def date(self) -> str:
        day, month = self.pick(lx.DATE_ORDINALS), self.pick(lx.MONTHS)
        return f"the {day} of {month}" if self.rng.random() < 0.6 else f"{month} the {day}"

    def year(self) -> int:
        return self.number(1950, 2024)

    def vp(self) -> str:
        return self.pick(lx.VERB_PHRASES)

    def thing(self) -> tuple[str, str]:
        return self.pick(lx.THINGS)

    def article(self, noun: str) -> str:
        return ("an " if noun[0] in _VOWELS else "a ") + noun


Frame = Callable[[Draw], str]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _count(d: Draw, pair: tuple[str, str], low: int = 2, high: int = 20) -> str:
    n = d.number(low, high)
    return f"{n} {pair[1]}"


FRAMES: tuple[Frame, ...] = (
    lambda d: f"{_cap(d.person())} {conjugate(d.vp(), 'past')} {d.pick(lx.PAST_TIMES)}.",
    lambda d: f"{_cap(d.person())} is going to {d.vp()} {d.pick(lx.FUTURE_TIMES)}.",
    lambda d: f"I have to {d.vp()} before {d.clock()}.",
    lambda d: f"Could you {d.vp()} for me, please?",
    lambda d: f"Did {d.person()} {d.vp()} {d.pick(lx.PAST_TIMES)}?",
    lambda d: f"We usually {d.vp()} on {d.pick(lx.DAYS)}s.",
    lambda d: f"The train to {d.pick(lx.CITIES)} leaves from platform {d.number(1, 16)} at {d.clock()}.",
    lambda d: f"The flight from {d.pick(lx.CITIES)} to {d.pick(lx.CITIES)} is {d.number(10, 180)} minutes late.",
    lambda d: f"{_cap(d.person())} bought {_count(d, d.thing())} for {d.price()}.",
    lambda d: f"{_cap(d.article(d.thing()[0]))} costs {d.price()} at the {d.pick(lx.PLACES)}.",
    lambda d: f"It will be {d.number(-5, 35)} degrees and {d.pick(lx.WEATHER)} in {d.pick(lx.CITIES)} on {d.pick(lx.DAYS)}.",
    lambda d: f"My {d.pick(lx.RELATIVES)} lives in {d.pick(lx.CITIES)} and works as {d.pick(lx.OCCUPATIONS)[0]}.",
    lambda d: f"{_cap(d.name())} was born in {d.pick(lx.CITIES)} in {d.year()}.",
    lambda d: f"The {d.pick(lx.ADJECTIVES)} {d.thing()[0]} is on the {d.pick(lx.FURNITURE)} in the {d.pick(lx.ROOMS)}.",
    lambda d: f"There are {_count(d, d.pick(lx.ANIMALS), 2, 40)} in the {d.pick(lx.ANIMAL_PLACES)}.",
    lambda d: f"Please meet me at the {d.pick(lx.PLACES)} at {d.clock()} on {d.pick(lx.DAYS)}.",
    lambda d: f"The {d.pick(lx.EVENTS)} starts at {d.clock()} and ends at {d.clock()}.",
    lambda d: f"I'd like {_count(d, d.pick(lx.INGREDIENTS), 2, 6)} and a {d.pick(lx.DRINKS)}, please.",
    lambda d: f"{_cap(d.person())} plays the {d.pick(lx.INSTRUMENTS)} every {d.pick(lx.DAYS)}.",
    lambda d: f"My favourite subject at school was {d.pick(lx.SUBJECTS)}, but I was better at {d.pick(lx.SPORTS)}.",
    lambda d: f"{_cap(d.person())} has been learning {d.pick(lx.LANGUAGES)} for {d.number(2, 12)} years.",
    lambda d: f"Turn {d.pick(('left', 'right'))} at the {d.pick(lx.LANDMARKS)} and walk for {d.number(2, 15)} minutes.",
    lambda d: f"The {d.pick(lx.EVENTS)} has been moved from {d.pick(lx.DAYS)} to {d.date()}.",
    lambda d: f"Our {d.pick(lx.ROOMS)} needs a new {d.pick(lx.FURNITURE)} and a {d.pick(lx.COLOURS)} {d.thing()[0]}.",
    lambda d: f"Why didn't you {d.vp()} {d.pick(lx.PAST_TIMES)}?",
    lambda d: f"If it is {d.pick(lx.WEATHER)} tomorrow, we will {d.vp()} instead.",
    lambda d: f"{_cap(d.person())} always {conjugate(d.vp(), 'third')} after {d.pick(lx.MEALS)}.",
    lambda d: f"The {d.pick(lx.PLACES)} on {d.pick(lx.STREETS)} Street closes at {d.clock()} on {d.pick(lx.DAYS)}s.",
    lambda d: f"I lost my {d.thing()[0]} somewhere between the {d.pick(lx.PLACES)} and the {d.pick(lx.PLACES)}.",
    lambda d: f"{_cap(d.person())} ran {d.number(3, 42)} kilometres in {d.number(15, 240)} minutes.",
    lambda d: f"Room {d.number(1, 9)}{d.number(0, 2)}{d.number(1, 9)} is on the {d.pick(lx.ORDINALS[:8])} floor, next to the {d.pick(lx.ROOMS)}.",
    lambda d: f"The {d.pick(lx.ADJECTIVES)} {d.pick(lx.ANIMALS)[0]} chased the {d.pick(lx.ANIMALS)[0]} across the {d.pick(lx.TERRAINS)}.",
    lambda d: f"{_cap(d.person())} said that the {d.thing()[0]} was {d.pick(lx.ADVERBS)} {d.pick(lx.ADJECTIVES)}.",
    lambda d: f"We need {d.number(2, 30)} more {d.thing()[1]} for the {d.pick(lx.EVENTS)} on {d.pick(lx.DAYS)}.",
    lambda d: f"How long does it take to get from {d.pick(lx.CITIES)} to {d.pick(lx.CITIES)} by {d.pick(lx.TRANSPORT)}?",
    lambda d: f"The {d.pick(lx.COLOURS)} {d.pick(('car', 'van', 'bike', 'truck', 'scooter'))} parked outside belongs to {d.person()}.",
    lambda d: f"{_cap(d.name())} and {d.name()} are going to {d.vp()} together {d.pick(lx.FUTURE_TIMES)}.",
    lambda d: f"I think this {d.thing()[0]} is {d.pick(lx.ADVERBS)} {d.pick(lx.ADJECTIVES)}.",
    lambda d: f"Don't forget to {d.vp()} when you get home.",
    lambda d: (f"The recipe needs {_count(d, d.pick(lx.INGREDIENTS), 2, 6)}, some {d.pick(lx.MASS_INGREDIENTS)} "
               f"and a pinch of {d.pick(lx.SPICES)}."),
    lambda d: f"My {d.pick(lx.RELATIVES)} will be {d.number(5, 95)} years old on {d.date()}.",
    lambda d: f"{_cap(d.person())} is {d.pick(lx.OCCUPATIONS)[0]} at a {d.pick(lx.PLACES)} in {d.pick(lx.CITIES)}.",
    lambda d: f"The score was {d.number(0, 6)} to {d.number(0, 6)} at half time, and {d.name()} scored twice.",
    lambda d: f"Sorry, I can't {d.vp()} {d.pick(lx.FUTURE_TIMES)} because I have to {d.vp()}.",
    lambda d: (lambda a: f"This {d.thing()[0]} is {a[1]} than the one I bought in {d.pick(lx.CITIES)}.")(d.pick(lx.COMPARATIVES)),
    lambda d: f"Which {d.thing()[0]} would you like, the {d.pick(lx.COLOURS)} one or the {d.pick(lx.COLOURS)} one?",
    lambda d: f"Have you ever been to {d.pick(lx.CITIES)} or {d.pick(lx.COUNTRIES)}?",
    lambda d: f"The {d.pick(lx.PLACES)} is open from {d.clock()} to {d.clock()} on weekdays.",
    lambda d: f"{_cap(d.person())} wrote a {d.pick(lx.ADJECTIVES)} {d.pick(lx.DOCUMENTS)} about {d.pick(lx.TOPICS)}.",
    lambda d: f"{_cap(d.person())} was {conjugate(d.vp(), 'ing')} when the phone rang.",
    lambda d: f"We spent {d.price()} on {d.pick(lx.FOODS)} and {d.pick(lx.DRINKS)} at the {d.pick(lx.PLACES)}.",
    lambda d: f"I keep my {d.thing()[1]} in a {d.pick(lx.COLOURS)} {d.pick(lx.CONTAINERS)} under the {d.pick(lx.FURNITURE)}.",
    lambda d: f"{_cap(d.person())} moved to {d.pick(lx.COUNTRIES)} in {d.year()} to work as {d.pick(lx.OCCUPATIONS)[0]}.",
    lambda d: f"The {d.pick(lx.EVENTS)} in {d.pick(lx.CITIES)} sold {d.number(100, 9000)} tickets in {d.number(2, 48)} hours.",
    lambda d: f"Is it true that {d.person()} is {conjugate(d.vp(), 'ing')} {d.pick(lx.FUTURE_TIMES)}?",
    lambda d: f"For {d.pick(('breakfast', 'lunch', 'dinner'))} we had {d.pick(lx.FOODS)} with {d.pick(lx.FOODS)}.",
    lambda d: f"{_cap(d.person())} has {d.number(2, 9)} {d.pick(lx.ANIMALS)[1]} and {d.number(2, 9)} {d.pick(lx.ANIMALS)[1]} on the farm.",
    lambda d: f"Take the {d.pick(lx.TRANSPORT)} to {d.pick(lx.CITIES)} and change at {d.pick(lx.CITIES)}.",
    lambda d: f"The {d.pick(lx.PLACES)} has {d.number(2, 60)} {d.pick(lx.ADJECTIVES)} {d.thing()[1]} for sale.",
    lambda d: f"{_cap(d.person())} never {conjugate(d.vp(), 'third')} on {d.pick(lx.DAYS)}s.",
)


EXCHANGES: tuple[Callable[[Draw], tuple[str, str]], ...] = (
    lambda d: (f"What time does the {d.pick(lx.EVENTS)} start?", f"It starts at {d.clock()}, so we should leave at {d.clock()}."),
    lambda d: (f"Where did you put the {d.thing()[0]}?", f"I left it in the {d.pick(lx.CONTAINERS)} in the {d.pick(lx.ROOMS)}."),
    lambda d: (f"How much did you pay for the {d.thing()[0]}?", f"It was {d.price()}, which I thought was cheap."),
    lambda d: (f"Are you coming to {d.pick(lx.CITIES)} with us on {d.pick(lx.DAYS)}?", f"I can't, I have to {d.vp()} that day."),
    lambda d: (f"Have you seen {d.pick(lx.FIRST_NAMES)} today?", f"Yes, I saw {d.pick(lx.FIRST_NAMES)} at the {d.pick(lx.PLACES)} an hour ago."),
    lambda d: (f"How was your trip to {d.pick(lx.CITIES)}?", f"It was {d.pick(lx.TRIP_WORDS)}, but the weather was {d.pick(lx.WEATHER)}."),
    lambda d: (f"Which {d.pick(('bus', 'tram', 'train'))} goes to the {d.pick(lx.PLACES)}?",
               f"Take the number {d.number(1, 99)} and get off after {d.number(2, 9)} stops."),
    lambda d: (f"Can you help me {d.vp()}?", f"Sure, give me {d.number(2, 30)} minutes."),
    lambda d: ("What would you like to drink?", f"{_cap(d.pick(lx.DRINKS))}, please, and some {d.pick(lx.FOODS)} if you have any."),
    lambda d: (f"When is your {d.pick(lx.RELATIVES)}'s birthday?", f"It's on {d.date()}, so I need to buy a present soon."),
    lambda d: (f"Did you {d.vp()} {d.pick(lx.PAST_TIMES)}?", f"No, I forgot. I'll {d.vp()} {d.pick(lx.FUTURE_TIMES)}."),
    lambda d: (lambda n, t: (f"How many {t} do we need?", f"About {n}, but buy {n + 2} just in case."))(d.number(3, 30), d.thing()[1]),
    lambda d: (lambda r: (f"What does your {r} do?", f"My {r} works as {d.pick(lx.OCCUPATIONS)[0]} in {d.pick(lx.CITIES)}."))(
        d.pick(lx.RELATIVES)),
    lambda d: (f"Is the {d.pick(lx.PLACES)} far from here?", f"No, it's about {d.number(2, 25)} minutes on foot, past the {d.pick(lx.LANDMARKS)}."),
    lambda d: (f"Shall we {d.vp()} or {d.vp()}?", f"Let's {d.vp()} first and decide after {d.pick(lx.MEALS)}."),
    lambda d: (f"What's the weather like in {d.pick(lx.CITIES)}?", f"It's {d.pick(lx.WEATHER)} and about {d.number(-5, 35)} degrees."),
)


def sentences(rng: random.Random, count: int) -> list[str]:
    """`count` sentences (duplicates possible; the pool removes them), frames drawn evenly."""
    d = Draw(rng)
    return [rng.choice(FRAMES)(d) for _ in range(count)]


def exchanges(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` question-and-answer pairs for two-speaker dialogues."""
    d = Draw(rng)
    return [rng.choice(EXCHANGES)(d) for _ in range(count)]
