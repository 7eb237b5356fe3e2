"""Desktop recording: a WAV from the microphone, and clear messages where recording is impossible.

No test touches real audio hardware: a stand-in `sounddevice` module plays the microphone.
"""

from __future__ import annotations

import importlib.abc
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from wavllm_core import cli, recording
from wavllm_core.recording import RecordingError, record


class FakePortAudioError(Exception):
    pass


def fake_sounddevice(samples: np.ndarray | None = None, query_error: Exception | None = None):
    """A `sounddevice` stand-in whose microphone yields `samples` (or whose device query fails)."""
    calls = {}

    def query_devices(device=None, kind=None):
        if query_error is not None:
            raise query_error
        return {"name": "fake microphone", "max_input_channels": 1}

    def rec(frames, samplerate, channels, dtype, device=None):
        calls.update(frames=frames, samplerate=samplerate, channels=channels)
        return samples[:frames].reshape(-1, 1)

    return SimpleNamespace(PortAudioError=FakePortAudioError, query_devices=query_devices, rec=rec,
                           wait=lambda: None, calls=calls)


class _RefuseSounddevice(importlib.abc.MetaPathFinder):
    """Imports `sounddevice` the way a machine without libportaudio does: OSError."""

    def find_spec(self, name, path=None, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


def test_writes_a_16_khz_mono_pcm16_wav_of_the_requested_length(tmp_path, monkeypatch):
    tone = (0.5 * np.sin(np.linspace(0, 200 * np.pi, 32_000))).astype(np.float32)
    fake = fake_sounddevice(tone)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    path = record(1.5, tmp_path / "take.wav")
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (16_000, 1, "PCM_16", 24_000)
    assert fake.calls["samplerate"] == 16_000 and fake.calls["channels"] == 1
    np.testing.assert_allclose(sf.read(path, dtype="float32")[0], tone[:24_000], atol=1 / 16_000)


def test_missing_portaudio_library_names_the_package_to_install(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_RefuseSounddevice(), *sys.meta_path])
    with pytest.raises(RecordingError, match="libportaudio2"):
        record(1, tmp_path / "take.wav")


def test_missing_microphone_says_so_instead_of_a_portaudio_traceback(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(query_error=FakePortAudioError("Error querying device -1")))
    with pytest.raises(RecordingError, match="no usable microphone"):
        record(1, tmp_path / "take.wav")
    assert not (tmp_path / "take.wav").exists()


def test_refuses_a_non_positive_or_over_long_duration(tmp_path):
    for seconds in (0, -1, recording.MAX_SECONDS + 1):
        with pytest.raises(RecordingError, match="--seconds"):
            record(seconds, tmp_path / "take.wav")


def test_refuses_an_output_folder_that_does_not_exist(tmp_path):
    with pytest.raises(RecordingError, match="does not exist"):
        record(1, tmp_path / "missing" / "take.wav")


def test_cli_record_writes_the_file_and_reports_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(np.full(16_000, 0.25, np.float32)))
    out = tmp_path / "cli.wav"
    assert cli.main(["record", "--seconds", "0.5", "--out", str(out)]) == 0
    assert sf.info(out).frames == 8_000
    assert str(out) in capsys.readouterr().out


def test_cli_record_without_a_microphone_exits_2_with_one_error_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(query_error=FakePortAudioError("no device")))
    assert cli.main(["record", "--seconds", "1", "--out", str(tmp_path / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot record") and err.count("\n") == 1
