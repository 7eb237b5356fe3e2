"""Reading a model's free-text answer as a choice, a yes/no or a label.

Speech LLMs rarely answer with the bare letter or word: they say "B. By bus", "The answer is b",
"Yes, there is only one speaker" or repeat the option's text. These readers accept those forms and
return None when an answer cannot be read or is ambiguous ("A or B"), so unreadable answers are
counted apart instead of being scored as a lucky guess. Used by evaluation and by the quiz.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

LETTERS = "ABCDEFGH"

# "A. Start to take exercise; B. Do as he always does; C. Change his working time."
_OPTION = re.compile(r"(?:^|(?<=[\s;,?.!:]))\(?([A-H])[.)]\s*(.+?)\s*(?=[;,]?\s*\(?[A-H][.)]\s|$)")
# "the answer is b", "Answer: (C)", "option A", "I choose c", "correct one is B"
_EXPLICIT = re.compile(
    r"\b(?:answer|option|choice|choose|chose|pick|picked|select|selected|letter)\b"
    r"(?:\s+(?:is|would be|should be|will be|was|=))?\s*[:\-]?\s*\(?([a-h])\b\)?(?!['\w])",
    re.IGNORECASE,
)
# A capital letter standing alone: "B", "(B)", "B.", "B) by bus", "it is B."
_BARE = re.compile(r"(?<![\w'])\(?([A-H])(?:[.):,;!?]|\s*$)")
# "A or B", "B and C", "A/B": an answer that hedges between letters.
_HEDGE = re.compile(r"(?<![\w'])\(?([A-H])\)?\s*(?:or|and|/|,)\s*\(?([A-H])(?![\w'])")
_YES = {"yes", "yeah", "yep", "yup", "correct", "true", "affirmative", "indeed"}
_NO = {"no", "nope", "nah", "incorrect", "false", "negative"}
_UNSURE = re.compile(r"\b(?:not sure|unsure|cannot tell|can't tell|cannot determine|unclear|don't know)\b", re.I)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Label forms a model uses for the word in the target: "happiness" for happy, "anger" for angry.
_LABEL_FORMS = {
    "happy": ("happy", "happiness", "joy", "joyful", "glad"),
    "sad": ("sad", "sadness", "sorrow", "unhappy"),
    "angry": ("angry", "anger", "mad", "furious"),
    "neutral": ("neutral", "calm"),
    "surprised": ("surprised", "surprise"),
    "fearful": ("fearful", "fear", "afraid", "scared"),
    "disgusted": ("disgusted", "disgust"),
    "frustrated": ("frustrated", "frustration"),
    "excited": ("excited", "excitement"),
}


def parse_options(prompt: str) -> dict[str, str]:
    """Lettered options written in one line: "... A. x; B. y; C. z." → {"A": "x", "B": "y", "C": "z"}.

    Only a run of consecutive letters starting at A counts, so a stray "B." in the question is not
    taken for an option list.
    """
    found: dict[str, str] = {}
    for letter, text in _OPTION.findall(prompt or ""):
        expected = LETTERS[len(found)] if len(found) < len(LETTERS) else None
        if letter == "A" and found:
            found = {}
            expected = "A"
        if letter != expected:
            continue
        found[letter] = text.strip().rstrip(".;,").strip()
    return found if len(found) >= 2 else {}


def _options_mapping(options: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    if isinstance(options, Mapping):
        return {str(k).upper(): str(v) for k, v in options.items()}
    return {LETTERS[i]: str(text) for i, text in enumerate(options)}


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _by_option_text(text: str, options: dict[str, str]) -> str | None:
    """The one option whose whole text the answer contains (the longest, when one contains another)."""
    words = _words(text)
    hits = [(len(_words(body)), letter) for letter, body in options.items() if _contains_phrase(words, _words(body))]
    if not hits:
        return None
    hits.sort(reverse=True)
    longest = hits[0][0]
    top = [letter for size, letter in hits if size == longest]
    if len(top) > 1:
        return None
    # An answer that quotes two options that do not contain each other is ambiguous.
    others = [letter for _, letter in hits[1:] if not _contains_phrase(_words(options[top[0]]), _words(options[letter]))]
    return None if others else top[0]


_NUMBER = re.compile(r"\d+(?::\d\d)?")


def _by_option_numbers(text: str, options: dict[str, str]) -> str | None:
    """For options that are numbers, prices or clock times ("$18.", "At 6:30."), whose words the
    text matching ignores: the one option all of whose numbers the answer says ("He pays $18")."""
    said = set(_NUMBER.findall(text))
    hits = [k for k, option in options.items() if (numbers := set(_NUMBER.findall(option))) and numbers <= said]
    return hits[0] if len(hits) == 1 else None


def _is_article(match: re.Match, text: str) -> bool:
    """"the answer is a bus": a lower-case a-h followed by a word is a word, not a letter."""
    return match.group(1).islower() and re.match(r"\s+[a-z]", text[match.end() :], re.I) is not None


def read_choice(text: str | None, options: Mapping[str, str] | Sequence[str]) -> str | None:
    """The option letter an answer picks, or None when it cannot be read or names several.

    Tried in order: an explicit phrase ("the answer is b", "option C"), a capital letter standing
    alone ("B", "(B)", "B. By bus"), then the option's own text ("He will go by bus"), then the
    option's numbers ("He pays 18 dollars" for "$18.").
    """
    mapping = _options_mapping(options)
    valid = set(mapping) or set(LETTERS)
    text = (text or "").strip()
    if not text:
        return None
    if any(a != b for a, b in _HEDGE.findall(text)):
        return None
    explicit = {m.group(1).upper() for m in _EXPLICIT.finditer(text) if not _is_article(m, text)} & valid
    if len(explicit) == 1:
        return explicit.pop()
    if len(explicit) > 1:
        return None
    alone = text.strip(" .()[]:")
    if len(alone) == 1 and alone.upper() in valid:
        return alone.upper()
    bare = [m for m in _BARE.findall(text) if m in valid]
    if len(set(bare)) == 1:
        return bare[0]
    if len(set(bare)) > 1:
        return None
    if not mapping:
        return None
    return _by_option_text(text, mapping) or _by_option_numbers(text, mapping)


def read_yes_no(text: str | None) -> bool | None:
    """True for yes, False for no, None when the answer says neither, both or that it is unsure.

    The first yes/no word decides ("No, there are two speakers" is no even though it goes on);
    an answer that says it cannot tell is None whatever words follow.
    """
    text = text or ""
    if _UNSURE.search(text):
        return None
    for word in _words(text):
        if word in _YES:
            return True
        if word in _NO:
            return False
    return None


_ONE_SPEAKER = re.compile(r"\b(?:only one|a single|just one|one) (?:speaker|person|voice)\b", re.I)
_MORE_SPEAKERS = re.compile(
    r"\b(?:two|three|several|multiple|more than one|different|many) (?:different )?(?:speakers|people|persons|voices)\b", re.I
)


def read_one_speaker(text: str | None) -> bool | None:
    """Speaker verification ("Is there only one speaker?"): yes/no first, else what the answer
    says about the speakers ("There are two speakers" is no)."""
    said = read_yes_no(text)
    if said is not None or not text:
        return said
    one, more = bool(_ONE_SPEAKER.search(text)), bool(_MORE_SPEAKERS.search(text))
    return None if one == more else one


def normalize_label(label: str) -> str:
    """The canonical form of a label word: lower case, and "happiness" → "happy" for known labels."""
    word = label.strip().lower().rstrip(".!")
    for canonical, forms in _LABEL_FORMS.items():
        if word in forms:
            return canonical
    return word


def read_label(text: str | None, labels: Iterable[str]) -> str | None:
    """The one label (of `labels`, e.g. the emotion words in a test set) an answer names, else None.

    Forms of a known label count ("sadness" for sad). An answer naming two labels is None.
    """
    canonical = {normalize_label(label) for label in labels if label.strip()}
    forms = {form: label for label in canonical for form in _LABEL_FORMS.get(label, (label,))}
    words = _words(text or "")
    found = {forms[w] for w in words if w in forms}
    found |= {label for label in canonical if " " in label and _contains_phrase(words, _words(label))}
    return found.pop() if len(found) == 1 else None
