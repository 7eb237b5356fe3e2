"""Gaokao-style listening practice: the set format, import of the published set, generated practice
sets, scoring and review, a student's progress, and the model taking the test.

A tab calls, in order: `bundled_sets()` / `load_quiz(dir)` → `student_view(quiz)` (no answers) →
`ProgressStore().start_attempt(name, quiz)` → `record_answer(...)` per click →
`finish_attempt(...)` → a `QuizResult` whose `review` holds answers, transcripts and evidence.
Model-side functions (`take_test`, `explain_question`) live in `model_takes_test`, which loads torch.
"""

from __future__ import annotations

from pathlib import Path

from .format import (
    LETTERS, MANIFEST_NAME, QUESTION_TYPES, SECTION_RULES, Conversation, Question, QuizFormatError, QuizSet,
    SectionRule, TranscriptLine, load_quiz,
)
from .progress import AttemptSummary, ProgressError, ProgressStore, clean_student_name, default_store_path
from .scoring import AnswerError, QuizResult, ReviewItem, ReviewLine, SectionScore, TypeScore, score_answers
from .student_view import student_view

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "assets" / "quiz"


def bundled_sets(directory: Path = BUNDLED_DIR) -> list[QuizSet]:
    """The practice sets shipped in assets/quiz/, in name order."""
    if not directory.is_dir():
        return []
    return [load_quiz(path) for path in sorted(directory.iterdir()) if (path / MANIFEST_NAME).is_file()]


__all__ = [
    "LETTERS", "MANIFEST_NAME", "QUESTION_TYPES", "SECTION_RULES", "AnswerError", "AttemptSummary", "BUNDLED_DIR",
    "Conversation", "ProgressError", "ProgressStore", "Question", "QuizFormatError", "QuizResult", "QuizSet",
    "ReviewItem", "ReviewLine", "SectionRule", "SectionScore", "TranscriptLine", "TypeScore", "bundled_sets",
    "clean_student_name", "default_store_path", "load_quiz", "score_answers", "student_view",
]
