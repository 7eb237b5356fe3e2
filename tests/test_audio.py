"""Behaviour of wavllm_core.audio; every fixture is synthesised into tmp_path."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavllm_core.audio import (
    MIN_DURATION_S,
    SAMPLE_RATE,
    AudioClip,
    AudioError,
    load_audio,
    prepare_waveform,
    silence_like,
)


def sine(rate: int, seconds: float = 1.0, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(rate * seconds))) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def write(path: Path, data: np.ndarray, rate: int = SAMPLE_RATE, subtype: str = "FLOAT") -> Path:
    sf.write(path, data, rate, format="WAV", subtype=subtype)
    return path


def dominant_hz(clip: AudioClip) -> float:
    spectrum = np.abs(np.fft.rfft(clip.samples))
    return float(np.fft.rfftfreq(clip.num_samples, 1 / clip.sample_rate)[spectrum.argmax()])


def test_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match="the file is empty"):
        load_audio(path)


def test_refuses_a_text_file_and_lists_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_text("this is not audio at all, just some words\n" * 10)
    with pytest.raises(AudioError, match="could not read x.wav as audio") as err:
        load_audio(path)
    assert all(name in str(err.value) for name in ("WAV", "FLAC", "OGG", "MP3"))


@pytest.mark.parametrize(
    "name, header, format_name",
    [
        ("voice.m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00isomiso2", "MP4/M4A"),
        ("song.mid", b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk", "MIDI"),
    ],
)
def test_refuses_an_unsupported_container_and_suggests_converting(
    tmp_path: Path, name: str, header: bytes, format_name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(header + bytes(64))
    with pytest.raises(AudioError, match=rf"is {format_name}.*not supported") as err:
        load_audio(path)
    assert "WAV or FLAC" in str(err.value) and "ffmpeg" in str(err.value)


def test_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="file not found: .*nope.wav"):
        load_audio(tmp_path / "nope.wav")


def test_refuses_a_wav_with_zero_frames(tmp_path: Path) -> None:
    path = write(tmp_path / "zero.wav", np.zeros((0, 1)))
    with pytest.raises(AudioError, match="contains no samples"):
        load_audio(path)


def test_refuses_audio_shorter_than_the_minimum_and_gives_its_duration(tmp_path: Path) -> None:
    path = write(tmp_path / "short.wav", sine(SAMPLE_RATE, seconds=0.05))
    with pytest.raises(AudioError, match=rf"0\.050 s long; the minimum is {MIN_DURATION_S} s"):
        load_audio(path)


def test_accepts_all_silence_with_a_warning(tmp_path: Path) -> None:
    clip = load_audio(write(tmp_path / "silent.wav", np.zeros(SAMPLE_RATE), subtype="PCM_16"))
    assert clip.num_samples == SAMPLE_RATE
    assert any("silence" in note for note in clip.warnings)


def test_refuses_non_finite_samples_and_counts_them(tmp_path: Path) -> None:
    data = sine(SAMPLE_RATE)
    data[[10, 20, 30]] = [np.nan, np.inf, -np.inf]
    with pytest.raises(AudioError, match="3 of 16000 samples are not finite.*corrupted"):
        load_audio(write(tmp_path / "bad.wav", data))


@pytest.mark.parametrize("channels", [2, 6])
def test_downmixes_multichannel_files_to_the_channel_mean(tmp_path: Path, channels: int) -> None:
    rng = np.random.default_rng(channels)
    data = rng.uniform(-0.5, 0.5, size=(SAMPLE_RATE, channels)).astype(np.float32)
    clip = load_audio(write(tmp_path / "multi.wav", data))
    assert clip.samples.ndim == 1 and clip.source_channels == channels
    np.testing.assert_allclose(clip.samples, data.mean(axis=1), atol=1e-6)
    assert f"downmixed {channels} channels to mono" in clip.warnings


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_resamples_to_16khz_keeping_duration_and_pitch(tmp_path: Path, rate: int) -> None:
    clip = load_audio(write(tmp_path / "tone.wav", sine(rate, seconds=1.0), rate))
    assert clip.sample_rate == SAMPLE_RATE and clip.source_rate == rate
    assert abs(clip.duration_s - 1.0) <= 1e-3
    assert abs(dominant_hz(clip) - 440.0) <= 1.0
    assert f"resampled {rate} Hz -> {SAMPLE_RATE} Hz" in clip.warnings


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "DOUBLE"])
def test_reads_integer_and_double_wavs_as_float32_with_the_right_amplitude(
    tmp_path: Path, subtype: str
) -> None:
    clip = load_audio(write(tmp_path / "amp.wav", sine(SAMPLE_RATE, amp=0.5), subtype=subtype))
    assert clip.samples.dtype == np.float32
    assert abs(float(np.abs(clip.samples).max()) - 0.5) < 1e-3


def test_accepts_clipped_audio_with_a_warning(tmp_path: Path) -> None:
    data = np.clip(sine(SAMPLE_RATE, amp=2.0), -1.0, 1.0)
    clip = load_audio(write(tmp_path / "loud.wav", data, subtype="PCM_16"))
    assert any(note.startswith("clipped") for note in clip.warnings)


def test_reads_file_contents_given_as_bytes() -> None:
    buffer = io.BytesIO()
    sf.write(buffer, sine(SAMPLE_RATE), SAMPLE_RATE, format="FLAC")
    clip = load_audio(buffer.getvalue())
    assert clip.num_samples == SAMPLE_RATE
    assert abs(dominant_hz(clip) - 440.0) <= 1.0


def test_reads_a_gradio_style_rate_and_int16_stereo_tuple() -> None:
    left = (sine(44100, amp=0.5) * 32767).astype(np.int16)
    clip = load_audio((44100, np.stack([left, left], axis=1)))
    assert clip.source_rate == 44100 and clip.source_channels == 2
    assert clip.samples.dtype == np.float32 and clip.num_samples == SAMPLE_RATE
    assert abs(float(np.abs(clip.samples).max()) - 0.5) < 5e-3


def test_passes_16khz_mono_float_through_unchanged() -> None:
    data = sine(SAMPLE_RATE).astype(np.float32)
    clip = prepare_waveform(data, SAMPLE_RATE)
    np.testing.assert_array_equal(clip.samples, data)
    assert clip.warnings == ()


def test_returns_an_audio_clip_as_is() -> None:
    clip = prepare_waveform(sine(SAMPLE_RATE).astype(np.float32), SAMPLE_RATE)
    assert load_audio(clip) is clip


def test_silence_like_keeps_length_and_zeroes_the_samples() -> None:
    clip = prepare_waveform(sine(22050), 22050)
    quiet = silence_like(clip)
    assert quiet.num_samples == clip.num_samples and quiet.source_rate == 22050
    assert not quiet.samples.any() and quiet.samples.dtype == np.float32
