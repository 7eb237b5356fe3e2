"""Scoring a submission, the review after it, and the student view that must not give answers away."""

from __future__ import annotations

import json

import pytest
from quiz_sets import write_tiny_set

from wavllm_core.quiz import AnswerError, bundled_sets, load_quiz, score_answers, student_view


@pytest.fixture
def quiz(tmp_path):
    return load_quiz(write_tiny_set(tmp_path / "set"))


def test_scores_are_counted_per_section(quiz):
    result = score_answers(quiz, {"Q1": "B", "Q2": "A", "Q3": "A"})
    assert [(s.number, s.correct, s.total) for s in result.sections] == [(1, 1, 1), (2, 1, 2)]
    assert (result.correct, result.total) == (2, 3)
    assert result.percent == pytest.approx(200 / 3)


def test_scores_are_counted_per_question_type(quiz):
    result = score_answers(quiz, {"Q1": "A", "Q2": "C", "Q3": "A"})
    assert {t.type: (t.correct, t.total) for t in result.by_type} == {"time": (0, 1), "price": (1, 1), "detail": (1, 1)}


def test_an_unanswered_question_counts_as_wrong_and_is_marked_unanswered(quiz):
    result = score_answers(quiz, {"Q1": "B"})
    item = result.review[1]
    assert (item.question_id, item.chosen, item.correct) == ("Q2", None, False)
    assert result.sections[1].answered == 0


def test_letters_are_read_in_either_case(quiz):
    assert score_answers(quiz, {"Q1": " b "}).review[0].correct


def test_the_review_marks_the_evidence_lines_of_each_question(quiz):
    review = score_answers(quiz, {}).review
    assert [line.evidence for line in review[0].transcript] == [False, True]
    assert [line.evidence for line in review[1].transcript] == [False, True, True]
    assert [line.evidence for line in review[2].transcript] == [False, False, True]
    assert review[2].evidence == (2.0, 2.9) and review[2].answer == "A"


def test_the_review_numbers_questions_through_the_whole_paper(quiz):
    assert [(r.number, r.section) for r in score_answers(quiz, {}).review] == [(1, 1), (2, 2), (3, 2)]


def test_an_answer_to_a_question_the_set_does_not_have_is_refused(quiz):
    with pytest.raises(AnswerError, match="no question 'Q7'"):
        score_answers(quiz, {"Q7": "A"})


def test_a_letter_that_is_not_an_option_is_refused(quiz):
    with pytest.raises(AnswerError, match="question Q1: 'D' is not one of the options"):
        score_answers(quiz, {"Q1": "D"})


def test_the_result_turns_into_json(quiz):
    data = json.loads(json.dumps(score_answers(quiz, {"Q1": "B"}).to_dict()))
    assert data["correct"] == 1 and data["sections"][0]["percent"] == 100.0
    assert data["review"][0]["transcript"][1]["evidence"] is True


@pytest.mark.parametrize("which", ["tiny", "bundled"])
def test_the_student_view_holds_no_answer_evidence_or_transcript(quiz, which):
    sets = [quiz] if which == "tiny" else bundled_sets()
    assert sets, "no bundled sets found"
    for quiz_set in sets:
        view = student_view(quiz_set)
        text = json.dumps(view)
        for key in ('"answer"', '"evidence"', '"transcript"', '"type"', '"start"', '"end"', '"voices"'):
            assert key not in text, f"{key} in the student view of {quiz_set.id}"
        for line in (line.text for c in quiz_set.conversations for line in c.transcript):
            assert line not in text, f"transcript line leaked: {line!r}"
        for conversation in quiz_set.conversations:
            assert str(conversation.audio) in text
        # Every question still has its three options, so the right one is there, unmarked.
        questions = [q for s in view["sections"] for c in s["conversations"] for q in c["questions"]]
        assert [sorted(q["options"]) for q in questions] == [["A", "B", "C"]] * quiz_set.question_count


def test_the_student_view_keeps_the_section_rules(quiz):
    view = student_view(quiz)
    assert [(s["number"], s["plays"]) for s in view["sections"]] == [(1, 1), (2, 2)]
    assert "played twice" in view["sections"][1]["directions"]
    assert view["question_count"] == 3
