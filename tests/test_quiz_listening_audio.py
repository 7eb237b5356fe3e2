"""The quiz's extra audio: a question's evidence span, and the slower practice version of a recording."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from quiz_sets import write_tiny_set

from wavllm_core.audio import SAMPLE_RATE, load_audio
from wavllm_core.quiz import load_quiz
from wavllm_core.quiz.listening_audio import evidence_audio, slowed


def tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[np.argmax(spectrum)])


def test_three_quarter_speed_makes_the_audio_a_third_longer():
    assert len(slowed(tone(220, 2.0), 0.75)) == round(2.0 * SAMPLE_RATE / 0.75)


def test_slowing_keeps_the_pitch():
    assert dominant_hz(slowed(tone(220, 2.0), 0.75)) == pytest.approx(220, abs=2)


def test_slowing_keeps_the_level():
    out = slowed(tone(220, 2.0), 0.75)[2_000:-2_000]
    assert np.sqrt(np.mean(out**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_slowing_moves_a_sound_later_in_proportion():
    click = np.zeros(2 * SAMPLE_RATE, np.float32)
    click[SAMPLE_RATE: SAMPLE_RATE + 80] = np.hanning(80)
    assert np.argmax(np.abs(slowed(click, 0.75))) / SAMPLE_RATE == pytest.approx(1 / 0.75, abs=0.02)


def test_speed_one_returns_the_audio_unchanged():
    audio = tone(330, 0.5)
    assert np.array_equal(slowed(audio, 1.0), audio)


@pytest.mark.parametrize(("audio", "speed", "message"), [
    (np.zeros((2, 800), np.float32), 0.75, "expected mono"),
    (np.zeros(800, np.float32), 0.1, "outside 0.25-4"),
])
def test_bad_input_to_slowing_is_refused_with_a_message(audio, speed, message):
    with pytest.raises(ValueError, match=message):
        slowed(audio, speed)


def test_the_evidence_audio_is_the_span_with_a_margin(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    conversation, question = quiz.find("Q1")  # evidence 1.5-2.8 s
    cut = evidence_audio(conversation, question, margin_s=0.1)
    whole = load_audio(conversation.audio).samples
    assert np.array_equal(cut, whole[int(1.4 * SAMPLE_RATE): int(2.9 * SAMPLE_RATE)])


def test_a_question_without_an_evidence_span_has_no_evidence_audio(tmp_path):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    conversation, question = quiz.find("Q1")
    with pytest.raises(ValueError, match="question Q1 has no evidence span"):
        evidence_audio(conversation, replace(question, evidence=None))
