"""The quiz.json manifest: what a valid set looks like once loaded, and one test per bad input."""

from __future__ import annotations

import json

import pytest
from quiz_sets import tiny_manifest, write_tiny_set

from wavllm_core.quiz.format import QuizFormatError, load_quiz, quiz_to_dict, write_quiz


def _load_with(tmp_path, change):
    manifest = tiny_manifest()
    change(manifest)
    return load_quiz(write_tiny_set(tmp_path / "set", manifest))


def _short(manifest):
    return manifest["sections"][0]["conversations"][0]


def _long(manifest):
    return manifest["sections"][1]["conversations"][0]


def test_a_valid_set_loads_with_sections_questions_and_timed_transcripts(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    assert [(rule.number, rule.plays, len(items)) for rule, items in quiz.sections()] == [(1, 1, 1), (2, 2, 1)]
    assert [q.id for _, q in quiz.questions()] == ["Q1", "Q2", "Q3"]
    short = quiz.conversations[0]
    assert short.audio.is_file() and short.duration_s == pytest.approx(3.0)
    assert short.transcript[1].speaker == "M" and short.transcript[1].start == 1.5
    assert short.questions[0].evidence == (1.5, 2.8)


def test_the_evidence_lines_are_the_transcript_lines_inside_the_span(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    long = quiz.conversations[1]
    assert long.evidence_lines(long.questions[0]) == (1, 2)
    assert long.evidence_lines(long.questions[1]) == (2,)


def test_the_prompt_is_the_published_one_line_form(tmp_path):
    question = load_quiz(write_tiny_set(tmp_path / "set")).conversations[0].questions[0]
    assert question.prompt() == "When will the speakers meet? A. At 6:15; B. At 6:30; C. At 7:00."


def test_a_set_written_back_loads_unchanged(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    write_quiz(quiz)
    assert quiz_to_dict(load_quiz(tmp_path / "set")) == quiz_to_dict(quiz)


def test_a_directory_without_a_manifest_is_refused(tmp_path):
    with pytest.raises(QuizFormatError, match="no quiz manifest"):
        load_quiz(tmp_path)


def test_a_manifest_that_is_not_json_names_the_file(tmp_path):
    (tmp_path / "quiz.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(QuizFormatError, match=r"quiz\.json: not valid JSON"):
        load_quiz(tmp_path)


def test_a_missing_audio_file_names_the_conversation_and_field(tmp_path):
    def change(manifest):
        _short(manifest)["audio"] = "audio/gone.wav"
    with pytest.raises(QuizFormatError, match=r"conversation S1-1, field 'audio': audio file 'audio/gone.wav' not found"):
        _load_with(tmp_path, change)


def test_an_unreadable_audio_file_is_refused(tmp_path):
    root = write_tiny_set(tmp_path / "set")
    (root / "audio" / "s1-1.wav").write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(QuizFormatError, match=r"S1-1, field 'audio': .*cannot be read as audio"):
        load_quiz(root)


def test_an_audio_path_outside_the_set_is_refused(tmp_path):
    def change(manifest):
        _short(manifest)["audio"] = "../elsewhere.wav"
    with pytest.raises(QuizFormatError, match="must be a path inside the set directory"):
        _load_with(tmp_path, change)


def test_four_options_are_refused(tmp_path):
    def change(manifest):
        _short(manifest)["questions"][0]["options"]["D"] = "At 8:00."
    with pytest.raises(QuizFormatError, match=r"question Q1, field 'options': has options A, B, C, D; .*exactly three"):
        _load_with(tmp_path, change)


def test_an_answer_not_among_the_options_is_refused(tmp_path):
    def change(manifest):
        _long(manifest)["questions"][1]["answer"] = "D"
    with pytest.raises(QuizFormatError, match=r"conversation S2-1, question Q3, field 'answer': 'D' is not one of"):
        _load_with(tmp_path, change)


def test_duplicate_question_ids_are_refused(tmp_path):
    def change(manifest):
        _long(manifest)["questions"][1]["id"] = "Q1"
    with pytest.raises(QuizFormatError, match=r"question Q1, field 'id': duplicate question id 'Q1'"):
        _load_with(tmp_path, change)


def test_duplicate_conversation_ids_are_refused(tmp_path):
    def change(manifest):
        _long(manifest)["id"] = "S1-1"
    with pytest.raises(QuizFormatError, match=r"section 2, conversation S1-1, field 'id': duplicate conversation id"):
        _load_with(tmp_path, change)


def test_a_missing_field_is_named(tmp_path):
    def change(manifest):
        del _long(manifest)["questions"][0]["text"]
    with pytest.raises(QuizFormatError, match=r"question Q2, field 'text': is missing"):
        _load_with(tmp_path, change)


def test_an_unknown_question_type_is_refused(tmp_path):
    def change(manifest):
        _short(manifest)["questions"][0]["type"] = "colour"
    with pytest.raises(QuizFormatError, match=r"field 'type': 'colour' is not a known question type"):
        _load_with(tmp_path, change)


def test_a_section_one_conversation_with_two_questions_is_refused(tmp_path):
    def change(manifest):
        extra = dict(_short(manifest)["questions"][0], id="Q9")
        _short(manifest)["questions"].append(extra)
    with pytest.raises(QuizFormatError, match="has 2 questions; section 1 conversations have 1"):
        _load_with(tmp_path, change)


def test_section_two_played_once_is_refused(tmp_path):
    def change(manifest):
        manifest["sections"][1]["plays"] = 1
    with pytest.raises(QuizFormatError, match="section 2 recordings are played 2 time"):
        _load_with(tmp_path, change)


def test_an_evidence_span_past_the_end_of_the_audio_is_refused(tmp_path):
    def change(manifest):
        _short(manifest)["questions"][0]["evidence"] = {"start": 2.0, "end": 9.0}
    with pytest.raises(QuizFormatError, match=r"question Q1, evidence, field 'end': 9.0 s is past the end"):
        _load_with(tmp_path, change)


def test_an_evidence_span_that_ends_before_it_starts_is_refused(tmp_path):
    def change(manifest):
        _short(manifest)["questions"][0]["evidence"] = {"start": 2.0, "end": 1.0}
    with pytest.raises(QuizFormatError, match="is not after the start"):
        _load_with(tmp_path, change)


def test_an_unknown_evidence_span_may_be_null(tmp_path):
    def change(manifest):
        _short(manifest)["questions"][0]["evidence"] = None
    quiz = _load_with(tmp_path, change)
    assert quiz.conversations[0].questions[0].evidence is None
    assert quiz.conversations[0].evidence_lines(quiz.conversations[0].questions[0]) == ()


def test_a_transcript_line_with_a_start_but_no_end_is_refused(tmp_path):
    def change(manifest):
        del _short(manifest)["transcript"][0]["end"]
    with pytest.raises(QuizFormatError, match=r"transcript line 1, field 'end': give both start and end"):
        _load_with(tmp_path, change)


def test_an_unsupported_format_version_is_refused(tmp_path):
    def change(manifest):
        manifest["format"] = "wavllm-quiz/9"
    with pytest.raises(QuizFormatError, match="is not supported"):
        _load_with(tmp_path, change)


def test_the_written_manifest_keeps_audio_paths_relative(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    write_quiz(quiz)
    data = json.loads((tmp_path / "set" / "quiz.json").read_text())
    assert data["sections"][0]["conversations"][0]["audio"] == "audio/s1-1.wav"
