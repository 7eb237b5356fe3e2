"""Word lists for the practice-set generator, written for this project.

Each entry carries the forms a template needs (a plural, an article, a phrase for the dialogue and
one for the option), so templates stay readable and every draw reads as natural English.
Places and shops are invented or generic: nothing here is taken from a real exam paper.
"""

from __future__ import annotations

MALE_NAMES = (
    "Tom", "Jack", "David", "Peter", "Mike", "Sam", "Ben", "Alex", "Henry", "Oliver",
    "Daniel", "Chris", "Paul", "Mark", "Andy", "Leo", "Eric", "Frank", "George", "Kevin",
)
FEMALE_NAMES = (
    "Mary", "Lucy", "Susan", "Anna", "Emma", "Kate", "Linda", "Sarah", "Helen", "Amy",
    "Jenny", "Grace", "Alice", "Julia", "Nancy", "Rose", "Sophie", "Laura", "Lily", "Nora",
)
SURNAMES = (
    "Brown", "Smith", "Green", "White", "Miller", "Taylor", "Clark", "Baker", "Wilson", "Turner",
    "Hall", "Parker", "Cooper", "Ward", "Lee", "Carter", "Bell", "Hughes", "Fisher", "Morgan",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("March", "April", "May", "June", "September", "October", "November")
COLOURS = ("red", "blue", "green", "black", "grey", "yellow", "brown", "white")
NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
# Ordinals of a wedding anniversary, spelled out so the synthesizer reads them naturally.
ANNIVERSARIES = ("tenth", "twentieth", "twenty-fifth", "thirtieth", "fortieth")

# (meeting point, what is on): "the film starts at 7:30"
EVENTS = (
    ("cinema", "the film"), ("concert hall", "the concert"), ("stadium", "the match"),
    ("theatre", "the play"), ("museum", "the guided tour"), ("art centre", "the talk"),
)
OBLIGATIONS = ("a piano lesson", "a meeting", "a dentist's appointment", "football practice", "an online class",
               "a swimming lesson")

# (singular, plural, lowest price, highest price) in whole dollars
ITEMS = (
    ("T-shirt", "T-shirts", 8, 25), ("notebook", "notebooks", 2, 7), ("umbrella", "umbrellas", 6, 18),
    ("scarf", "scarves", 9, 30), ("mug", "mugs", 3, 9), ("cap", "caps", 5, 15),
    ("pair of socks", "socks", 2, 6), ("phone case", "phone cases", 7, 20), ("water bottle", "water bottles", 4, 12),
)

# (place, what the speaker needs to do there)
ERRANDS = (
    ("post office", "send a parcel to my aunt"), ("bank", "change some money for my trip"),
    ("library", "return two books"), ("supermarket", "buy some fruit for the party"),
    ("chemist's", "get some cough medicine"), ("bookshop", "pick up a dictionary I ordered"),
    ("hairdresser's", "get my hair cut"), ("dry cleaner's", "collect my suit"),
    ("sports centre", "book a tennis court"), ("train station", "buy a ticket for Friday"),
    ("bakery", "order a birthday cake"), ("repair shop", "pick up my bike"),
)

# Things to do at the weekend, in the base form a dialogue and an option both use.
ACTIVITIES = (
    "go hiking in the hills", "visit the science museum", "watch a football match", "paint the kitchen",
    "go camping by the lake", "learn to bake bread", "clean out the garage", "try the new Thai restaurant",
    "go to the beach", "see a musical", "go fishing on the river", "help at the animal shelter",
    "visit the night market", "go ice skating",
)
# (relative, object pronoun)
RELATIVES = (("aunt", "her"), ("uncle", "him"), ("cousin", "her"), ("grandmother", "her"),
             ("grandfather", "him"), ("older brother", "him"), ("best friend from school", "her"))

# (kind of work, aspects with whether the aspect is plural)
WORKS = (
    ("film", (("story", False), ("acting", False), ("music", False), ("ending", False), ("special effects", True))),
    ("play", (("costumes", True), ("acting", False), ("stage design", False), ("second half", False))),
    ("novel", (("plot", False), ("characters", True), ("ending", False), ("language", False))),
    ("exhibition", (("paintings", True), ("photographs", True), ("guide", False), ("lighting", False))),
    ("concert", (("singer", False), ("band", False), ("new songs", True), ("sound", False))),
)
# Words that fit every aspect above ("the ending was wonderful", "the guide was disappointing").
PRAISE = ("wonderful", "excellent", "brilliant", "fantastic", "really good")
COMPLAINTS = ("disappointing", "rather dull", "not very good", "a bit weak", "quite poor")

PARTIES = ("birthday party", "barbecue", "farewell party", "graduation party", "housewarming party")
ABSENCE_REASONS = ("a school trip", "the football final", "a family wedding", "their exams", "the bad weather")

# (past-tense reason as said, option with {He}/{his} for the speaker's pronouns)
LATE_REASONS = (
    ("I left my phone at home and had to go back for it", "{He} went back for {his} phone."),
    ("I stopped to help an old lady carry her heavy bags", "{He} helped an old lady."),
    ("my alarm clock didn't go off", "{His} alarm clock didn't ring."),
    ("I got on the wrong bus and ended up across town", "{He} took the wrong bus."),
    ("I had to wait at home for the plumber", "{He} waited for a plumber."),
    ("I couldn't find my keys anywhere", "{He} couldn't find {his} keys."),
)

# means of transport: (option, why not, why yes)
TRANSPORT = {
    "train": ("By train.", "the trains are full", "I'll take the early train"),
    "plane": ("By plane.", "flying costs too much", "I'm flying"),
    "coach": ("By coach.", "the coach is too slow", "I'll take the coach"),
    "car": ("By car.", "my car is being repaired", "my brother is driving me"),
}
TOWNS = ("Port Ellis", "Oakridge", "Millbrook", "Ashford Bay", "Riverton", "Stoneham", "Kingsmead", "Larchfield")

# (event, whether it happens outdoors)
SCHOOL_EVENTS = (("the sports day", True), ("our club meeting", False), ("the class picnic", True),
                 ("the book fair", False), ("the piano concert", False), ("the charity run", True))
DELAY_REASONS = {True: ("the heavy rain", "the storm warning", "the work on the field"),
                 False: ("the teachers' meeting", "the school inspection", "the broken heating")}

# (job with its article)
JOBS = ("a nurse", "an engineer", "a lawyer", "a pilot", "a chef", "a journalist", "a dentist",
        "an accountant", "a photographer", "an architect", "a vet", "a teacher", "a bank clerk")
MEETINGS = ("the staff meeting", "the French class", "the job interview", "the chess club", "the first-aid course")
FLOORS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}

# Invitations turned down: (outing, task as said, task done as an option with {his})
OUTINGS = ("have dinner at the Italian place", "see the new science-fiction film", "go bowling", "go to a jazz club")
TASKS = (
    ("finish my history essay", "{He} has finished {his} history essay."),
    ("prepare a talk for my boss", "{He} has prepared {his} talk."),
    ("pack for my trip to the coast", "{He} has packed for {his} trip."),
    ("study for my driving test", "{He} has passed {his} driving test."),
)

RESTAURANTS = ("the Green Garden", "Luigi's", "the Golden Lantern", "the Harbour Grill", "Blue Olive")
# Trip destinations: (place, what it is known for)
DESTINATIONS = (
    ("Port Ellis", "the old harbour"), ("Millbrook Lake", "the boat trips"), ("Oakridge", "the forest walks"),
    ("Ashford Bay", "the sandy beaches"), ("Stoneham", "the castle"), ("Larchfield", "the flower gardens"),
)
BAGS = ("backpack", "briefcase", "sports bag", "handbag", "laptop bag")
BAG_FEATURES = ("a broken zip", "a small badge on the front", "a long strap", "two side pockets", "a name tag")
# School clubs: name, two activities, what the fee includes, what members bring
CLUBS = (
    ("photography", "take photos around the old town", "hold an exhibition in the school hall", "printing", "camera"),
    ("drama", "put on a short comedy", "perform at the school festival", "costumes", "script folder"),
    ("cooking", "learn dishes from five countries", "run a cake stall at the school fair", "ingredients", "apron"),
    ("hiking", "walk a different hill path every month", "camp for a night by the river", "bus tickets", "walking boots"),
    ("chess", "play against a club from another school", "hold a tournament for beginners", "chess sets", "notebook"),
)
ROOMS = ("the school library", "the music room", "the art room", "Room 204", "the science lab", "the main hall")
STREETS = ("Maple", "Church", "Park", "Station", "Hill", "Mill", "Oak")
LANDMARKS = ("the underground station", "the city park", "a big shopping centre", "the university")
# Why someone moves: (as said, option with {His}/{his})
MOVE_REASONS = (
    ("my new job is across the city", "{His} new job is far from {his} home."),
    ("my flat is too small for my piano", "{His} flat is too small."),
    ("my neighbours are noisy at night", "{His} neighbours are noisy."),
    ("my landlord is selling the house", "{His} landlord is selling the house."),
)
