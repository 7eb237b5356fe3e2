"""The Listening quiz tab's handlers, without a browser: exam and practice rules, submission, the review,
the model's explanation and run, and a student's progress."""

from __future__ import annotations

import csv
import json
import re

import gradio as gr
import pytest
import soundfile as sf
from quiz_sets import write_tiny_set

from app import quiz
from app.quiz import EXAM, PRACTICE, QuizDesk, QuizSession
from app.quiz_review import key_text
from app.service import ModelService
from wavllm_core.quiz import ProgressStore, load_quiz
from wavllm_core.quiz.listening_audio import EVIDENCE_MARGIN_S


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def service(loaded_tiny) -> ModelService:
    return ModelService(loader=lambda *args, **kwargs: loaded_tiny)


@pytest.fixture
def tiny(tmp_path):
    return load_quiz(write_tiny_set(tmp_path / "tiny"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3")


@pytest.fixture
def desk(service, store, tiny, clock, tmp_path) -> QuizDesk:
    return QuizDesk(service, store, [tiny], clock=clock, scratch=tmp_path / "scratch")


def started(desk: QuizDesk, mode: str, name: str = "Ana") -> QuizSession:
    return desk.start(QuizSession(), name, "tiny", mode)


def answered(desk: QuizDesk, session: QuizSession, answers: dict[str, str]) -> QuizSession:
    for question_id, letter in answers.items():
        session = desk.answer(session, question_id, letter)
    return session


def page_text(outputs) -> str:
    return json.dumps(outputs, default=str, ensure_ascii=False)


def secrets(quiz_set) -> list[str]:
    """What must not be on the page before it is earned: keys as the page names them, and transcripts."""
    found = [key_text(q.answer, q.options[q.answer]) for _, q in quiz_set.questions()]
    return found + [line.text for c in quiz_set.conversations for line in c.transcript]


# Exam mode -----------------------------------------------------------------------------------------

def test_exam_refuses_to_play_before_the_reading_time_is_over(desk, clock):
    session = started(desk, EXAM)
    with pytest.raises(quiz.QuizRuleError, match="reading time: 5 s left"):
        desk.play(session, "S1-1")
    clock.advance(5)
    session, audio = desk.play(session, "S1-1")
    assert audio.endswith("s1-1.wav") and session.plays == {"S1-1": 1}


def test_exam_reading_time_of_a_conversation_starts_when_it_is_shown(desk, clock):
    session = started(desk, EXAM)
    clock.advance(60)
    with pytest.raises(quiz.QuizRuleError, match="open conversation 2 first"):
        desk.play(session, "S2-1")
    session = desk.open(session, 1)
    clock.advance(9)
    with pytest.raises(quiz.QuizRuleError, match="1 s left"):  # two questions: 10 s to read them
        desk.play(session, "S2-1")
    clock.advance(1)
    assert desk.play(session, "S2-1")[0].plays["S2-1"] == 1


def test_exam_refuses_a_second_play_of_a_section_1_conversation(desk, clock):
    session = started(desk, EXAM)
    clock.advance(5)
    session, _ = desk.play(session, "S1-1")
    with pytest.raises(gr.Error, match="section 1 recordings are played once in the exam"):
        quiz.ui_play(desk, session)
    assert session.plays == {"S1-1": 1}


def test_exam_plays_a_section_2_conversation_twice_and_no_more(desk, clock):
    session = desk.open(started(desk, EXAM), 1)
    clock.advance(10)
    for _ in range(2):
        session, _ = desk.play(session, "S2-1")
    with pytest.raises(quiz.QuizRuleError, match="played twice"):
        desk.play(session, "S2-1")


def test_exam_play_counts_belong_to_one_browser_session(desk, clock):
    first, second = started(desk, EXAM, "Ana"), started(desk, EXAM, "Ben")
    clock.advance(5)
    desk.play(first, "S1-1")
    assert desk.play(second, "S1-1")[0].plays == {"S1-1": 1}


def test_exam_has_no_slow_speed_and_no_checking_before_submission(desk, clock):
    session = answered(desk, started(desk, EXAM), {"Q1": "B"})
    clock.advance(5)
    with pytest.raises(quiz.QuizRuleError, match="0.75× speed is for practice"):
        desk.play(session, "S1-1", slow=True)
    with pytest.raises(quiz.QuizRuleError, match="checked when you submit"):
        desk.lock(session, "Q1")


def test_the_exam_page_shows_no_transcript_or_key_until_submission(desk, tiny):
    session = answered(desk, started(desk, EXAM), {"Q1": "B", "Q2": "C", "Q3": "A"})
    pages = [quiz.ui_open(desk, session, index) for index in ("0", "1")]
    assert not any(secret in page_text(pages) for secret in secrets(tiny))
    session, result, _ = desk.submit(session)
    review = quiz.review_updates(desk, session)
    assert result.correct == 3 and key_text("B", "At 6:30.") in page_text(review)


def test_the_exam_timer_counts_up_to_the_time_allowed(desk, clock, tiny):
    session = started(desk, EXAM)
    clock.advance(75)
    status, play = quiz.ui_tick(desk, session)
    assert "time 01:15 of" in status and play["value"] == "▶ Play (1 of 1 plays left)"
    clock.advance(desk.time_allowed(tiny))
    assert "time is up" in quiz.ui_tick(desk, session)[0]


def test_exam_scores_are_given_per_section(desk, clock):
    session = answered(desk, started(desk, EXAM), {"Q1": "B", "Q2": "A", "Q3": "A"})
    outputs = quiz.ui_submit(desk, session)
    score = page_text(outputs)
    assert "| 1 | 1 | 1 | 1 | 100 |" in score and "| 2 | 1 | 2 | 2 | 50 |" in score


# Practice mode -------------------------------------------------------------------------------------

def test_practice_replays_without_a_limit_or_a_reading_time(desk):
    session = started(desk, PRACTICE)
    for _ in range(3):
        session, _ = desk.play(session, "S1-1")
    assert session.plays == {"S1-1": 3}


def test_practice_plays_a_recording_at_three_quarters_speed(desk, tiny):
    session, audio = desk.play(started(desk, PRACTICE), "S1-1", slow=True)
    assert sf.info(audio).duration == pytest.approx(tiny.conversations[0].duration_s / 0.75, abs=0.01)


def test_locking_a_practice_answer_shows_the_key_and_the_transcript_once_the_conversation_is_checked(desk):
    session = desk.open(answered(desk, started(desk, PRACTICE), {"Q2": "A", "Q3": "A"}), 1)
    page = page_text(quiz.ui_lock(desk, session, "Q2"))
    assert key_text("C", "$18.") in page and "Nine dollars each" not in page  # Q3 is not checked yet
    session = desk.lock(session, "Q2")
    page = page_text(quiz.ui_lock(desk, session, "Q3"))
    assert "✓ **Right.**" in page and "<mark>Then two blue ones for my sisters, please.</mark>" in page
    assert "evidence for Q2, Q3" in page


def test_a_locked_practice_answer_cannot_be_changed(desk):
    session = desk.lock(answered(desk, started(desk, PRACTICE), {"Q1": "A"}), "Q1")
    with pytest.raises(gr.Error, match="question 1 is locked"):
        quiz.ui_answer(desk, session, "Q1", "B")
    assert session.answers == {"Q1": "A"}


def test_a_lock_saves_the_choice_the_page_shows_if_its_own_event_has_not_arrived(desk, store):
    session = quiz.ui_lock(desk, started(desk, PRACTICE), "Q1", "B")[0]
    assert session.locked == ("Q1",) and store.saved_answers(session.attempt_id) == {"Q1": "B"}


def test_submit_counts_the_choices_the_page_shows(desk):
    session = answered(desk, desk.open(started(desk, EXAM), 1), {"Q1": "B"})
    session = quiz.ui_submit(desk, session, "Q2", "Q3", "", "", "C", "A", None, None)[0]
    assert session.submitted and desk.result(session).correct == 3


def test_locking_needs_an_answer_first(desk):
    with pytest.raises(gr.Error, match="choose an answer to question 1 before locking it"):
        quiz.ui_lock(desk, started(desk, PRACTICE), "Q1", None)


# Names, sessions, submission -----------------------------------------------------------------------

def test_an_empty_student_name_is_refused_and_the_attempt_in_progress_is_kept(desk, store):
    session = answered(desk, started(desk, PRACTICE), {"Q1": "B"})
    with pytest.raises(gr.Error, match="enter a student name first"):
        quiz.ui_start(desk, session, "   ", "tiny", PRACTICE)
    assert session.answers == {"Q1": "B"} and store.saved_answers(session.attempt_id) == {"Q1": "B"}
    assert desk.submit(desk.submit(session)[0])[1].correct == 1  # the same attempt can still be submitted


def test_two_sessions_answering_the_same_set_keep_separate_attempts(desk, store):
    ana, ana_again = started(desk, PRACTICE), started(desk, PRACTICE)
    ana = answered(desk, ana, {"Q1": "B", "Q2": "C", "Q3": "A"})
    ana_again = answered(desk, ana_again, {"Q1": "A", "Q2": "A", "Q3": "B"})
    assert desk.submit(ana)[1].correct == 3 and desk.submit(ana_again)[1].correct == 0
    assert sorted(a.correct for a in store.history("Ana")) == [0, 3]


def test_submitting_with_unanswered_questions_needs_a_second_press(desk, store):
    session = answered(desk, started(desk, EXAM), {"Q1": "B"})
    session, result, note = desk.submit(session)
    assert result is None and "2 of 3 questions are unanswered (question 2, 3)" in note
    assert store.history("Ana") == []
    session, result, note = desk.submit(session)
    assert result.correct == 1 and result.sections[1].answered == 0 and "with 2 unanswered" in note


def test_answering_after_the_first_submit_press_asks_again(desk):
    session = answered(desk, started(desk, EXAM), {"Q1": "B"})
    session, _, _ = desk.submit(session)
    session = desk.answer(session, "Q2", "C")
    session, result, note = desk.submit(session)
    assert result is None and "(question 3)" in note


def test_a_submitted_attempt_takes_no_more_answers(desk):
    session, _, _ = desk.submit(answered(desk, started(desk, EXAM), {"Q1": "B", "Q2": "C", "Q3": "A"}))
    with pytest.raises(gr.Error, match="this attempt is submitted; press Start"):
        quiz.ui_answer(desk, session, "Q1", "A")


# The review ----------------------------------------------------------------------------------------

@pytest.fixture
def submitted(desk) -> QuizSession:
    session = answered(desk, started(desk, EXAM), {"Q1": "A", "Q2": "C", "Q3": "A"})
    return desk.submit(session)[0]


def test_the_review_shows_the_right_answer_and_highlights_the_evidence_sentence(desk, submitted):
    html, _, _ = quiz.ui_review_item(desk, submitted, "Q1")
    assert key_text("B", "At 6:30.") in html and "(your answer)" in html and "wrong" in html
    assert "<mark>Make it half past six, my piano lesson ends late.</mark>" in html
    assert "<mark>Shall we meet" not in html


def test_the_evidence_button_plays_the_evidence_span(desk, submitted):
    audio = quiz.evidence_file(desk, submitted, "Q1")
    assert sf.info(audio).duration == pytest.approx(2.8 - 1.5 + 2 * EVIDENCE_MARGIN_S, abs=0.01)


def test_review_evidence_and_explanation_wait_for_submission(desk):
    session = answered(desk, started(desk, EXAM), {"Q1": "B"})
    for handler in (quiz.ui_review_item, quiz.evidence_file, quiz.ui_explain):
        with pytest.raises(gr.Error, match="the review opens when the paper is submitted"):
            handler(desk, session, "Q1")


def test_the_model_explains_a_question_step_by_step_and_says_plainly_it_is_untrained(desk, submitted):
    text = quiz.ui_explain(desk, submitted, "Q2")
    assert "tiny-random, step by step" in text and "has untrained random weights" in text
    assert re.search(r"right answer(?: is \*\*|: )C", text)  # named whether or not the reply names a letter


def test_the_model_takes_the_test_only_for_a_set_submitted_in_this_session(desk, clock):
    session = started(desk, PRACTICE)
    with pytest.raises(gr.Error, match="submit Tiny set first: the model's results show the answer key"):
        quiz.ui_model_test(desk, session, "tiny")
    session, _, _ = desk.submit(desk.submit(session)[0])
    text, table = quiz.ui_model_test(desk, desk.start(session, "Ana", "tiny", EXAM), "tiny")
    assert "tiny-random took Tiny set" in text and "score is chance" in text
    assert list(table["right answer"]) == ["B", "C", "A"] and table["model's reply"].map(len).gt(0).all()


# Progress --------------------------------------------------------------------------------------------

def test_progress_shows_attempts_accuracy_per_type_and_the_history_chart(desk):
    for answers in ({"Q1": "B", "Q2": "A", "Q3": "A"}, {"Q1": "B", "Q2": "C", "Q3": "A"}):
        desk.submit(answered(desk, started(desk, EXAM), answers))
    text, attempts, types, chart = quiz.ui_progress(desk, "ana")
    assert "2 submitted attempt(s)" in text and list(attempts["score"]) == ["2/3", "3/3"]
    assert types.iloc[0]["question type"] == "price" and types.iloc[0]["accuracy %"] == 50.0  # weakest first
    assert list(chart["attempt"]) == [1, 2] and list(chart["percent"]) == [66.7, 100.0]


def test_progress_for_an_empty_name_is_refused_with_a_message(desk):
    with pytest.raises(gr.Error, match="enter a student name first"):
        quiz.ui_progress(desk, "")


def test_the_csv_export_holds_each_submitted_answer(desk):
    desk.submit(answered(desk, started(desk, EXAM), {"Q1": "B", "Q2": "A", "Q3": "A"}))
    with open(quiz.export_csv(desk, "Ana"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["question_id"], r["chosen"], r["correct"]) for r in rows] == [("Q1", "B", "1"), ("Q2", "A", "0"),
                                                                              ("Q3", "A", "1")]


# What the server hands out -------------------------------------------------------------------------------

def test_only_audio_folders_are_served_never_a_folder_holding_a_manifest(tmp_path):
    write_tiny_set(tmp_path / "sets" / "tiny")
    assert quiz.audio_dirs(tmp_path / "sets") == [str((tmp_path / "sets" / "tiny" / "audio").resolve())]
    flat = write_tiny_set(tmp_path / "flat" / "set")
    manifest = json.loads((flat / "quiz.json").read_text())
    for section in manifest["sections"]:
        for conversation in section["conversations"]:
            (flat / conversation["audio"]).rename(flat / conversation["audio"].split("/")[-1])
            conversation["audio"] = conversation["audio"].split("/")[-1]
    (flat / "quiz.json").write_text(json.dumps(manifest))
    assert quiz.audio_dirs(tmp_path / "flat") == []
