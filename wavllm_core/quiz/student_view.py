"""What a student may see before submitting: questions, options, audio and the section rules.

Answers, question types, evidence spans and transcripts stay out, so a page built from this view
cannot leak them (a browser's developer tools show everything a page was sent). They come back only
from `score_answers` after submission.
"""

from __future__ import annotations

from typing import Any

from .format import LETTERS, QuizSet


def student_view(quiz: QuizSet) -> dict[str, Any]:
    """The set as JSON-ready data without anything that gives an answer away."""
    sections = []
    number = 0
    for rule, conversations in quiz.sections():
        items = []
        for conversation in conversations:
            questions = []
            for question in conversation.questions:
                number += 1
                questions.append({"id": question.id, "number": number, "text": question.text,
                                  "options": {letter: question.options[letter] for letter in LETTERS}})
            items.append({"id": conversation.id, "audio": str(conversation.audio),
                          "duration_s": round(conversation.duration_s, 2), "questions": questions})
        sections.append({"number": rule.number, "plays": rule.plays, "directions": rule.directions,
                         "conversations": items})
    return {"id": quiz.id, "title": quiz.title, "description": quiz.description,
            "question_count": number, "sections": sections}
