"""Scoring a submitted paper and the review a student reads afterwards.

`score_answers` is a pure function of the set and the answers: the same submission always gives the
same scores, whether it comes from the tab, the model run or a test. The review is the only place
where answers, evidence and transcripts leave the set (see `student_view` for the other side).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from .format import LETTERS, QuizSet


class AnswerError(ValueError):
    """A submission that names a question the set does not have, or a letter that is not an option."""


@dataclass(frozen=True)
class SectionScore:
    number: int
    correct: int
    total: int
    answered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class TypeScore:
    type: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ReviewLine:
    speaker: str
    text: str
    start: float | None
    end: float | None
    evidence: bool


@dataclass(frozen=True)
class ReviewItem:
    """One question after submission: what was chosen, what was right, and where it was said."""

    number: int
    question_id: str
    conversation_id: str
    section: int
    text: str
    options: dict[str, str]
    chosen: str | None
    answer: str
    correct: bool
    type: str
    evidence: tuple[float, float] | None
    transcript: tuple[ReviewLine, ...]
    audio: str


@dataclass(frozen=True)
class QuizResult:
    set_id: str
    sections: tuple[SectionScore, ...]
    by_type: tuple[TypeScore, ...]
    review: tuple[ReviewItem, ...]

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(correct=self.correct, total=self.total, percent=round(self.percent, 1))
        for section, item in zip(data["sections"], self.sections):
            section["percent"] = round(item.percent, 1)
        return data


def normalize_choice(choice: str | None) -> str | None:
    """"b", " B " → "B"; "" and None → None (unanswered)."""
    if choice is None:
        return None
    letter = str(choice).strip().upper()
    return letter or None


def check_answers(quiz: QuizSet, answers: Mapping[str, str | None]) -> dict[str, str | None]:
    """The submission with normalized letters; unknown question ids and non-options are errors."""
    known = {q.id for _, q in quiz.questions()}
    cleaned: dict[str, str | None] = {}
    for question_id, choice in answers.items():
        if question_id not in known:
            raise AnswerError(f"set {quiz.id!r} has no question {question_id!r}")
        letter = normalize_choice(choice)
        if letter is not None and letter not in LETTERS:
            raise AnswerError(f"question {question_id}: {choice!r} is not one of the options {', '.join(LETTERS)}")
        cleaned[question_id] = letter
    return cleaned


def score_answers(quiz: QuizSet, answers: Mapping[str, str | None]) -> QuizResult:
    """Scores per section and per question type, and the review of every question.

    A question missing from `answers` (or answered None) counts as unanswered and wrong.
    """
    chosen = check_answers(quiz, answers)
    review: list[ReviewItem] = []
    for number, (conversation, question) in enumerate(quiz.questions(), start=1):
        marked = set(conversation.evidence_lines(question))
        pick = chosen.get(question.id)
        review.append(ReviewItem(
            number=number, question_id=question.id, conversation_id=conversation.id,
            section=conversation.section, text=question.text, options=dict(question.options),
            chosen=pick, answer=question.answer, correct=pick == question.answer, type=question.type,
            evidence=question.evidence,
            transcript=tuple(ReviewLine(line.speaker, line.text, line.start, line.end, i in marked)
                             for i, line in enumerate(conversation.transcript)),
            audio=str(conversation.audio),
        ))
    sections = tuple(
        SectionScore(rule.number,
                     sum(r.correct for r in review if r.section == rule.number),
                     sum(1 for r in review if r.section == rule.number),
                     sum(r.chosen is not None for r in review if r.section == rule.number))
        for rule, _ in quiz.sections()
    )
    types = sorted({r.type for r in review})
    by_type = tuple(TypeScore(t, sum(r.correct for r in review if r.type == t), sum(r.type == t for r in review))
                    for t in types)
    return QuizResult(quiz.id, sections, by_type, tuple(review))
