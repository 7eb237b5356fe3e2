"""Word lists for the sentence grammar and the spoken questions, written for this project.

Large on purpose: the grammar's frames are only a skeleton, the words that fill them are what a
model trained on the audio must hear. Every entry is everyday English that flite reads well
(numbers, times and prices are written as digits, which it reads as people say them).
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Albert", "Alex", "Alice", "Amanda", "Amelia", "Amy",
    "Andrew", "Angela", "Anna", "Anthony", "Arthur", "Barbara", "Ben", "Beth", "Bill", "Brian", "Bruce", "Carl",
    "Carlos", "Caroline", "Catherine", "Charles", "Charlotte", "Chloe", "Chris", "Claire", "Colin", "Daniel",
    "David", "Deborah", "Dennis", "Diana", "Donald", "Dorothy", "Edward", "Elena", "Eliza", "Ellen", "Emily",
    "Emma", "Eric", "Ethan", "Eva", "Fatima", "Fiona", "Frank", "Fred", "Gary", "George", "Grace", "Greg",
    "Hannah", "Harry", "Hassan", "Heather", "Helen", "Henry", "Isaac", "Isabel", "Jack", "Jacob", "James",
    "Jane", "Janet", "Jason", "Jeff", "Jennifer", "Jessica", "Joan", "John", "Jonathan", "Joseph", "Joyce",
    "Julia", "Julian", "Karen", "Kate", "Keith", "Kevin", "Laura", "Leo", "Lewis", "Linda", "Lisa", "Louise",
    "Lucy", "Luke", "Margaret", "Maria", "Mark", "Martha", "Martin", "Mary", "Matthew", "Megan", "Michael",
    "Michelle", "Mike", "Monica", "Nancy", "Nathan", "Neil", "Nick", "Nina", "Noah", "Olivia", "Oscar", "Pablo",
    "Pamela", "Patrick", "Paul", "Peter", "Philip", "Rachel", "Ray", "Rebecca", "Richard", "Rita", "Robert",
    "Rose", "Ruby", "Ruth", "Ryan", "Sally", "Sam", "Samuel", "Sandra", "Sarah", "Scott", "Sharon", "Simon",
    "Sofia", "Sophie", "Stella", "Stephen", "Steve", "Susan", "Thomas", "Tim", "Tina", "Tom", "Tony", "Victor",
    "Victoria", "Walter", "Wendy", "William", "Yusuf", "Zoe",
)
SURNAMES = (
    "Adams", "Allen", "Anderson", "Bailey", "Baker", "Bell", "Bennett", "Brooks", "Brown", "Campbell", "Carter",
    "Clark", "Collins", "Cook", "Cooper", "Davies", "Davis", "Edwards", "Evans", "Fisher", "Foster", "Garcia",
    "Gray", "Green", "Hall", "Harris", "Hill", "Hughes", "Jackson", "James", "Johnson", "Jones", "Kelly", "King",
    "Lee", "Lewis", "Martin", "Mason", "Miller", "Mitchell", "Moore", "Morgan", "Morris", "Murphy", "Nelson",
    "Parker", "Patel", "Phillips", "Price", "Reed", "Roberts", "Robinson", "Rogers", "Russell", "Scott",
    "Shaw", "Simpson", "Smith", "Stewart", "Taylor", "Thompson", "Turner", "Walker", "Ward", "Watson", "White",
    "Williams", "Wilson", "Wood", "Wright", "Young",
)
TITLES = ("Mr", "Mrs", "Ms", "Doctor", "Professor", "Captain")
RELATIVES = (
    "mother", "father", "sister", "brother", "aunt", "uncle", "cousin", "grandmother", "grandfather", "wife",
    "husband", "daughter", "son", "niece", "nephew", "best friend", "neighbour", "flatmate", "boss", "teacher",
    "doctor", "dentist", "landlord", "colleague", "coach", "classmate", "girlfriend", "boyfriend",
)
# (with its article, plural)
OCCUPATIONS = (
    ("a nurse", "nurses"), ("an engineer", "engineers"), ("a lawyer", "lawyers"), ("a pilot", "pilots"),
    ("a chef", "chefs"), ("a journalist", "journalists"), ("a dentist", "dentists"), ("an accountant", "accountants"),
    ("a photographer", "photographers"), ("an architect", "architects"), ("a vet", "vets"), ("a teacher", "teachers"),
    ("a farmer", "farmers"), ("a plumber", "plumbers"), ("an electrician", "electricians"), ("a baker", "bakers"),
    ("a butcher", "butchers"), ("a librarian", "librarians"), ("a mechanic", "mechanics"), ("a painter", "painters"),
    ("a musician", "musicians"), ("a singer", "singers"), ("an actor", "actors"), ("a dancer", "dancers"),
    ("a firefighter", "firefighters"), ("a police officer", "police officers"), ("a soldier", "soldiers"),
    ("a scientist", "scientists"), ("a programmer", "programmers"), ("a designer", "designers"),
    ("a waiter", "waiters"), ("a cashier", "cashiers"), ("a driver", "drivers"), ("a gardener", "gardeners"),
    ("a carpenter", "carpenters"), ("a tailor", "tailors"), ("a pharmacist", "pharmacists"), ("a surgeon", "surgeons"),
    ("a professor", "professors"), ("a student", "students"), ("a translator", "translators"), ("a writer", "writers"),
    ("an editor", "editors"), ("a banker", "bankers"), ("a fisherman", "fishermen"), ("a postman", "postmen"),
    ("a receptionist", "receptionists"), ("a hairdresser", "hairdressers"), ("a builder", "builders"),
    ("a sailor", "sailors"), ("a tour guide", "tour guides"), ("a shop assistant", "shop assistants"),
)
CITIES = (
    "London", "Paris", "Berlin", "Madrid", "Rome", "Lisbon", "Dublin", "Edinburgh", "Glasgow", "Manchester",
    "Liverpool", "Bristol", "Oxford", "Cambridge", "Brighton", "Cardiff", "Belfast", "York", "Leeds", "Amsterdam",
    "Brussels", "Vienna", "Prague", "Warsaw", "Budapest", "Athens", "Stockholm", "Oslo", "Copenhagen", "Helsinki",
    "Zurich", "Geneva", "Munich", "Hamburg", "Milan", "Venice", "Naples", "Barcelona", "Seville", "Porto",
    "New York", "Boston", "Chicago", "Seattle", "Denver", "Dallas", "Houston", "Atlanta", "Miami", "Phoenix",
    "San Francisco", "Los Angeles", "San Diego", "Portland", "Detroit", "Philadelphia", "Washington", "Nashville",
    "New Orleans", "Las Vegas", "Toronto", "Montreal", "Vancouver", "Ottawa", "Mexico City", "Havana", "Lima",
    "Santiago", "Buenos Aires", "Rio de Janeiro", "Cairo", "Nairobi", "Cape Town", "Lagos", "Casablanca",
    "Istanbul", "Moscow", "Dubai", "Mumbai", "Delhi", "Bangkok", "Singapore", "Hong Kong", "Beijing", "Shanghai",
    "Tokyo", "Osaka", "Seoul", "Sydney", "Melbourne", "Perth", "Auckland", "Wellington",
)
COUNTRIES = (
    "France", "Spain", "Italy", "Germany", "Portugal", "Ireland", "Scotland", "Wales", "England", "Norway",
    "Sweden", "Finland", "Denmark", "Poland", "Greece", "Turkey", "Egypt", "Kenya", "Morocco", "India", "China",
    "Japan", "Korea", "Thailand", "Vietnam", "Australia", "New Zealand", "Canada", "Mexico", "Brazil", "Argentina",
    "Peru", "Chile", "Iceland", "Austria", "Switzerland", "Belgium", "Holland",
)
LANGUAGES = (
    "French", "Spanish", "Italian", "German", "Portuguese", "Greek", "Russian", "Arabic", "Chinese", "Japanese",
    "Korean", "Hindi", "Turkish", "Dutch", "Swedish", "Polish", "Welsh", "Latin",
)
PLACES = (
    "library", "bakery", "station", "bus stop", "post office", "bank", "museum", "cinema", "theatre", "hospital",
    "pharmacy", "supermarket", "market", "school", "university", "stadium", "swimming pool", "gym", "park",
    "beach", "harbour", "airport", "hotel", "restaurant", "cafe", "bookshop", "garage", "petrol station",
    "town hall", "church", "castle", "bridge", "zoo", "farm", "factory", "office", "car park", "playground",
    "police station", "fire station", "dentist's", "hairdresser's", "butcher's", "chemist's", "corner shop",
    "shopping centre", "sports centre", "concert hall", "art gallery", "garden centre", "train station",
    "lighthouse", "campsite", "ice rink", "bowling alley", "night market", "laundrette", "flower shop",
)
STREETS = (
    "Maple", "Church", "Park", "Station", "Hill", "Mill", "Oak", "High", "King", "Queen", "Bridge", "Market",
    "Castle", "Garden", "River", "Chapel", "North", "South", "Elm", "Cedar", "Willow", "Lake", "Spring", "Victoria",
)
ROOMS = ("kitchen", "living room", "bedroom", "bathroom", "hall", "attic", "basement", "garden", "garage", "study",
         "dining room", "office", "classroom", "waiting room", "spare room")
FURNITURE = ("table", "shelf", "desk", "chair", "sofa", "bed", "cupboard", "windowsill", "bench", "counter",
             "piano", "fridge", "stool", "bookcase", "dresser")
# Count nouns: (singular, plural)
THINGS = (
    ("book", "books"), ("pen", "pens"), ("pencil", "pencils"), ("notebook", "notebooks"), ("umbrella", "umbrellas"),
    ("key", "keys"), ("wallet", "wallets"), ("phone", "phones"), ("laptop", "laptops"), ("camera", "cameras"),
    ("bag", "bags"), ("suitcase", "suitcases"), ("ticket", "tickets"), ("letter", "letters"), ("parcel", "parcels"),
    ("box", "boxes"), ("bottle", "bottles"), ("cup", "cups"), ("mug", "mugs"), ("glass", "glasses"),
    ("plate", "plates"), ("bowl", "bowls"), ("spoon", "spoons"), ("fork", "forks"), ("knife", "knives"),
    ("lamp", "lamps"), ("clock", "clocks"), ("mirror", "mirrors"), ("blanket", "blankets"), ("pillow", "pillows"),
    ("towel", "towels"), ("candle", "candles"), ("picture", "pictures"), ("poster", "posters"), ("map", "maps"),
    ("coat", "coats"), ("jacket", "jackets"), ("scarf", "scarves"), ("hat", "hats"), ("glove", "gloves"),
    ("shoe", "shoes"), ("boot", "boots"), ("sock", "socks"), ("shirt", "shirts"), ("dress", "dresses"),
    ("sweater", "sweaters"), ("watch", "watches"), ("ring", "rings"), ("necklace", "necklaces"), ("chair", "chairs"),
    ("table", "tables"), ("window", "windows"), ("door", "doors"), ("bicycle", "bicycles"), ("car", "cars"),
    ("bus", "buses"), ("train", "trains"), ("boat", "boats"), ("kite", "kites"), ("ball", "balls"),
    ("balloon", "balloons"), ("toy", "toys"), ("puzzle", "puzzles"), ("guitar", "guitars"), ("drum", "drums"),
    ("violin", "violins"), ("basket", "baskets"), ("bucket", "buckets"), ("ladder", "ladders"), ("hammer", "hammers"),
    ("brush", "brushes"), ("rope", "ropes"), ("tent", "tents"), ("torch", "torches"), ("battery", "batteries"),
    ("envelope", "envelopes"), ("stamp", "stamps"), ("coin", "coins"), ("card", "cards"), ("magazine", "magazines"),
    ("newspaper", "newspapers"), ("dictionary", "dictionaries"), ("calendar", "calendars"), ("folder", "folders"),
    ("sandwich", "sandwiches"), ("apple", "apples"), ("banana", "bananas"), ("orange", "oranges"), ("pear", "pears"),
    ("lemon", "lemons"), ("peach", "peaches"), ("plum", "plums"), ("melon", "melons"), ("tomato", "tomatoes"),
    ("potato", "potatoes"), ("carrot", "carrots"), ("onion", "onions"), ("egg", "eggs"), ("cake", "cakes"),
    ("biscuit", "biscuits"), ("pie", "pies"), ("pizza", "pizzas"), ("sausage", "sausages"), ("cookie", "cookies"),
    ("flower", "flowers"), ("tree", "trees"), ("plant", "plants"), ("leaf", "leaves"), ("stone", "stones"),
    ("shell", "shells"), ("feather", "feathers"), ("shelf", "shelves"), ("lorry", "lorries"), ("bench", "benches"),
)
# Plurals worth asking about: irregular or spelled unlike the singular.
TRICKY_PLURALS = (
    ("child", "children"), ("man", "men"), ("woman", "women"), ("person", "people"), ("mouse", "mice"),
    ("goose", "geese"), ("tooth", "teeth"), ("foot", "feet"), ("sheep", "sheep"), ("fish", "fish"),
    ("wolf", "wolves"), ("knife", "knives"), ("leaf", "leaves"), ("city", "cities"), ("country", "countries"),
    ("party", "parties"), ("story", "stories"), ("baby", "babies"), ("box", "boxes"), ("potato", "potatoes"),
    ("tomato", "tomatoes"), ("dress", "dresses"), ("watch", "watches"), ("scarf", "scarves"), ("deer", "deer"),
    ("ox", "oxen"), ("half", "halves"), ("life", "lives"), ("bus", "buses"), ("dictionary", "dictionaries"),
)
TRIP_WORDS = ("lovely", "wonderful", "tiring", "amazing", "far too short", "great fun", "rather boring", "relaxing",
              "very busy", "a bit expensive", "unforgettable", "exhausting")
ANIMALS = (
    ("dog", "dogs"), ("cat", "cats"), ("horse", "horses"), ("cow", "cows"), ("pig", "pigs"), ("sheep", "sheep"),
    ("goat", "goats"), ("chicken", "chickens"), ("duck", "ducks"), ("goose", "geese"), ("rabbit", "rabbits"),
    ("mouse", "mice"), ("fox", "foxes"), ("wolf", "wolves"), ("bear", "bears"), ("deer", "deer"), ("lion", "lions"),
    ("tiger", "tigers"), ("elephant", "elephants"), ("giraffe", "giraffes"), ("zebra", "zebras"), ("monkey", "monkeys"),
    ("owl", "owls"), ("eagle", "eagles"), ("parrot", "parrots"), ("pigeon", "pigeons"), ("swan", "swans"),
    ("frog", "frogs"), ("snake", "snakes"), ("turtle", "turtles"), ("dolphin", "dolphins"), ("whale", "whales"),
    ("shark", "sharks"), ("squirrel", "squirrels"), ("hedgehog", "hedgehogs"), ("bee", "bees"), ("butterfly", "butterflies"),
    ("spider", "spiders"), ("camel", "camels"), ("penguin", "penguins"), ("kangaroo", "kangaroos"), ("donkey", "donkeys"),
)
ANIMAL_PLACES = ("field", "garden", "forest", "river", "yard", "barn", "meadow", "lake", "park", "valley", "road")
FOODS = (
    "bread", "rice", "pasta", "soup", "salad", "cheese", "butter", "honey", "jam", "chocolate", "ice cream",
    "chicken", "fish", "beef", "lamb", "pork", "beans", "noodles", "porridge", "yoghurt", "cereal", "toast",
    "curry", "stew", "fruit salad", "pancakes", "omelette", "roast potatoes", "fried rice", "garlic bread",
    "vegetable soup", "apple pie", "carrot cake", "lemon tart", "mushroom risotto", "tomato sauce",
)
DRINKS = ("coffee", "tea", "orange juice", "apple juice", "lemonade", "hot chocolate", "milk", "water",
          "sparkling water", "green tea", "iced tea", "milkshake", "cola", "smoothie")
SPICES = ("salt", "pepper", "sugar", "cinnamon", "nutmeg", "ginger", "paprika", "chilli", "cumin", "basil")
INGREDIENTS = (("egg", "eggs"), ("onion", "onions"), ("tomato", "tomatoes"), ("potato", "potatoes"),
               ("carrot", "carrots"), ("apple", "apples"), ("lemon", "lemons"), ("banana", "bananas"),
               ("clove of garlic", "cloves of garlic"), ("pepper", "peppers"), ("mushroom", "mushrooms"))
MASS_INGREDIENTS = ("flour", "milk", "butter", "sugar", "cream", "olive oil", "rice", "cheese", "yoghurt", "honey")
MEALS = ("breakfast", "lunch", "dinner", "supper", "work", "school", "class", "the film", "the match", "practice")
COLOURS = ("red", "blue", "green", "black", "grey", "yellow", "brown", "white", "orange", "purple", "pink",
           "silver", "dark blue", "light green", "golden")
ADJECTIVES = (
    "old", "new", "big", "small", "tall", "short", "long", "heavy", "light", "cheap", "expensive", "clean",
    "dirty", "empty", "full", "quiet", "noisy", "bright", "dark", "warm", "cold", "soft", "hard", "round",
    "square", "thin", "thick", "wide", "narrow", "broken", "tiny", "huge", "lovely", "strange", "famous",
    "beautiful", "ugly", "comfortable", "useful", "dusty", "shiny", "wooden", "plastic", "woollen", "leather",
    "colourful", "delicious", "fresh", "ancient", "modern", "simple", "fancy", "tidy", "messy", "sturdy",
)
ADVERBS = ("very", "quite", "rather", "really", "a little", "far too", "surprisingly", "extremely")
# (adjective, comparative)
COMPARATIVES = (
    ("big", "bigger"), ("small", "smaller"), ("cheap", "cheaper"), ("heavy", "heavier"), ("light", "lighter"),
    ("long", "longer"), ("short", "shorter"), ("old", "older"), ("new", "newer"), ("warm", "warmer"),
    ("expensive", "more expensive"), ("comfortable", "more comfortable"), ("useful", "more useful"),
    ("quiet", "quieter"), ("bright", "brighter"), ("clean", "cleaner"), ("soft", "softer"), ("strong", "stronger"),
)
WEATHER = ("sunny", "cloudy", "rainy", "windy", "foggy", "snowy", "stormy", "dry", "mild", "chilly", "humid", "frosty")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth")
DATE_ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th", "14th",
                 "15th", "16th", "18th", "20th", "21st", "22nd", "23rd", "25th", "28th", "30th")
PAST_TIMES = ("yesterday", "last night", "this morning", "last week", "on Saturday", "two days ago", "last month",
              "after lunch", "on Monday", "earlier today", "last summer", "an hour ago", "at the weekend")
FUTURE_TIMES = ("tomorrow", "tonight", "next week", "on Friday", "this afternoon", "next month", "after work",
                "at the weekend", "on Sunday morning", "in an hour", "next summer", "later today", "on Tuesday evening")
EVENTS = ("concert", "meeting", "match", "film", "lecture", "party", "wedding", "class", "show", "conference",
          "interview", "rehearsal", "tour", "festival", "exhibition", "race", "game", "workshop")
TRANSPORT = ("bus", "train", "car", "bike", "plane", "ferry", "coach", "taxi", "tram", "boat")
INSTRUMENTS = ("piano", "guitar", "violin", "drums", "flute", "trumpet", "cello", "saxophone", "clarinet", "harp")
SPORTS = ("football", "tennis", "basketball", "golf", "cricket", "rugby", "volleyball", "hockey", "badminton",
          "table tennis", "baseball", "chess")
SUBJECTS = ("maths", "history", "geography", "biology", "chemistry", "physics", "music", "art", "English",
            "French", "science", "drama", "economics", "computing")
DOCUMENTS = ("book", "report", "letter", "story", "poem", "article", "song", "blog post", "speech", "essay", "play")
TOPICS = ("the sea", "old trains", "city gardens", "the moon", "her childhood", "his grandfather", "the war",
          "bees", "mountain villages", "the history of bread", "football", "climate change", "space travel",
          "the river", "a lost dog", "village life", "the first computers", "healthy food", "the ancient Romans")
LANDMARKS = ("traffic lights", "roundabout", "church", "bank", "post office", "big tree", "bridge", "petrol station",
             "school gates", "second corner", "old mill", "statue")
TERRAINS = ("field", "road", "garden", "yard", "hill", "beach", "bridge", "square", "lawn", "car park")
CONTAINERS = ("drawer", "box", "bag", "cupboard", "basket", "pocket", "car", "fridge", "suitcase", "envelope")
CURRENCIES = (("dollar", "dollars"), ("pound", "pounds"), ("euro", "euros"))
# Base-form verb phrases for everyday actions; the first word is the verb (see `grammar.conjugate`).
VERB_PHRASES = (
    "clean the kitchen", "call the doctor", "fix the bike", "paint the fence", "water the plants", "walk the dog",
    "feed the cat", "wash the car", "cook dinner", "bake a cake", "buy some bread", "read the newspaper",
    "write a letter", "send the parcel", "post the letters", "pay the bills", "book the tickets", "pack the suitcase",
    "visit the museum", "meet the new neighbours", "finish the report", "answer the emails", "tidy the garage",
    "mow the lawn", "cut the grass", "lock the back door", "close the windows", "open the curtains",
    "turn off the lights", "charge the phone", "repair the roof", "change the sheets", "iron the shirts",
    "sweep the floor", "empty the bins", "take out the rubbish", "order a pizza", "make some tea",
    "boil the kettle", "set the table", "wash the dishes", "dry the plates", "peel the potatoes", "chop the onions",
    "return the library books", "collect the children", "drive to the station", "catch the early train",
    "miss the last bus", "lose the keys", "find the map", "check the timetable", "print the tickets",
    "sign the form", "fill in the application", "call the bank", "rent a car", "borrow a ladder", "lend him the money",
    "sell the old piano", "plant some roses", "pick the apples", "build a shed", "climb the hill", "swim in the lake",
    "ride a horse", "fly a kite", "play chess", "play the piano", "sing in the choir", "join the club",
    "learn to drive", "study for the exam", "practise the speech", "prepare the slides", "copy the notes",
    "draw a map", "take some photos", "watch the match", "listen to the radio", "record the show",
    "download the file", "update the software", "save the document", "delete the old messages", "reply to her",
    "thank the host", "invite the whole class", "cancel the meeting", "move the meeting", "start the engine",
    "park the car", "fill the tank", "check the tyres", "carry the boxes", "move the sofa", "hang the picture",
    "decorate the tree", "wrap the presents", "bring some snacks", "share the cake", "count the money",
    "hide the presents", "find a seat", "wait for the bus", "look for the cat", "ask for directions",
    "help the old man", "teach the children", "visit her grandmother", "see the dentist", "go to the gym",
    "go shopping", "go for a walk", "go swimming", "go to bed early", "get up early", "get a haircut",
    "have a picnic", "have a shower", "make a sandwich", "make a list", "do the shopping", "do the homework",
    "do the laundry", "take a taxi", "take the stairs", "take a break", "give a talk", "give her a call",
    "keep a diary", "leave the office", "forget the password", "spend the money", "win the race", "lose the match",
    "break the window", "choose a colour", "throw a party", "wear a coat", "drink some water", "eat more fruit",
    "sleep in the tent", "feed the ducks", "sell tickets", "buy a new coat", "write a poem", "read a story",
    "run a marathon", "sit in the garden", "stand in the queue", "speak to the manager", "tell the truth",
    "understand the rules", "shut the gate", "put the kettle on", "set the alarm", "ring the bell",
)
# Irregular past forms of the verbs above (everything else takes -ed).
IRREGULAR_PAST = {
    "buy": "bought", "read": "read", "write": "wrote", "send": "sent", "pay": "paid", "make": "made",
    "meet": "met", "take": "took", "cut": "cut", "set": "set", "catch": "caught", "lose": "lost", "find": "found",
    "lend": "lent", "sell": "sold", "build": "built", "swim": "swam", "ride": "rode", "fly": "flew",
    "sing": "sang", "draw": "drew", "hang": "hung", "bring": "brought", "hide": "hid", "teach": "taught",
    "see": "saw", "go": "went", "get": "got", "have": "had", "do": "did", "give": "gave", "keep": "kept",
    "leave": "left", "forget": "forgot", "spend": "spent", "win": "won", "break": "broke", "choose": "chose",
    "throw": "threw", "wear": "wore", "drink": "drank", "eat": "ate", "sleep": "slept", "run": "ran", "sit": "sat",
    "stand": "stood", "speak": "spoke", "tell": "told", "understand": "understood", "shut": "shut", "put": "put",
    "ring": "rang", "learn": "learned", "feed": "fed", "sweep": "swept", "drive": "drove", "begin": "began",
    "come": "came", "know": "knew", "think": "thought", "fall": "fell", "grow": "grew", "hold": "held",
}
# (word, opposite): for "what is the opposite of ...?"
OPPOSITES = (
    ("hot", "cold"), ("big", "small"), ("tall", "short"), ("fast", "slow"), ("happy", "sad"), ("light", "dark"),
    ("open", "closed"), ("full", "empty"), ("early", "late"), ("young", "old"), ("rich", "poor"), ("hard", "soft"),
    ("heavy", "light"), ("wet", "dry"), ("clean", "dirty"), ("loud", "quiet"), ("strong", "weak"), ("thick", "thin"),
    ("wide", "narrow"), ("high", "low"), ("deep", "shallow"), ("cheap", "expensive"), ("easy", "difficult"),
    ("right", "wrong"), ("true", "false"), ("good", "bad"), ("first", "last"), ("up", "down"), ("in", "out"),
    ("left", "right"), ("top", "bottom"), ("day", "night"), ("summer", "winter"), ("north", "south"),
    ("east", "west"), ("win", "lose"), ("buy", "sell"), ("push", "pull"), ("arrive", "leave"), ("remember", "forget"),
    ("begin", "end"), ("laugh", "cry"), ("love", "hate"), ("friend", "enemy"), ("always", "never"), ("above", "below"),
    ("before", "after"), ("inside", "outside"), ("sweet", "sour"), ("awake", "asleep"), ("alive", "dead"),
    ("polite", "rude"), ("brave", "afraid"), ("safe", "dangerous"), ("noisy", "quiet"), ("near", "far"),
    ("question", "answer"), ("start", "finish"), ("accept", "refuse"), ("increase", "decrease"),
)
# Short everyday facts with one right answer (asked rarely: the answer is knowledge, not hearing).
FACTS = (
    ("How many days are there in a week?", "7."), ("How many months are there in a year?", "12."),
    ("How many hours are there in a day?", "24."), ("How many minutes are there in an hour?", "60."),
    ("How many legs does a spider have?", "8."), ("How many wheels does a bicycle have?", "2."),
    ("What colour is the sky on a clear day?", "Blue."), ("What colour is fresh snow?", "White."),
    ("Which animal says moo?", "A cow."), ("Which season comes after winter?", "Spring."),
    ("Which season comes after summer?", "Autumn."), ("What do bees make?", "Honey."),
    ("What is frozen water called?", "Ice."), ("How many sides does a triangle have?", "3."),
    ("How many sides does a square have?", "4."), ("What do you call a baby cat?", "A kitten."),
    ("What do you call a baby dog?", "A puppy."), ("Which planet do we live on?", "The Earth."),
)
# Words the data never speaks: profanity and slurs that a quotation file might still hold.
BLOCKED_WORDS = frozenset((
    "fuck", "fucking", "fucked", "shit", "shitty", "bitch", "bastard", "whore", "slut", "cunt", "dick", "cock",
    "pussy", "rape", "raped", "nigger", "negro", "fag", "faggot", "retard", "retarded", "dyke", "homo", "queer",
    "tits", "penis", "vagina", "sex", "sexual", "sexy", "orgasm", "porn", "nude", "naked", "hitler", "nazi",
    "suicide", "kill", "killed", "murder", "jew", "jews", "chink", "spic", "wop", "kike", "gay", "lesbian",
    "prostitute", "virgin", "breasts", "damn", "goddamn", "hell", "ass", "asshole", "bloody", "crap",
))
