"""Conversation templates for practice sets, written for this project.

Each template draws its details from `wordlists` with the caller's random generator and returns a
`Draft`: who says what, and questions whose wrong options are things the speakers also mention
(the trap the real paper sets: a time that was proposed and then changed, a place visited second).
A question names the line(s) holding its evidence; the generator turns them into seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from . import wordlists as words

MAN, WOMAN = "M", "W"
ROLE_NOUN = {MAN: "the man", WOMAN: "the woman"}
_PRONOUNS = {MAN: {"He": "He", "he": "he", "His": "His", "his": "his", "him": "him"},
             WOMAN: {"He": "She", "he": "she", "His": "Her", "his": "her", "him": "her"}}


@dataclass(frozen=True)
class Line:
    role: str
    text: str


@dataclass(frozen=True)
class Item:
    """One question: the right option, two wrong ones, its type and the evidence lines."""

    text: str
    correct: str
    wrong: tuple[str, str]
    type: str
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class Draft:
    template: str
    lines: tuple[Line, ...]
    questions: tuple[Item, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.role for line in self.lines))


@dataclass(frozen=True)
class Cast:
    """Names for one conversation: the man, the woman and a family name."""

    man: str
    woman: str
    surname: str

    def name(self, role: str) -> str:
        return self.man if role == MAN else self.woman

    @classmethod
    def draw(cls, rng: random.Random) -> Cast:
        return cls(rng.choice(words.MALE_NAMES), rng.choice(words.FEMALE_NAMES), rng.choice(words.SURNAMES))


def _other(role: str) -> str:
    return WOMAN if role == MAN else MAN


def _roles(rng: random.Random) -> tuple[str, str]:
    """Who speaks first: either the man or the woman, so templates do not always cast the same way."""
    first = rng.choice((MAN, WOMAN))
    return first, _other(first)


def _option(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _pronouns(template: str, role: str) -> str:
    return template.format(**_PRONOUNS[role])


def clock(minutes: int) -> str:
    """Minutes after midnight as a 12-hour clock time the way people say it: 1170 → "7:30"."""
    hour, minute = divmod(minutes % (24 * 60), 60)
    return f"{(hour - 1) % 12 + 1}:{minute:02d}"


def _item(text: str, correct: str, wrong: tuple[str, str], kind: str, evidence: tuple[int, ...]) -> Item:
    options = tuple(_option(o) for o in (correct, *wrong))
    if len({o.lower() for o in options}) != 3:
        raise AssertionError(f"template made equal options: {options}")  # a template bug, never user input
    return Item(text, options[0], (options[1], options[2]), kind, evidence)


# Section 1: short conversations, one question each ------------------------------------------

def meeting_time(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    place, event = rng.choice(words.EVENTS)
    start = rng.choice(range(18 * 60, 20 * 60 + 1, 15))
    proposed = start - rng.choice((45, 60))
    agreed = proposed + rng.choice((15, 20, 25))
    obligation = rng.choice(words.OBLIGATIONS)
    lines = (
        Line(a, f"{cast.name(b)}, {event} starts at {clock(start)}. Shall we meet at the {place} at {clock(proposed)}?"),
        Line(b, f"I can't make {clock(proposed)}. I have {obligation} until then. How about {clock(agreed)}?"),
        Line(a, rng.choice(("All right.", "Fine, but don't be late.", "OK, see you then."))),
    )
    question = _item("When will the speakers meet?", f"At {clock(agreed)}",
                     (f"At {clock(proposed)}", f"At {clock(start)}"), "time", (1, 2))
    return Draft("meeting_time", lines, (question,))


def shop_price(rng: random.Random, cast: Cast) -> Draft:
    buyer, seller = _roles(rng)
    singular, plural, low, high = rng.choice(words.ITEMS)
    first_colour, second_colour = rng.sample(words.COLOURS, 2)
    count = rng.choice((2, 3))
    while True:
        dearer, cheaper = sorted(rng.sample(range(low, high + 1), 2), reverse=True)
        if count * cheaper != dearer:
            break
    lines = (
        Line(buyer, f"Excuse me, how much are these {plural}?"),
        Line(seller, f"The {first_colour} ones are {dearer} dollars, and the {second_colour} ones are {cheaper}."),
        Line(buyer, f"{words.NUMBER_WORDS[count].capitalize()} {second_colour} ones, please."),
    )
    question = _item(f"How much will {ROLE_NOUN[buyer]} pay?", f"${count * cheaper}", (f"${cheaper}", f"${dearer}"),
                     "price", (1, 2))
    return Draft("shop_price", lines, (question,))


def first_errand(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    (later, later_job), (first, first_job), (third, third_job) = rng.sample(words.ERRANDS, 3)
    lines = (
        Line(a, f"Where are you going, {cast.name(b)}?"),
        Line(b, f"To the {later}, to {later_job}. But first, the {first}, to {first_job}."),
        Line(a, f"Could you stop at the {third} for me too?"),
    )
    question = _item(f"Where is {ROLE_NOUN[b]} going first?", f"The {first}", (f"The {later}", f"The {third}"),
                     "place", (1,))
    return Draft("first_errand", lines, (question,))


def weekend_plan(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    planned, instead, other = rng.sample(words.ACTIVITIES, 3)
    relative, pronoun = rng.choice(words.RELATIVES)
    lines = (
        Line(a, f"Are you going to {planned} this weekend, {cast.name(b)}?"),
        Line(b, f"I wanted to, but my {relative} is coming, so I'll {instead} with {pronoun}."),
        Line(a, f"Nice. I have to {other}."),
    )
    question = _item(f"What will {ROLE_NOUN[b]} probably do this weekend?", instead, (planned, other),
                     "intention", (1,))
    return Draft("weekend_plan", lines, (question,))


# Each relationship scene: (builder of lines for roles a, b and the cast, right answer, wrong answers, evidence)
def _doctor(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, "Good morning. What seems to be the problem?"),
            Line(b, "I've had a sore throat for three days. My teacher sent me home from class."),
            Line(a, "Open your mouth, please. Take this medicine twice a day after meals."))


def _waiter(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, "Are you ready to order?"),
            Line(b, "Yes, the fish soup, please. My boss says it's the best in town."),
            Line(a, "Good choice. Anything to drink?"))


def _teacher(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, f"{cast.name(b)}, your essay was much better this time, but you handed it in two days late."),
            Line(b, f"I'm sorry. I was helping my mother in her shop all week."),
            Line(a, "Next time, tell me before the deadline."))


def _hotel(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, "Good evening. Welcome to the Riverside. Do you have a reservation?"),
            Line(b, f"Yes, under the name {cast.surname}. My secretary booked it last week."),
            Line(a, "Here's your key. Breakfast is served from seven."))


def _parent(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, f"{cast.name(b)}, have you finished your homework? Dinner is almost ready."),
            Line(b, "Nearly. Can I watch TV after dinner? My teacher says the whale programme is good for science."),
            Line(a, "Only if your room is tidy."))


def _taxi(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, "Where to?"),
            Line(b, "The airport, please. Could you hurry? My flight leaves in an hour."),
            Line(a, "I'll take the motorway, then. That'll be about forty dollars."))


def _colleague(a: str, b: str, cast: Cast) -> tuple[Line, ...]:
    return (Line(a, f"{cast.name(b)}, I need the sales report on my desk by Friday."),
            Line(b, "No problem. I'll ask the others in my team for their figures today."),
            Line(a, "Good. I'll present it to the directors on Monday."))


_SCENES: tuple[tuple[Callable[[str, str, Cast], tuple[Line, ...]], dict[str, str], str, tuple[str, str], int], ...] = (
    (_doctor, {}, "Doctor and patient", ("Teacher and student", "Shop assistant and customer"), 2),
    (_waiter, {WOMAN: "Waitress and customer", MAN: "Waiter and customer"}, "", ("Boss and employee", "Cook and waiter"), 0),
    (_teacher, {}, "Teacher and student", ("Mother and child", "Shop assistant and customer"), 2),
    (_hotel, {}, "Receptionist and guest", ("Boss and secretary", "Neighbours"), 2),
    (_parent, {WOMAN: "Mother and child", MAN: "Father and child"}, "", ("Teacher and student", "Brother and sister"), 2),
    (_taxi, {}, "Driver and passenger", ("Flight attendant and passenger", "Police officer and driver"), 2),
    (_colleague, {}, "Manager and employee", ("Colleagues in the same team", "Salesperson and customer"), 0),
)


def relationship(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    build, by_role, answer, wrong, evidence = rng.choice(_SCENES)
    answer = by_role.get(a, answer)
    question = _item("What is the probable relationship between the speakers?", answer, wrong, "relationship", (evidence,))
    return Draft("relationship", build(a, b, cast), (question,))


def opinion(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    work, aspects = rng.choice(words.WORKS)
    (liked, liked_plural), (disliked, disliked_plural) = rng.sample(aspects, 2)
    praise, complaint = rng.choice(words.PRAISE), rng.choice(words.COMPLAINTS)
    be = {True: "were", False: "was"}
    lines = (
        Line(a, f"How did you like the {work}, {cast.name(b)}?"),
        Line(b, f"The {liked} {be[liked_plural]} {praise}, but to be honest, I found the {disliked} {complaint}."),
        Line(a, f"Really? I thought the {disliked} {be[disliked_plural]} the best part."),
    )
    question = _item(f"What does {ROLE_NOUN[b]} think of the {work}?", f"The {liked} {be[liked_plural]} {praise}",
                     (f"The {disliked} {be[disliked_plural]} the best part", f"The {liked} {be[liked_plural]} {complaint}"),
                     "opinion", (1,))
    return Draft("opinion", lines, (question,))


def head_count(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    invited = rng.randint(9, 25)
    absent = rng.randint(2, 6)
    chairs = invited + rng.randint(3, 8)
    party = rng.choice(words.PARTIES)
    lines = (
        Line(a, f"How many people are coming to your {party}, {cast.name(b)}?"),
        Line(b, f"I invited {invited}, but {absent} can't come because of {rng.choice(words.ABSENCE_REASONS)}."),
        Line(a, f"Well, we have {chairs} chairs."),
    )
    question = _item(f"How many people will come to the {party}?", str(invited - absent), (str(invited), str(chairs)),
                     "number", (1,))
    return Draft("head_count", lines, (question,))


def late_reason(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    said, reason = rng.choice(words.LATE_REASONS)
    lines = (
        Line(a, f"You're {rng.choice((10, 15, 20, 30))} minutes late, {cast.name(b)}. Did you miss the bus?"),
        Line(b, f"No, and the traffic was fine. Actually, {said}."),
    )
    question = _item(f"Why is {ROLE_NOUN[b]} late?", _pronouns(reason, b),
                     (_pronouns("{He} missed the bus.", b), "The traffic was heavy."), "reason", (1,))
    return Draft("late_reason", lines, (question,))


def travel_mode(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    asked, rejected, chosen = rng.sample(sorted(words.TRANSPORT), 3)
    town = rng.choice(words.TOWNS)
    lines = (
        Line(a, f"How are you getting to {town} tomorrow, {cast.name(b)}? Are you taking the {asked}?"
             if asked != "car" else f"How are you getting to {town} tomorrow, {cast.name(b)}? Are you driving?"),
        Line(b, f"No, {words.TRANSPORT[asked][1]}, and {words.TRANSPORT[rejected][1]}. "
                f"So {words.TRANSPORT[chosen][2]}."),
    )
    question = _item(f"How will {ROLE_NOUN[b]} travel to {town}?", words.TRANSPORT[chosen][0],
                     (words.TRANSPORT[asked][0], words.TRANSPORT[rejected][0]), "detail", (1,))
    return Draft("travel_mode", lines, (question,))


def moved_day(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    event, outdoors = rng.choice(words.SCHOOL_EVENTS)
    planned, moved, considered = rng.sample(words.DAYS, 3)
    lines = (
        Line(a, f"Is {event} still on {planned}?"),
        Line(b, f"No, it's moved to {moved}, because of {rng.choice(words.DELAY_REASONS[outdoors])}. "
                f"We couldn't get {considered}."),
    )
    question = _item(f"When will {event.replace('our ', 'the ')} take place?", f"On {moved}",
                     (f"On {planned}", f"On {considered}"), "time", (1,))
    return Draft("moved_day", lines, (question,))


def sibling_job(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    before, now, dream = rng.sample(words.JOBS, 3)
    sibling, pronoun = rng.choice((("sister", "she"), ("brother", "he")))
    lines = (
        Line(a, f"What does your {sibling} do now, {cast.name(b)}? Is {pronoun} still {before}?"),
        Line(b, f"No, {pronoun}'s {now} now, though {pronoun}'s always wanted to be {dream}."),
    )
    question = _item(f"What does {ROLE_NOUN[b]}'s {sibling} do now?", f"{pronoun.capitalize()}'s {now}",
                     (f"{pronoun.capitalize()}'s {before}", f"{pronoun.capitalize()}'s {dream}"), "identity", (1,))
    return Draft("sibling_job", lines, (question,))


def room_change(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    meeting = rng.choice(words.MEETINGS)
    old_floor, new_floor = rng.sample(sorted(words.FLOORS), 2)
    old, new = old_floor * 100 + rng.randint(1, 20), new_floor * 100 + rng.randint(1, 20)
    near = new + rng.choice((-1, 1, 2))
    lines = (
        Line(a, f"Excuse me, is {meeting} in Room {old}?"),
        Line(b, f"It was, but now it's in Room {new}, next to {near}. {old} is being painted."),
    )
    question = _item(f"Where will {meeting} be held?", f"In Room {new}", (f"In Room {old}", f"In Room {near}"),
                     "place", (1,))
    return Draft("room_change", lines, (question,))


def declined_invitation(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    outing = rng.choice(words.OUTINGS)
    task, done = rng.choice(words.TASKS)
    lines = (
        Line(a, f"We're going to {outing} tonight, {cast.name(b)}. Want to come?"),
        Line(b, f"I'd love to, but I must {task} by tomorrow morning."),
    )
    question = _item(f"What does {ROLE_NOUN[b]} mean?", _pronouns("{He} can't go out with them tonight.", b),
                     (_pronouns(done, b), _pronouns("{He} will join them tomorrow morning.", b)), "meaning", (1,))
    return Draft("declined_invitation", lines, (question,))


SHORT_TEMPLATES: dict[str, Callable[[random.Random, Cast], Draft]] = {
    f.__name__: f for f in (meeting_time, shop_price, first_errand, weekend_plan, relationship, opinion, head_count,
                            late_reason, travel_mode, moved_day, sibling_job, room_change, declined_invitation)
}


# Section 2: longer conversations and monologues, 3-4 candidate questions each ----------------

def table_booking(rng: random.Random, cast: Cast) -> Draft:
    staff, caller = _roles(rng)
    restaurant, day = rng.choice(words.RESTAURANTS), rng.choice(words.DAYS[4:])
    guests = rng.randint(4, 8)
    wished = rng.choice(range(18 * 60, 19 * 60 + 31, 30))
    early, late = wished - 30, wished + 90
    anniversary = rng.choice(words.ANNIVERSARIES)
    lines = (
        Line(staff, f"Good afternoon, {restaurant}. Can I help you?"),
        Line(caller, f"I'd like a table for {guests} on {day} evening, at about {clock(wished)}."),
        Line(staff, f"Sorry, {clock(wished)} is full. I can offer {clock(early)} or {clock(late)}."),
        Line(caller, f"{clock(late)} is too late for my grandmother. We'll take {clock(early)}."),
        Line(staff, "Fine. Is it a special occasion?"),
        Line(caller, f"Yes, my parents' {anniversary} wedding anniversary. Oh, and my brother's bringing his "
                     f"girlfriend, so make that {guests + 1}."),
    )
    who = ROLE_NOUN[caller]
    his = _PRONOUNS[caller]["his"]
    questions = (
        _item(f"What time will {who}'s family have dinner?", f"At {clock(early)}", (f"At {clock(wished)}", f"At {clock(late)}"),
              "time", (2, 3)),
        _item("How many people will come to dinner?", str(guests + 1), (str(guests), str(guests + 2)), "number", (5,)),
        _item(f"Why is {who} booking the table?", f"To celebrate {his} parents' anniversary",
              (f"To celebrate {his} grandmother's birthday", f"To meet {his} brother's girlfriend"), "reason", (5,)),
        _item("What is the probable relationship between the speakers?", "Restaurant worker and customer",
              ("Brother and sister" if caller == MAN else "Sister and brother", "Husband and wife"), "relationship", (0, 1)),
    )
    return Draft("table_booking", lines, questions)


def weekend_trip(rng: random.Random, cast: Cast) -> Draft:
    a, b = _roles(rng)
    (costly, _), (chosen, known_for), (far, _) = rng.sample(words.DESTINATIONS, 3)
    month = rng.choice(words.MONTHS)
    lines = (
        Line(a, f"Where shall we go this weekend, {cast.name(b)}?"),
        Line(b, f"I thought of {costly}, but its hotels are expensive in {month}."),
        Line(a, f"What about {chosen}? It's nearer than {far}, and famous for {known_for}."),
        Line(b, "Good idea. We could leave on Friday after work."),
        Line(a, "Friday trains are crowded. Let's go on Saturday morning."),
        Line(b, "OK. I'll book the tickets tonight. You find a cheap hotel."),
    )
    questions = (
        _item("Where will the speakers go?", chosen, (costly, far), "place", (2, 3)),
        _item("When will the speakers leave?", "On Saturday morning", ("On Friday after work", "On Friday morning"),
              "time", (4, 5)),
        _item(f"What will {ROLE_NOUN[b]} do tonight?", "Book the tickets", ("Find a cheap hotel", f"Take the train to {chosen}"),
              "intention", (5,)),
        _item(f"Why doesn't {ROLE_NOUN[b]} want to go to {costly}?", "The hotels are expensive",
              (f"It is farther than {chosen}", "The trains are crowded"), "reason", (1,)),
    )
    return Draft("weekend_trip", lines, questions)


def lost_bag(rng: random.Random, cast: Cast) -> Draft:
    clerk, owner = _roles(rng)
    bag, feature = rng.choice(words.BAGS), rng.choice(words.BAG_FEATURES)
    own_colour, other_colour, third_colour = rng.sample(words.COLOURS, 3)
    taken = rng.choice(range(7 * 60, 9 * 60, 15))
    usual = taken + rng.choice((30, 45))
    town = rng.choice(words.TOWNS)
    lines = (
        Line(clerk, "Lost property. Can I help you?"),
        Line(owner, f"I left my {bag} on the {clock(taken)} from {town}. I usually take the {clock(usual)}."),
        Line(clerk, "What does it look like?"),
        Line(owner, f"It's {own_colour}, with {feature}."),
        Line(clerk, f"We have a {other_colour} one, and this {own_colour} one from the {clock(taken)}. Yours?"),
        Line(owner, "Yes, thanks!"),
        Line(clerk, "Just sign this form, please. You don't need to show your ticket."),
    )
    questions = (
        _item(f"When did {ROLE_NOUN[owner]}'s train leave {town}?", f"At {clock(taken)}",
              (f"At {clock(usual)}", f"At {clock(usual + 30)}"), "time", (1,)),
        _item(f"What colour is {ROLE_NOUN[owner]}'s {bag}?", own_colour.capitalize(),
              (other_colour.capitalize(), third_colour.capitalize()), "detail", (3, 4)),
        _item(f"What does {ROLE_NOUN[clerk]} ask {ROLE_NOUN[owner]} to do?", "Sign a form",
              ("Show a ticket", "Come back later"), "intention", (6,)),
    )
    return Draft("lost_bag", lines, questions)


def club_talk(rng: random.Random, cast: Cast) -> Draft:
    speaker = rng.choice((MAN, WOMAN))
    club, first, second, included, bring = rng.choice(words.CLUBS)
    day, deadline = rng.sample(words.DAYS[:5], 2)
    room, old_room = rng.sample(words.ROOMS, 2)
    term_fee = rng.randint(3, 8) * 5
    month_fee = rng.randint(2, 4) * 3
    month = rng.choice(words.MONTHS)
    lines = (
        Line(speaker, f"Hello, everyone. I'm {cast.name(speaker)}, head of the {club} club."),
        Line(speaker, f"We now meet on {day}s in {room}, not in {old_room}."),
        Line(speaker, f"This term we'll {first}, and in {month} we'll {second}."),
        Line(speaker, f"It's {term_fee} dollars a term, or {month_fee} a month. That covers {included}; bring your own {bring}."),
        Line(speaker, f"Sign up with me before {deadline}."),
    )
    questions = (
        _item("Where does the club meet now?", room[0].upper() + room[1:],
              (old_room[0].upper() + old_room[1:], "The sports hall"), "place", (1,)),
        _item("How much does it cost to join for a term?", f"${term_fee}", (f"${month_fee}", f"${term_fee + 10}"),
              "price", (3,)),
        _item("What must members bring?", f"Their own {bring}", (included.capitalize(), "A photo of themselves"),
              "detail", (3,)),
        _item("What is the talk mainly about?", f"The plans of the {club} club", (f"A trip in {month}", "A new meeting room"),
              "topic", (0, 1, 2)),
    )
    return Draft("club_talk", lines, questions)


def flat_viewing(rng: random.Random, cast: Cast) -> Draft:
    caller, owner = _roles(rng)
    street, landmark = rng.choice(words.STREETS), rng.choice(words.LANDMARKS)
    rent = rng.randint(12, 20) * 50
    power = rng.randint(4, 9) * 10
    said, reason = rng.choice(words.MOVE_REASONS)
    busy_day, free_day = rng.sample(words.DAYS[:6], 2)
    lines = (
        Line(caller, f"Hello, is the flat on {street} Street still available?"),
        Line(owner, f"Yes. Two bedrooms, close to {landmark}."),
        Line(caller, "How much is the rent?"),
        Line(owner, f"{rent} dollars a month, plus about {power} for electricity."),
        Line(caller, f"Fine. I need to move soon: {said}."),
        Line(owner, f"Can you see it on {busy_day} afternoon or {free_day} morning?"),
        Line(caller, f"I work on {busy_day}, so {free_day} morning."),
    )
    questions = (
        _item("How much is the rent each month?", f"${rent}", (f"${power}", f"${rent + power}"), "price", (3,)),
        _item(f"Why does {ROLE_NOUN[caller]} want to move?", _pronouns(reason, caller),
              tuple(_pronouns(r, caller) for _, r in rng.sample([m for m in words.MOVE_REASONS if m[1] != reason], 2)),
              "reason", (4,)),
        _item(f"When will {ROLE_NOUN[caller]} see the flat?", f"On {free_day} morning",
              (f"On {busy_day} afternoon", f"On {free_day} afternoon"), "time", (5, 6)),
        _item("What is the probable relationship between the speakers?", "Flat owner and possible tenant",
              ("Neighbours", "Colleagues at work"), "relationship", (0, 3)),
    )
    return Draft("flat_viewing", lines, questions)


LONG_TEMPLATES: dict[str, Callable[[random.Random, Cast], Draft]] = {
    f.__name__: f for f in (table_booking, weekend_trip, lost_bag, club_talk, flat_viewing)
}
