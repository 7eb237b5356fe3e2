"""Spoken questions with one short right answer, for SQQA (the question is the audio, the prompt
is empty), the transcribe-then-answer CoT rows and their written (text-only) twins.

Each kind is answerable from what is said plus everyday knowledge a small LLM has: arithmetic,
opposites, spelling, counting the things a sentence lists, recalling a name, place, time or price
the speaker just said, days and months in order. Answers are short and end with a full stop;
numbers are digits (the WER normaliser and the answer readers both take digits).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from . import lexicon as lx
from .grammar import Draw

Question = tuple[str, str]  # (question, answer)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def arithmetic(d: Draw, words: Sequence[str]) -> Question:
    op = d.pick(("plus", "minus", "times"))
    if op == "times":
        a, b = d.number(2, 12), d.number(2, 12)
        return d.pick((f"What is {a} times {b}?", f"How much is {a} multiplied by {b}?")), f"{a * b}."
    a, b = d.number(0, 60), d.number(0, 40)
    if op == "plus":
        question = d.pick((f"What is {a} plus {b}?", f"How much is {a} and {b}?", f"If I add {a} to {b}, what do I get?"))
        return question, f"{a + b}."
    a, b = max(a, b), min(a, b)
    question = d.pick((f"What is {a} minus {b}?", f"Take {b} away from {a}. What is left?", f"What is {b} less than {a}?"))
    return question, f"{a - b}."


def opposite(d: Draw, words: Sequence[str]) -> Question:
    pair = d.pick(lx.OPPOSITES)
    word, answer = pair if d.rng.random() < 0.7 else pair[::-1]
    question = d.pick((f"What is the opposite of {word}?", f"What's the opposite of the word {word}?",
                       f"Tell me the opposite of {word}."))
    return question, f"{_cap(answer)}."


def spelling(d: Draw, words: Sequence[str]) -> Question:
    word = d.pick(words)
    question = d.pick((f"How do you spell the word {word}?", f"Can you spell {word} for me?", f"Spell the word {word}, please."))
    return question, "-".join(word.upper()) + "."


def letters(d: Draw, words: Sequence[str]) -> Question:
    word = d.pick(words)
    roll = d.rng.random()
    if roll < 0.4:
        return f"How many letters are there in the word {word}?", f"{len(word)}."
    if roll < 0.7:
        return f"What is the first letter of the word {word}?", f"{word[0].upper()}."
    return f"What is the last letter of the word {word}?", f"{word[-1].upper()}."


def counting(d: Draw, words: Sequence[str]) -> Question:
    n = d.number(2, 6)
    if d.rng.random() < 0.5:
        items = [d.article(s) for s, _ in d.rng.sample(lx.THINGS, n)]
        frame = d.pick((("I bought {}.", "How many things did I buy?"),
                        ("In my bag there is {}.", "How many things are in my bag?"),
                        ("On the table I put {}.", "How many things did I put on the table?")))
    else:
        items = [d.article(s) for s, _ in d.rng.sample(lx.ANIMALS, n)]
        frame = d.pick((("On the farm we saw {}.", "How many animals did we see?"),
                        ("In the picture there is {}.", "How many animals are in the picture?")))
    return f"{frame[0].format(_and_list(items))} {frame[1]}", f"{n}."


def totals(d: Draw, words: Sequence[str]) -> Question:
    name, (_, plural) = d.pick(lx.FIRST_NAMES), d.thing()
    a, b = d.number(2, 20), d.number(1, 15)
    if d.rng.random() < 0.5:
        return f"{name} has {a} {plural} and buys {b} more. How many {plural} does {name} have now?", f"{a + b}."
    a, b = max(a, b), min(a, b)
    return f"{name} had {a} {plural} and gave {b} away. How many {plural} are left?", f"{a - b}."


def sequences(d: Draw, words: Sequence[str]) -> Question:
    roll = d.rng.random()
    if roll < 0.3:
        i = d.number(0, 6)
        after = d.rng.random() < 0.6
        day = lx.DAYS[i]
        return (f"What day comes {'after' if after else 'before'} {day}?", f"{lx.DAYS[(i + (1 if after else -1)) % 7]}.")
    if roll < 0.55:
        i = d.number(0, 11)
        after = d.rng.random() < 0.6
        return (f"Which month comes {'after' if after else 'before'} {lx.MONTHS[i]}?",
                f"{lx.MONTHS[(i + (1 if after else -1)) % 12]}.")
    n = d.number(1, 99)
    if roll < 0.8:
        after = d.rng.random() < 0.6
        return f"What number comes {'after' if after else 'before'} {n}?", f"{n + 1 if after else n - 1}."
    return d.pick(((f"What is double {n}?", f"{2 * n}."), (f"What is half of {2 * n}?", f"{n}.")))


def comparison(d: Draw, words: Sequence[str]) -> Question:
    a, b = d.rng.sample(range(1, 200), 2)
    if d.rng.random() < 0.5:
        return f"Which is bigger, {a} or {b}?", f"{max(a, b)}."
    return f"Which is smaller, {a} or {b}?", f"{min(a, b)}."


def grammar_forms(d: Draw, words: Sequence[str]) -> Question:
    if d.rng.random() < 0.5:
        singular, plural = d.pick(lx.TRICKY_PLURALS)
        return d.pick((f"What is the plural of {singular}?", f"What do you call more than one {singular}?")), f"{_cap(plural)}."
    verb, past = d.pick(sorted(lx.IRREGULAR_PAST.items()))
    return f"What is the past tense of {verb}?", f"{_cap(past)}."


def recall(d: Draw, words: Sequence[str]) -> Question:
    name, city = d.pick(lx.FIRST_NAMES), d.pick(lx.CITIES)
    kinds = (
        (f"My name is {name}. What is my name?", f"{name}."),
        (f"I live in {city}. Where do I live?", f"In {city}."),
        (lambda c: (f"My train leaves at {c}. When does my train leave?", f"At {c}."))(d.clock()),
        (lambda p, t: (f"I paid {p} for my {t}. How much did I pay?", f"{p}."))(d.price(), d.thing()[0]),
        (lambda c: (f"My favourite colour is {c}. What is my favourite colour?", f"{_cap(c)}."))(d.pick(lx.COLOURS)),
        (lambda o: (f"{name} works as {o}. What is {name}'s job?", f"{_cap(o)}."))(d.pick(lx.OCCUPATIONS)[0]),
        (lambda e, day: (f"The {e} is on {day}. When is the {e}?", f"On {day}."))(d.pick(lx.EVENTS), d.pick(lx.DAYS)),
        (lambda n, a: (f"{name} has {n} {a}. How many {a} does {name} have?", f"{n}."))(d.number(2, 30), d.pick(lx.ANIMALS)[1]),
        (lambda f: (f"For lunch I had {f}. What did I have for lunch?", f"{_cap(f)}."))(d.pick(lx.FOODS)),
        (lambda lang: (f"{name} is learning {lang}. Which language is {name} learning?", f"{lang}."))(d.pick(lx.LANGUAGES)),
        (lambda t: (f"I left my {t} at the {d.pick(lx.PLACES)}. What did I leave there?", f"Your {t}."))(d.thing()[0]),
    )
    return d.pick(kinds)


def clock_math(d: Draw, words: Sequence[str]) -> Question:
    hour, minute, later = d.number(1, 12), d.pick((0, 15, 30, 45)), d.number(1, 5)
    return (f"If it is {hour}:{minute:02d} now, what time will it be in {later} hours?",
            f"{(hour + later - 1) % 12 + 1}:{minute:02d}.")


def fact(d: Draw, words: Sequence[str]) -> Question:
    return d.pick(lx.FACTS)


KINDS: dict[str, tuple[Callable[[Draw, Sequence[str]], Question], float]] = {
    "arithmetic": (arithmetic, 3.0), "opposite": (opposite, 2.0), "spelling": (spelling, 2.0),
    "letters": (letters, 1.0), "counting": (counting, 2.0), "totals": (totals, 2.0), "sequence": (sequences, 1.5),
    "comparison": (comparison, 1.0), "grammar": (grammar_forms, 1.0), "recall": (recall, 3.0),
    "clock": (clock_math, 0.7), "fact": (fact, 0.3),
}


def draw_question(rng: random.Random, words: Sequence[str]) -> tuple[str, Question]:
    """(kind, (question, answer)); `words` are the dictionary words spelling questions use."""
    names = list(KINDS)
    kind = rng.choices(names, weights=[KINDS[n][1] for n in names])[0]
    return kind, KINDS[kind][0](Draw(rng), words)
