"""Examples of each task, built from the text pool, the quiz generator and the spoken questions.

A builder takes the split's `Sources` (text decks, voices) and the example's own random generator
and returns an `Example`: prompt, target and the plan of its clip (None for a text-only row).

Answer formats follow the lesson of an earlier try (a model trained to answer a letter learnt
to say "B"): multiple choice is answered with the option's TEXT, then its letter in brackets
("By train (A)"), so the model has to produce what it heard and the answer readers still find the
letter; the same questions are also asked over a written transcript (text-only rows), so the
format is learnt from text before speech. Multi-part answers stay on one line (a manifest field
cannot hold a newline): "Transcript: ... Answer: ..." for CoT, "1. ... 2. ..." for two tasks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import prompts
from ..evaluation.answers import LETTERS
from ..quiz.generator import PlannedConversation
from ..quiz.scenarios import MAN, WOMAN
from . import questions
from .text_pool import split_of, words
from .voices import FEMALE_VOICES, ClipPlan, VoiceStyle, draw_style, plan_clip

ASR_PROMPTS = prompts.TRANSCRIPT_REQUESTS
ONE_SPEAKER_PROMPTS = (
    prompts.ONE_SPEAKER,
    "Is only one person speaking in this recording?",
    "Does the recording contain just one speaker?",
    "Is this audio spoken by a single person?",
)
SAME_PERSON_PROMPTS = (
    "Are the two sentences in the recording spoken by the same person?",
    "Is the second sentence said by the same speaker as the first?",
    "Do both parts of the audio come from the same voice?",
)
HOW_MANY_PROMPTS = (
    "How many speakers are there in the recording?",
    "How many different people speak in this audio?",
    "Count the speakers in the clip.",
)
WORD_PROMPTS = (
    "Which of these words is spoken in the recording?",
    "Which word do you hear in the audio?",
    "One of these words is said in the clip. Which one?",
    "Listen and pick the word the speaker says.",
)
TEXT_WORD_PROMPTS = ("Which of these words does the sentence contain?", "Which word appears in the sentence?")
QUIZ_PREFIXES = ("", "", "", "Listen to the conversation and answer the question. ",
                 "Answer with the text of the right option. ")
TEXT_QUIZ_PREFIXES = ("Read the conversation and answer the question.", "Answer the question about this conversation.")
COT_QUESTION_PROMPTS = (
    "First transcribe the question in the audio, then answer it.",
    "First of all, write down what the speaker asks; then give the answer.",
    "Transcribe the spoken question first, and finally answer it.",
)
COT_LAST_WORD_PROMPTS = (
    "First transcribe the audio, then tell me the last word that is spoken.",
    "First of all, write down what is said; finally, name the last word.",
)
II_SV = ("tell me whether there is only one speaker", "say if only one person is speaking")
II_ASR = ("transcribe the audio", "write down what is said")
II_FIRST_WORD = ("tell me the first word that is spoken", "name the first word you hear")


@dataclass(frozen=True)
class Example:
    id: str
    split: str
    task: str  # the manifest's task column
    kind: str  # the builder: finer than the task (asr_dialogue, sqa_word, text_qa, ...)
    prompt: str
    target: str
    clip: ClipPlan | None
    source: str  # where the text came from: fortunes/<file>, grammar, quiz/<template>, questions/<kind>
    spoken: tuple[str, ...]  # the texts whose split decided the row's (said, or written for text rows)

    @property
    def with_speech(self) -> bool:
        return self.clip is not None


class Deck:
    """Items in a seeded order, dealt one by one and reshuffled on every pass."""

    def __init__(self, items: Sequence, seed: str):
        if not items:
            raise ValueError(f"nothing to deal for {seed}: the text pool has no items in this split")
        self.items, self.seed, self.dealt = list(items), seed, 0
        self._order: list[int] = []

    def next(self):
        lap, index = divmod(self.dealt, len(self.items))
        if index == 0:
            self._order = list(range(len(self.items)))
            random.Random(f"{self.seed}/{lap}").shuffle(self._order)
        self.dealt += 1
        return self.items[self._order[index]]


@dataclass
class Sources:
    """What one split draws from. `voices` speak the main part of every clip; `others` may be the
    second speaker of a two-speaker clip (in the unseen-voice test: the seen voices)."""

    split: str  # text split: train, valid or test
    sentences: Deck
    exchanges: Deck
    quiz: Deck
    words: Sequence[str]  # dictionary words, most used first
    voices: tuple[str, ...]
    others: tuple[str, ...]
    canonical_prompts: bool  # test sets ask with the published prompts only
    rank: dict[str, int] = field(init=False, repr=False)  # a word's place in `words`, most used first

    def __post_init__(self) -> None:
        self.rank = {word: i for i, word in enumerate(self.words)}

    def prompt(self, rng: random.Random, variants: Sequence[str]) -> str:
        if self.canonical_prompts or rng.random() < 0.35:
            return variants[0]
        return rng.choice(variants)

    def style(self, rng: random.Random, voice: str | None = None) -> VoiceStyle:
        return draw_style(rng, voice or rng.choice(self.voices))

    def other_style(self, rng: random.Random, first: VoiceStyle) -> VoiceStyle:
        choices = [v for v in self.others if v != first.voice] or [v for v in self.voices if v != first.voice]
        return draw_style(rng, rng.choice(choices))

    def question(self, rng: random.Random) -> tuple[str, questions.Question]:
        """A spoken question whose text falls in this split."""
        for _ in range(1000):
            kind, item = questions.draw_question(rng, self.words)
            if split_of(item[0]) == self.split:
                return kind, item
        raise RuntimeError(f"no question in split {self.split} after 1000 draws")  # a hashing bug, not user input


Builder = Callable[[Sources, random.Random], tuple[str, str, str, ClipPlan | None, str, tuple[str, ...]]]


def _options_text(options: Sequence[str]) -> str:
    return "; ".join(f"{LETTERS[i]}. {text}" for i, text in enumerate(options)) + "."


def choice_target(options: Sequence[str], correct: int) -> str:
    """The option's text, then its letter: "By train (A)"."""
    return f"{options[correct]} ({LETTERS[correct]})"


def strip_stop(text: str) -> str:
    return text.strip().rstrip(".")


def _two_sentences(src: Sources) -> list:
    return [src.sentences.next(), src.sentences.next()]


def asr(src: Sources, rng: random.Random):
    style = src.style(rng)
    picked = [src.sentences.next()] if rng.random() < 0.75 else _two_sentences(src)
    clip = plan_clip(rng, [(s.text, style) for s in picked])
    return "asr", src.prompt(rng, ASR_PROMPTS), clip.transcript, clip, picked[0].source, tuple(s.text for s in picked)


def asr_dialogue(src: Sources, rng: random.Random):
    first = src.style(rng)
    second = src.other_style(rng, first)
    if rng.random() < 0.6:
        pair = src.exchanges.next()
        texts, source = list(pair), "grammar/exchange"
        spoken = (" ".join(pair),)
    else:
        picked = _two_sentences(src)
        texts, source, spoken = [s.text for s in picked], picked[0].source, tuple(s.text for s in picked)
    clip = plan_clip(rng, list(zip(texts, (first, second))))
    return "asr", src.prompt(rng, ASR_PROMPTS), clip.transcript, clip, source, spoken


def _speaker_clip(src: Sources, rng: random.Random, two_turns: bool, same: bool):
    first = src.style(rng)
    picked = _two_sentences(src) if two_turns else [src.sentences.next()]
    styles = [first, first if same else src.other_style(rng, first)][: len(picked)]
    return plan_clip(rng, list(zip((s.text for s in picked), styles))), picked


def speakers(src: Sources, rng: random.Random):
    same = rng.random() < 0.5
    question = rng.random()
    if question < 0.5:
        clip, picked = _speaker_clip(src, rng, two_turns=not same or rng.random() < 0.5, same=same)
        prompt, target = src.prompt(rng, ONE_SPEAKER_PROMPTS), "Yes" if same else "No"
    elif question < 0.75:
        clip, picked = _speaker_clip(src, rng, two_turns=True, same=same)
        prompt, target = src.prompt(rng, SAME_PERSON_PROMPTS), "Yes" if same else "No"
    else:
        clip, picked = _speaker_clip(src, rng, two_turns=True, same=same)
        prompt, target = src.prompt(rng, HOW_MANY_PROMPTS), "One speaker." if same else "Two speakers."
    return "sv", prompt, target, clip, picked[0].source, tuple(s.text for s in picked)


def _quiz_voices(src: Sources, rng: random.Random) -> dict[str, VoiceStyle]:
    women = [v for v in src.voices + src.others if v in FEMALE_VOICES]
    men = [v for v in src.voices if v not in FEMALE_VOICES] or [v for v in src.others if v not in FEMALE_VOICES]
    return {MAN: draw_style(rng, rng.choice(men)), WOMAN: draw_style(rng, rng.choice(women))}


def _quiz_item(src: Sources, rng: random.Random) -> tuple[PlannedConversation, int]:
    planned = src.quiz.next()
    return planned, rng.randrange(len(planned.draft.questions))


def _said(planned: PlannedConversation) -> str:
    """A conversation's lines as one text: its split is decided by the whole conversation."""
    return " ".join(line.text for line in planned.draft.lines)


def _quiz_prompt(planned: PlannedConversation, index: int) -> tuple[str, str]:
    options = [strip_stop(o) for o in planned.letters[index]]
    correct = LETTERS.index(planned.answers[index])
    return f"{planned.draft.questions[index].text} {_options_text(options)}", choice_target(options, correct)


def quiz(src: Sources, rng: random.Random):
    planned, index = _quiz_item(src, rng)
    voices = _quiz_voices(src, rng)
    clip = plan_clip(rng, [(line.text, voices[line.role]) for line in planned.draft.lines])
    question, target = _quiz_prompt(planned, index)
    prefix = "" if src.canonical_prompts else rng.choice(QUIZ_PREFIXES)
    return "sqa", prefix + question, target, clip, f"quiz/{planned.draft.template}", (_said(planned),)


def text_quiz(src: Sources, rng: random.Random):
    planned, index = _quiz_item(src, rng)
    said = " ".join(f"{'Man' if line.role == MAN else 'Woman'}: {line.text}" for line in planned.draft.lines)
    question, target = _quiz_prompt(planned, index)
    prompt = f"{rng.choice(TEXT_QUIZ_PREFIXES)} Conversation: {said} Question: {question}"
    return "text_sqa", prompt, target, None, f"quiz/{planned.draft.template}", (_said(planned),)


def _word_choice(src: Sources, rng: random.Random, sentence: str) -> tuple[list[str], int] | None:
    said = set(words(sentence))
    known = set(src.words)
    candidates = sorted(w for w in said if w in known)
    if not candidates:
        return None
    answer = rng.choice(candidates)
    wrong = rng.sample(_frequency_neighbours(src, answer, said), 2)
    options = [answer, *wrong]
    rng.shuffle(options)
    return options, options.index(answer)


def _frequency_neighbours(src: Sources, answer: str, said: set[str], wanted: int = 20) -> list[str]:
    """Words of about the answer's length and frequency rank that the sentence does not say. An
    earlier draw from every word of similar length let a model with no audio score 60 % by picking
    the most ordinary option; neighbours in the frequency-ordered list leave no such cue."""
    rank = src.rank[answer]
    near: list[str] = []
    for reach in range(1, len(src.words)):
        for index in (rank - reach, rank + reach):
            if 0 <= index < len(src.words):
                word = src.words[index]
                if abs(len(word) - len(answer)) <= 1 and word not in said:
                    near.append(word)
        if len(near) >= wanted:
            break
    return near


def _sentence_with_word_choice(src: Sources, rng: random.Random):
    """The next sentence that has a word-choice question, with its options and the right index."""
    while True:
        sentence = src.sentences.next()
        picked = _word_choice(src, rng, sentence.text)
        if picked:
            return sentence, *picked


def which_word(src: Sources, rng: random.Random):
    sentence, options, correct = _sentence_with_word_choice(src, rng)
    clip = plan_clip(rng, [(sentence.text, src.style(rng))])
    prompt = f"{src.prompt(rng, WORD_PROMPTS)} {_options_text(options)}"
    return "sqa", prompt, choice_target(options, correct), clip, sentence.source, (sentence.text,)


def text_which_word(src: Sources, rng: random.Random):
    sentence, options, correct = _sentence_with_word_choice(src, rng)
    prompt = f"Sentence: {sentence.text} {rng.choice(TEXT_WORD_PROMPTS)} {_options_text(options)}"
    return "text_sqa", prompt, choice_target(options, correct), None, sentence.source, (sentence.text,)


def spoken_question(src: Sources, rng: random.Random):
    kind, (question, answer) = src.question(rng)
    clip = plan_clip(rng, [(question, src.style(rng))])
    return "sqqa", "", answer, clip, f"questions/{kind}", (question,)


def text_question(src: Sources, rng: random.Random):
    kind, (question, answer) = src.question(rng)
    return "text_qa", question, answer, None, f"questions/{kind}", (question,)


def chain_of_thought(src: Sources, rng: random.Random):
    if rng.random() < 0.7:
        kind, (question, answer) = src.question(rng)
        clip = plan_clip(rng, [(question, src.style(rng))])
        prompt = src.prompt(rng, COT_QUESTION_PROMPTS)
        return "cot", prompt, f"Transcript: {question} Answer: {answer}", clip, f"questions/{kind}", (question,)
    sentence = src.sentences.next()
    clip = plan_clip(rng, [(sentence.text, src.style(rng))])
    last = words(sentence.text)[-1]
    target = f"Transcript: {sentence.text} Answer: {last}."
    return "cot", src.prompt(rng, COT_LAST_WORD_PROMPTS), target, clip, sentence.source, (sentence.text,)


def two_tasks(src: Sources, rng: random.Random):
    asr_part = rng.choice(II_ASR)
    if rng.random() < 0.6:
        same = rng.random() < 0.5
        clip, picked = _speaker_clip(src, rng, two_turns=not same or rng.random() < 0.5, same=same)
        other, answer = rng.choice(II_SV), "Yes" if same else "No"
    else:
        picked = [src.sentences.next()]
        clip = plan_clip(rng, [(picked[0].text, src.style(rng))])
        other, answer = rng.choice(II_FIRST_WORD), f"{words(picked[0].text)[0].capitalize()}."
    if rng.random() < 0.5:
        prompt, target = f"Please {asr_part}, and also {other}.", f"1. {clip.transcript} 2. {answer}"
    else:
        prompt = f"Please {other}, and also {asr_part}."
        target = f"1. {answer} 2. {clip.transcript}"
    return "ii", prompt, target, clip, picked[0].source, tuple(s.text for s in picked)


BUILDERS: dict[str, Builder] = {
    "asr": asr, "asr_dialogue": asr_dialogue, "sv": speakers, "sqa_quiz": quiz, "sqa_word": which_word,
    "sqqa": spoken_question, "cot": chain_of_thought, "ii": two_tasks,
    "text_sqa_quiz": text_quiz, "text_sqa_word": text_which_word, "text_qa": text_question,
}
# Shares of each builder: training mixes in text-only rows; test sets are speech only.
TRAIN_MIX = {"asr": 0.30, "asr_dialogue": 0.06, "sv": 0.10, "sqa_quiz": 0.10, "sqa_word": 0.08, "sqqa": 0.10,
             "cot": 0.05, "ii": 0.06, "text_sqa_quiz": 0.05, "text_sqa_word": 0.04, "text_qa": 0.06}
TEST_MIX = {"asr": 0.35, "asr_dialogue": 0.05, "sv": 0.15, "sqa_quiz": 0.15, "sqa_word": 0.10, "sqqa": 0.10,
            "cot": 0.05, "ii": 0.05}
