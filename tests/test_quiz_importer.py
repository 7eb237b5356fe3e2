"""Importing the published Gaokao TSV (a small fake written here) and guessing question types."""

from __future__ import annotations

import pytest
from quiz_sets import GAOKAO_ROWS as ROWS
from quiz_sets import write_fake_release as _fake_release

from wavllm_core.quiz.importer import TSVImportError, import_official, split_prompt
from wavllm_core.quiz.question_types import guess_question_type


def test_every_row_becomes_a_section_one_conversation_with_its_question(tmp_path):
    tsv = _fake_release(tmp_path / "release")
    summary = import_official(tsv, tmp_path / "release", tmp_path / "set")
    quiz = summary.quiz
    assert [c.id for c in quiz.conversations] == ["short_conv_1", "short_conv_2", "short_conv_3"]
    assert {c.section for c in quiz.conversations} == {1} and quiz.source == "imported"
    question = quiz.conversations[1].questions[0]
    assert question.text == "How much does the man pay for the tickets?"
    assert question.options == {"A": "$10.", "B": "$15.", "C": "$20."}
    assert question.answer == "C" and question.evidence is None


def test_the_imported_prompt_matches_the_published_one(tmp_path):
    quiz = import_official(_fake_release(tmp_path / "release"), tmp_path / "release", tmp_path / "set").quiz
    assert quiz.conversations[0].questions[0].prompt() == ROWS[0][1]


def test_question_types_are_guessed_from_the_wording(tmp_path):
    quiz = import_official(_fake_release(tmp_path / "release"), tmp_path / "release", tmp_path / "set").quiz
    assert [q.type for _, q in quiz.questions()] == ["intention", "price", "relationship"]


def test_the_audio_is_copied_into_the_set(tmp_path):
    quiz = import_official(_fake_release(tmp_path / "release"), tmp_path / "release", tmp_path / "set").quiz
    audio = quiz.conversations[0].audio
    assert audio.parent == (tmp_path / "set" / "audio").resolve() and audio.is_file()


def test_transcripts_become_untimed_lines_with_speakers(tmp_path):
    tsv = _fake_release(tmp_path / "release")
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "short_conv_1.txt").write_text("W: Are you coming to the concert?\nM: No, I have to study.\n\n", encoding="utf-8")
    (texts / "short_conv_2.txt").write_text("Man: Two tickets, please.\nWoman：That's twenty dollars.\n", encoding="utf-8")
    summary = import_official(tsv, tmp_path / "release", tmp_path / "set", transcripts_dir=texts)
    first, second, third = summary.quiz.conversations
    assert [(l.speaker, l.text, l.start) for l in first.transcript] == [
        ("W", "Are you coming to the concert?", None), ("M", "No, I have to study.", None)]
    assert [l.speaker for l in second.transcript] == ["M", "W"]
    assert third.transcript == () and summary.missing_transcripts == ("short_conv_3",)


def test_a_tsv_with_missing_columns_names_them(tmp_path):
    tsv = _fake_release(tmp_path / "release", header="id\taudio\tprompt\ttgt_text")
    with pytest.raises(TSVImportError, match=r"gaokao\.tsv: missing column\(s\) n_frames, with_speech"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_a_prompt_without_three_options_names_the_line_and_id(tmp_path):
    tsv = _fake_release(tmp_path / "release", rows=(("short_conv_9", "What time is it? A. Six; B. Seven.", "A"),))
    with pytest.raises(TSVImportError, match=r"line 2 \(id short_conv_9\): field 'prompt'"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_an_answer_that_is_not_a_letter_is_refused(tmp_path):
    tsv = _fake_release(tmp_path / "release", rows=((ROWS[0][0], ROWS[0][1], "D"),))
    with pytest.raises(TSVImportError, match=r"field 'tgt_text': 'D' is not one of A, B, C"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_a_row_whose_audio_is_missing_is_refused(tmp_path):
    tsv = _fake_release(tmp_path / "release")
    (tmp_path / "release" / "gaokao_audio" / "short_conv_2.wav").unlink()
    with pytest.raises(TSVImportError, match=r"id short_conv_2\): field 'audio': audio gaokao_audio/short_conv_2.wav not found"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_a_row_whose_audio_cannot_be_read_is_refused(tmp_path):
    tsv = _fake_release(tmp_path / "release")
    (tmp_path / "release" / "gaokao_audio" / "short_conv_1.wav").write_bytes(b"garbage" * 20)
    with pytest.raises(TSVImportError, match="cannot be read as audio"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_duplicate_ids_in_the_tsv_are_refused(tmp_path):
    tsv = _fake_release(tmp_path / "release", rows=(ROWS[0], ROWS[0]))
    with pytest.raises(TSVImportError, match="line 3 .*duplicate id 'short_conv_1'"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_an_existing_set_is_not_overwritten_without_asking(tmp_path):
    tsv = _fake_release(tmp_path / "release")
    import_official(tsv, tmp_path / "release", tmp_path / "set")
    with pytest.raises(FileExistsError, match="already holds a quiz set"):
        import_official(tsv, tmp_path / "release", tmp_path / "set")


def test_split_prompt_separates_the_question_from_its_options():
    question, options = split_prompt("What will the man do next? A. Start to take exercise; B. Do as he always does; "
                                     "C. Change his working time.")
    assert question == "What will the man do next?"
    assert options["B"] == "Do as he always does."


@pytest.mark.parametrize("question, kind", [
    ("When will the speakers meet?", "time"),
    ("What time does the film start?", "time"),
    ("How long will the trip take?", "time"),
    ("Where is the woman going first?", "place"),
    ("How much will the man pay?", "price"),
    ("How many people will come to the party?", "number"),
    ("What will the man do next?", "intention"),
    ("What does the woman want to buy?", "intention"),
    ("What is the probable relationship between the speakers?", "relationship"),
    ("What does the woman think of the film?", "opinion"),
    ("Why is the man late?", "reason"),
    ("What does the man mean?", "meaning"),
    ("What are the speakers talking about?", "topic"),
    ("What is the woman doing?", "activity"),
    ("What does the man's sister do now?", "identity"),
    ("What colour is the bag?", "detail"),
])
def test_question_types_are_guessed_from_the_question_words(question, kind):
    assert guess_question_type(question) == kind
