"""The model takes the test, the step-by-step explanation, and the `quiz` command line."""

from __future__ import annotations

import json

import pytest
from quiz_sets import write_fake_release, write_tiny_set

from wavllm_core.cli import main
from wavllm_core.evaluation.answers import read_choice
from wavllm_core.generation import DecodingSettings
from wavllm_core.option_scoring import OptionScores, option_replies
from wavllm_core.quiz import load_quiz
from wavllm_core.quiz.model_takes_test import (
    COT_INSTRUCTION, explain_question, read_final_choice, take_test,
)
from wavllm_core.processing import InputTooLongError


class _Loaded:
    name = "fake"


class _Reply:
    def __init__(self, text: str):
        self.text = text


def _scripted(replies: dict[str, str], asked: list[str] | None = None):
    """An `ask` that answers by question text, recording each prompt it was given."""
    def ask(loaded, clip, prompt, settings):
        if asked is not None:
            asked.append(prompt)
        return _Reply(next(reply for question, reply in replies.items() if question in prompt))
    return ask


@pytest.fixture
def quiz(tmp_path):
    return load_quiz(write_tiny_set(tmp_path / "set"))


def test_each_question_is_asked_in_the_published_one_line_form(quiz):
    asked: list[str] = []
    take_test(_Loaded(), quiz, ask=_scripted({"meet": "B", "pay": "C", "for?": "A"}, asked))
    assert asked[0] == "When will the speakers meet? A. At 6:15; B. At 6:30; C. At 7:00."
    assert len(asked) == 3


def test_answers_are_read_from_free_text_and_scored(quiz):
    replies = {"meet": "The answer is b.", "pay": "He pays $18.", "for?": "I think C. Himself"}
    report = take_test(_Loaded(), quiz, ask=_scripted(replies))
    assert [(r.question_id, r.chosen, r.correct) for r in report.rows] == [
        ("Q1", "B", True), ("Q2", "C", True), ("Q3", "C", False)]
    assert report.accuracy == pytest.approx(2 / 3)
    assert [(s.correct, s.total) for s in report.result.sections] == [(1, 1), (1, 2)]


def test_a_reply_that_names_no_option_counts_as_unreadable(quiz):
    report = take_test(_Loaded(), quiz, ask=_scripted({"meet": "I am not sure.", "pay": "A or C", "for?": "A"}))
    assert [r.chosen for r in report.rows] == [None, None, "A"] and report.unreadable == 2


def test_a_limit_scores_only_the_questions_asked(quiz):
    report = take_test(_Loaded(), quiz, limit=2, ask=_scripted({"meet": "B", "pay": "A"}))
    assert [r.question_id for r in report.rows] == ["Q1", "Q2"]
    assert report.result.total == 2 and [s.total for s in report.result.sections] == [1, 1]


def test_with_the_audio_ablated_the_model_hears_silence_of_the_conversations_length(quiz):
    heard = []

    def ask(loaded, clip, prompt, settings):
        heard.append(clip)
        return _Reply("A")

    plain, ablated = take_test(_Loaded(), quiz, ask=ask), take_test(_Loaded(), quiz, ask=ask, ablate_audio=True)
    assert len(plain.rows) == len(ablated.rows) == 3
    assert all(a.num_samples == b.num_samples for a, b in zip(heard[:3], heard[3:]))
    assert any(clip.samples.any() for clip in heard[:3]) and not any(clip.samples.any() for clip in heard[3:])


def test_by_likelihood_the_likeliest_option_is_the_answer_and_its_scores_are_kept(quiz):
    def score(loaded, clip, prompt, options):
        favoured = {"meet": "B", "pay": "C", "for?": "C"}[next(k for k in ("meet", "pay", "for?") if k in prompt)]
        return OptionScores(option_replies(options), {letter: 0.0 if letter == favoured else -1.0 for letter in options})

    report = take_test(_Loaded(), quiz, ask=_scripted({}), score=score)
    assert [(r.chosen, r.correct) for r in report.rows] == [("B", True), ("C", True), ("C", False)]
    assert report.rows[0].reply == "At 6:30 (B)" and report.rows[0].option_scores == {"A": -1.0, "B": 0.0, "C": -1.0}
    assert report.unreadable == 0


def test_a_question_the_model_cannot_take_is_recorded_and_the_run_goes_on(quiz):
    def ask(loaded, clip, prompt, settings):
        if "meet" in prompt:
            raise InputTooLongError("the audio is 40.0 s long, but ...")
        return _Reply("A")
    report = take_test(_Loaded(), quiz, ask=ask)
    assert report.failed == 1 and report.rows[0].error and [r.chosen for r in report.rows[1:]] == ["A", "A"]


def test_a_limit_below_one_is_refused(quiz):
    with pytest.raises(ValueError, match="at least 1"):
        take_test(_Loaded(), quiz, limit=0)


@pytest.mark.parametrize("reply, letter", [
    ("B", "B"), ("B. At 6:30", "B"), ("the answer is b", "B"), ("They will meet at 6:30.", "B"),
    ("At 7:00, when the film starts.", "C"), ("Either 6:15 or 6:30.", None), ("Half past six.", None), ("", None),
])
def test_replies_about_clock_times_are_read(reply, letter):
    assert read_choice(reply, {"A": "At 6:15.", "B": "At 6:30.", "C": "At 7:00."}) == letter


def test_a_price_reply_is_read_by_its_number():
    options = {"A": "$9.", "B": "$12.", "C": "$18."}
    assert read_choice("He pays 18 dollars in all.", options) == "C"
    assert read_choice("9 dollars each, so 18.", options) is None


def test_the_final_letter_of_a_step_by_step_answer_is_the_conclusion():
    options = {"A": "At 6:15.", "B": "At 6:30.", "C": "At 7:00."}
    text = ("Transcript: W: Shall we meet at six fifteen? M: Make it half past six.\n"
            "The woman proposes A, at 6:15, but the man changes it, and C is when the film starts.\n"
            "Answer: B")
    assert read_final_choice(text, options) == "B"
    assert read_final_choice("No idea.", options) is None


def test_the_explanation_runs_the_cot_instruction_and_checks_the_letter(quiz):
    asked: list[str] = []
    reply = "Transcription: ... They agree on half past six.\nAnswer: B"
    explanation = explain_question(_Loaded(), quiz, "Q1", ask=_scripted({"meet": reply}, asked))
    assert asked == [COT_INSTRUCTION.format(prompt=quiz.conversations[0].questions[0].prompt())]
    assert (explanation.text, explanation.chosen, explanation.correct) == (reply, "B", True)


def test_explaining_an_unknown_question_is_refused(quiz):
    with pytest.raises(ValueError, match="no question 'Q9'"):
        explain_question(_Loaded(), quiz, "Q9", ask=_scripted({}))


@pytest.mark.slow
def test_the_tiny_model_takes_the_test_end_to_end(quiz, loaded_tiny):
    report = take_test(loaded_tiny, quiz, settings=DecodingSettings(max_new_tokens=4, greedy=True))
    assert len(report.rows) == 3 and all(r.error is None for r in report.rows)
    assert report.result.total == 3
    assert all(r.chosen in (None, "A", "B", "C") for r in report.rows)


def test_quiz_check_summarises_a_valid_set(quiz, capsys):
    assert main(["quiz", "check", str(quiz.directory)]) == 0
    out = capsys.readouterr().out
    assert "section 2: 1 conversation(s), 2 question(s), played twice" in out and "valid" in out


def test_quiz_check_reports_a_broken_set_as_one_error_line(tmp_path, capsys):
    assert main(["quiz", "check", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_quiz_make_without_a_tts_program_explains_how_to_install_one(tmp_path, capsys):
    status = main(["quiz", "make", "--seed", "1", "--out", str(tmp_path / "set"), "--tts", str(tmp_path / "missing")])
    assert status == 2
    assert "no TTS voice is installed" in capsys.readouterr().err


def test_quiz_import_from_the_command_line(tmp_path, capsys):
    tsv = write_fake_release(tmp_path / "release")
    assert main(["quiz", "import", "--tsv", str(tsv), "--audio-dir", str(tmp_path / "release"),
                 "--out", str(tmp_path / "set")]) == 0
    assert "section 1: 3 conversation(s)" in capsys.readouterr().out
    assert load_quiz(tmp_path / "set").question_count == 3


@pytest.mark.slow
def test_quiz_run_reports_accuracy_as_json(quiz, loaded_tiny, capsys):
    assert main(["quiz", "run", "--model", "tiny-random", "--set", str(quiz.directory), "--limit", "1",
                 "--device", "cpu", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["set"] == "tiny" and data["result"]["total"] == 1 and len(data["answers"]) == 1
    assert data["ablate_audio"] is False


@pytest.mark.slow
def test_quiz_run_by_likelihood_answers_every_question_with_its_option_scores(quiz, loaded_tiny, capsys):
    assert main(["quiz", "run", "--model", "tiny-random", "--set", str(quiz.directory), "--limit", "2",
                 "--device", "cpu", "--json", "--by-likelihood"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_likelihood"] is True and data["unreadable"] == 0
    assert all(a["chosen"] in a["option_scores"] and len(a["option_scores"]) == 3 for a in data["answers"])


@pytest.mark.slow
def test_quiz_run_with_the_audio_ablated_says_so(quiz, loaded_tiny, capsys):
    assert main(["quiz", "run", "--model", "tiny-random", "--set", str(quiz.directory), "--limit", "1",
                 "--device", "cpu", "--ablate-audio"]) == 0
    assert "(audio ablated: silence)" in capsys.readouterr().out
