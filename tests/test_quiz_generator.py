"""Generated practice sets: the content per seed, the voiced set with its timings, the bundled sets."""

from __future__ import annotations

import re
import shutil

import pytest

from wavllm_core.quiz import MANIFEST_NAME, bundled_sets
from wavllm_core.quiz.generator import draft_set, make_set
from wavllm_core.quiz.question_types import guess_question_type
from wavllm_core.quiz.tts import FliteTTS, TTSUnavailableError

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (apt-get install flite)")
_STOP = {"the", "a", "an", "at", "on", "in", "to", "of", "by", "his", "her", "he", "she", "their", "own", "s", "and"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - _STOP


def test_the_same_seed_drafts_the_same_set():
    assert draft_set(7) == draft_set(7)


def test_a_set_has_five_short_and_two_long_conversations_by_default():
    plan = draft_set(3)
    assert [p.section for p in plan] == [1] * 5 + [2] * 2
    assert all(len(p.draft.questions) == 1 for p in plan[:5])
    assert all(2 <= len(p.draft.questions) <= 4 for p in plan[5:])


def test_short_conversations_in_one_set_use_different_templates():
    for seed in range(10):
        templates = [p.draft.template for p in draft_set(seed)[:5]]
        assert len(set(templates)) == 5


def test_different_seeds_give_varied_content():
    lines = {line.text for seed in range(30) for p in draft_set(seed) for line in p.draft.lines}
    questions = {q.text for seed in range(30) for p in draft_set(seed) for q in p.draft.questions}
    templates = {p.draft.template for seed in range(30) for p in draft_set(seed)}
    assert len(lines) > 500 and len(questions) > 60 and len(templates) == 18


def test_answers_are_spread_over_the_three_letters():
    letters = [a for seed in range(30) for p in draft_set(seed) for a in p.answers]
    assert all(0.2 < letters.count(letter) / len(letters) < 0.47 for letter in "ABC")


def test_every_question_has_a_wrong_option_the_dialogue_mentions():
    for seed in range(40):
        for planned in draft_set(seed):
            said = set().union(*(_words(line.text) for line in planned.draft.lines))
            for item in planned.draft.questions:
                assert any(_words(wrong) & said for wrong in item.wrong), (planned.draft.template, item.text)


def test_the_evidence_lines_mention_the_right_answer_or_what_it_is_worked_out_from():
    for seed in range(40):
        for planned in draft_set(seed):
            for item in planned.draft.questions:
                evidence = set().union(*(_words(planned.draft.lines[i].text) for i in item.evidence))
                assert evidence, (planned.draft.template, item.text)
                assert all(0 <= i < len(planned.draft.lines) for i in item.evidence)


def test_the_type_guesser_agrees_with_the_generated_types():
    checked = {"time", "place", "price", "number", "relationship", "opinion", "reason", "meaning", "topic"}
    for seed in range(20):
        for planned in draft_set(seed):
            for item in planned.draft.questions:
                if item.type in checked:
                    assert guess_question_type(item.text) == item.type, item.text


def test_a_missing_tts_program_says_no_voice_is_installed(tmp_path):
    with pytest.raises(TTSUnavailableError, match="no TTS voice is installed.*apt-get install flite"):
        make_set(1, tmp_path / "set", tts=FliteTTS(binary=str(tmp_path / "no-such-flite")))
    assert not (tmp_path / "set" / MANIFEST_NAME).exists()


def _stalling_flite(folder, stalls: int):
    """A stand-in flite that hangs on its first `stalls` calls, then lists one voice."""
    script, count = folder / "flite", folder / "calls"
    script.write_text(f"""#!/bin/sh
n=$(cat {count} 2>/dev/null || echo 0); echo $((n + 1)) > {count}
[ "$n" -lt {stalls} ] && exec sleep 5
echo "Voices available: slt"
""")
    script.chmod(0o755)
    return FliteTTS(binary=str(script), timeout_s=0.5), count


def test_a_stalled_flite_call_is_tried_again(tmp_path, caplog):
    tts, calls = _stalling_flite(tmp_path, stalls=1)
    assert tts.voices() == ("slt",) and calls.read_text().strip() == "2"
    assert "trying again" in caplog.text


def test_a_flite_that_keeps_stalling_is_a_clear_error(tmp_path):
    tts, calls = _stalling_flite(tmp_path, stalls=5)
    with pytest.raises(TTSUnavailableError, match="did not finish within 0.5 s, 2 times in a row"):
        tts.voices()
    assert calls.read_text().strip() == "2"


@needs_flite
def test_a_voice_flite_does_not_have_is_named():
    with pytest.raises(TTSUnavailableError, match="flite has none of nobody"):
        FliteTTS().require(("nobody",))


@needs_flite
@pytest.mark.slow
def test_a_generated_set_is_valid_with_evidence_spans_from_the_line_timings(tmp_path):
    quiz = make_set(5, tmp_path / "set", short=1, long=1)
    assert [c.section for c in quiz.conversations] == [1, 2]
    for conversation in quiz.conversations:
        assert len(set(conversation.voices.values())) == len(conversation.voices)
        starts = [line.start for line in conversation.transcript]
        assert starts == sorted(starts) and conversation.transcript[-1].end < conversation.duration_s
        for question in conversation.questions:
            marked = conversation.evidence_lines(question)
            assert marked and question.evidence == (conversation.transcript[marked[0]].start,
                                                    conversation.transcript[marked[-1]].end)
    short = quiz.conversations[0]
    assert set(short.voices) == {line.speaker for line in short.transcript}


@needs_flite
@pytest.mark.slow
def test_making_a_set_twice_in_one_folder_needs_overwrite(tmp_path):
    make_set(2, tmp_path / "set", short=1, long=0)
    with pytest.raises(FileExistsError):
        make_set(2, tmp_path / "set", short=1, long=0)


def test_there_are_three_bundled_sets_shaped_like_the_paper():
    sets = bundled_sets()
    assert len(sets) >= 3
    for quiz in sets:
        sections = {rule.number: items for rule, items in quiz.sections()}
        assert len(sections[1]) == 5 and len(sections[2]) == 2
        assert quiz.source == "generated" and "not taken from any exam" in quiz.description


def test_the_bundled_sets_were_made_by_the_generator_from_their_seed():
    for quiz in bundled_sets():
        plan = draft_set(quiz.meta["seed"], quiz.meta["short"], quiz.meta["long"])
        assert [[line.text for line in c.transcript] for c in quiz.conversations] == [
            [line.text for line in p.draft.lines] for p in plan]
        assert [(q.text, tuple(q.options.values()), q.answer) for _, q in quiz.questions()] == [
            (item.text, options, answer) for p in plan
            for item, options, answer in zip(p.draft.questions, p.letters, p.answers)]


def test_the_bundled_sets_are_small_16_khz_mono_audio():
    import soundfile as sf

    for quiz in bundled_sets():
        size = sum(c.audio.stat().st_size for c in quiz.conversations) + quiz.manifest_path.stat().st_size
        assert size <= 1.75e6, f"{quiz.id} is {size / 1e6:.2f} MB"
        for conversation in quiz.conversations:
            info = sf.info(str(conversation.audio))
            assert (info.samplerate, info.channels) == (16_000, 1)
