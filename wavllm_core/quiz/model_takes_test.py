"""The model sits the paper: every question asked the way the published set asks it, answers read
from free text, scored like a student's; and a step-by-step explanation for the review.

Each question gets the conversation's audio and the published one-line prompt ("question? A. ...;
B. ...; C. ..."). A reply that names no option, or several, counts as unanswered rather than as a
lucky guess. A question the model cannot take (audio too long for it) is recorded with its reason
and the run goes on. With a `score` function (`option_scoring.score_options`) the model does not
write a reply: each option's reply is scored and the likeliest is its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from tqdm import tqdm

from ..audio import AudioClip, load_audio, silence_like
from ..evaluation.answers import read_choice
from ..generation import Answer, DecodingSettings, answer
from ..hub import LoadedModel
from ..option_scoring import OptionScores
from ..processing import InputTooLongError
from .format import QuizSet
from .scoring import QuizResult, score_answers

_LOG = logging.getLogger(__name__)

# Short answers are enough for a letter; greedy so a run can be repeated.
TEST_SETTINGS = DecodingSettings(max_new_tokens=32, greedy=True)
EXPLAIN_SETTINGS = DecodingSettings(max_new_tokens=384, greedy=True)
COT_INSTRUCTION = (
    "First of all, transcribe the conversation in the audio. Then, reason step by step about which option "
    "answers the question, quoting what the speakers say. Lastly, give the letter of the answer on the final "
    "line as 'Answer: X'. {prompt}"
)

Ask = Callable[[LoadedModel, AudioClip, str, DecodingSettings], Answer]
Score = Callable[[LoadedModel, AudioClip, str, Mapping[str, str]], OptionScores]


def _ask(loaded: LoadedModel, clip: AudioClip, prompt: str, settings: DecodingSettings) -> Answer:
    return answer(loaded, clip, prompt, settings)


@dataclass(frozen=True)
class ModelAnswer:
    question_id: str
    prompt: str
    reply: str
    chosen: str | None
    answer: str
    error: str | None = None
    option_scores: Mapping[str, float] | None = None  # by letter, when answered by likelihood

    @property
    def correct(self) -> bool:
        return self.chosen == self.answer


@dataclass(frozen=True)
class ModelTestReport:
    model: str
    rows: tuple[ModelAnswer, ...]
    result: QuizResult

    @property
    def accuracy(self) -> float:
        return sum(r.correct for r in self.rows) / len(self.rows) if self.rows else 0.0

    @property
    def unreadable(self) -> int:
        return sum(r.chosen is None and r.error is None for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.error is not None for r in self.rows)


def take_test(loaded: LoadedModel, quiz: QuizSet, limit: int | None = None,
              settings: DecodingSettings = TEST_SETTINGS, ask: Ask = _ask, ablate_audio: bool = False,
              score: Score | None = None) -> ModelTestReport:
    """Ask the model every question (the first `limit` of them) and score its answers.

    The scores cover only the questions asked: with a limit, the set is cut to those questions.
    `ablate_audio` plays silence of each conversation's length instead: what is left of the score
    then comes from the questions' text alone. `score` answers by likelihood instead of `ask`.
    """
    if limit is not None and limit < 1:
        raise ValueError("--limit must be at least 1")
    pairs = list(quiz.questions())[:limit]
    rows: list[ModelAnswer] = []
    clips: dict[str, AudioClip] = {}
    for conversation, question in tqdm(pairs, desc=f"{loaded.name} takes {quiz.id}", disable=None):
        prompt = question.prompt()
        if conversation.id not in clips:
            clip = load_audio(conversation.audio)
            clips = {conversation.id: silence_like(clip) if ablate_audio else clip}  # one conversation at a time
        try:
            if score is None:
                reply = ask(loaded, clips[conversation.id], prompt, settings).text
                rows.append(ModelAnswer(question.id, prompt, reply, read_choice(reply, question.options), question.answer))
            else:
                scores = score(loaded, clips[conversation.id], prompt, question.options)
                rows.append(ModelAnswer(question.id, prompt, scores.reply, scores.best, question.answer,
                                        option_scores=dict(scores.scores)))
        except InputTooLongError as error:
            _LOG.warning("%s: %s", question.id, error)
            rows.append(ModelAnswer(question.id, prompt, "", None, question.answer, str(error)))
    asked = _restrict(quiz, {r.question_id for r in rows})
    result = score_answers(asked, {r.question_id: r.chosen for r in rows})
    return ModelTestReport(loaded.name, tuple(rows), result)


def _restrict(quiz: QuizSet, question_ids: set[str]) -> QuizSet:
    """The set cut to the given questions (conversations left without questions dropped)."""
    conversations = []
    for conversation in quiz.conversations:
        kept = tuple(q for q in conversation.questions if q.id in question_ids)
        if kept:
            conversations.append(replace(conversation, questions=kept))
    return replace(quiz, conversations=tuple(conversations))


@dataclass(frozen=True)
class Explanation:
    question_id: str
    text: str
    chosen: str | None
    answer: str

    @property
    def correct(self) -> bool:
        return self.chosen == self.answer


def read_final_choice(text: str, options: Mapping[str, str]) -> str | None:
    """The letter a step-by-step answer ends on: the last line that names one option.

    Reading the whole text would see every option the reasoning weighs; the conclusion comes last.
    """
    for line in reversed([line for line in (text or "").splitlines() if line.strip()]):
        letter = read_choice(line, options)
        if letter is not None:
            return letter
    return None


def explain_question(loaded: LoadedModel, quiz: QuizSet, question_id: str,
                     settings: DecodingSettings = EXPLAIN_SETTINGS, ask: Ask = _ask) -> Explanation:
    """Transcribe → reason → letter, for the review after submission (it shows the model's reasoning)."""
    conversation, question = quiz.find(question_id)
    instruction = COT_INSTRUCTION.format(prompt=question.prompt())
    reply = ask(loaded, load_audio(conversation.audio), instruction, settings).text
    return Explanation(question.id, reply, read_final_choice(reply, question.options), question.answer)
