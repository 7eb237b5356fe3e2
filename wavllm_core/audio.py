"""Read, validate, downmix and resample audio for a 16 kHz mono speech model.

Every path (file, bytes, gradio tuple) ends in `prepare_waveform`, so all inputs
get the same checks and the same human-readable warnings.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

_LOG = logging.getLogger(__name__)

SAMPLE_RATE: int = 16_000
MIN_DURATION_S: float = 0.1

_SILENCE_PEAK = 1e-4  # about -80 dBFS: below any real recording's noise floor
_CLIP_LEVEL = 32767 / 32768  # the largest positive int16 value, as a float
_CLIP_FRACTION = 1e-3  # a few isolated peaks at full scale are not clipping
_CONVERT_HINT = "convert it to WAV or FLAC first, e.g. `ffmpeg -i input output.wav`"
# Containers people upload often that libsndfile cannot decode, keyed by magic bytes.
_UNSUPPORTED = ((4, b"ftyp", "MP4/M4A/MOV"), (0, b"MThd", "MIDI"),
                (0, b"\x1aE\xdf\xa3", "WebM/Matroska"), (0, b"#!AMR", "AMR"))


class AudioError(ValueError):
    """Audio that cannot be used; the message is meant for the end user."""


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 audio at the model's rate, plus what was done to get there."""

    samples: np.ndarray
    source_rate: int
    source_channels: int
    warnings: tuple[str, ...] = ()
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return self.num_samples / self.sample_rate

    @property
    def num_samples(self) -> int:
        return int(self.samples.shape[0])


def load_audio(source: str | os.PathLike | bytes | tuple | AudioClip) -> AudioClip:
    """Turn any supported input (path, file bytes, gradio tuple, clip) into an AudioClip."""
    if isinstance(source, AudioClip):
        return source
    if source is None:
        raise AudioError("no audio was provided")
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _decode(io.BytesIO(data), data[:16], "the uploaded audio")
    if isinstance(source, tuple):
        return _from_tuple(source)
    if isinstance(source, (str, os.PathLike)):
        return _load_path(Path(source))
    raise TypeError(f"unsupported audio source type: {type(source).__name__}")


def prepare_waveform(samples: np.ndarray, sampling_rate: int) -> AudioClip:
    """Scale, validate, downmix and resample an (n,) or (n, channels) array."""
    rate = _check_rate(sampling_rate)
    audio = _to_float(np.asarray(samples))
    if audio.ndim == 1:
        audio = audio[:, None]
    _check_shape(audio)
    _check_finite(audio)
    _check_duration(audio.shape[0], rate)
    channels = audio.shape[1]
    notes = _level_notes(audio)
    mono = audio[:, 0]
    if channels > 1:
        mono = audio.mean(axis=1, dtype=np.float32)
        notes.append(f"downmixed {channels} channels to mono")
    if rate != SAMPLE_RATE:
        mono = soxr.resample(np.ascontiguousarray(mono), rate, SAMPLE_RATE, quality="HQ")
        notes.append(f"resampled {rate} Hz -> {SAMPLE_RATE} Hz")
    for note in notes:
        _LOG.info("audio: %s", note)
    return AudioClip(np.array(mono, dtype=np.float32), rate, channels, tuple(notes))


def silence_like(clip: AudioClip) -> AudioClip:
    """All zeros, same length: an ablation that keeps the question but removes the audio."""
    return AudioClip(np.zeros_like(clip.samples), clip.source_rate, clip.source_channels,
                     ("all silence",), clip.sample_rate)


def _load_path(path: Path) -> AudioClip:
    if not path.exists():
        raise AudioError(f"file not found: {path}")
    if not path.is_file():
        raise AudioError(f"not a file: {path}")
    with path.open("rb") as handle:
        return _decode(handle, handle.read(16), path.name, rewind=True)


def _decode(file: BinaryIO, head: bytes, label: str, rewind: bool = False) -> AudioClip:
    """Decode with libsndfile, turning its terse errors into actionable ones."""
    if not head:
        raise AudioError(f"{label}: the file is empty")
    for offset, magic, name in _UNSUPPORTED:
        if head[offset:offset + len(magic)] == magic:
            raise AudioError(f"{label} is {name}, which is not supported; {_CONVERT_HINT}")
    if rewind:
        file.seek(0)
    try:
        samples, rate = sf.read(file, dtype="float32", always_2d=True)
    except sf.LibsndfileError as exc:
        formats = ", ".join(sorted(sf.available_formats()))
        raise AudioError(f"could not read {label} as audio ({exc.error_string}). "
                         f"Supported formats: {formats}; otherwise {_CONVERT_HINT}") from exc
    _LOG.debug("decoded %s: %d frames at %d Hz", label, samples.shape[0], rate)
    return prepare_waveform(samples, rate)


def _from_tuple(source: tuple) -> AudioClip:
    """Gradio's Audio(type="numpy") gives (sample_rate, array)."""
    if len(source) != 2:
        raise AudioError("audio tuple must be (sample_rate, samples)")
    rate, samples = source
    return prepare_waveform(np.asarray(samples), rate)


def _check_rate(rate: object) -> int:
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise AudioError(f"invalid sample rate: {rate!r} (expected a positive integer in Hz)")
    return int(rate)


def _to_float(samples: np.ndarray) -> np.ndarray:
    """Map integer PCM onto [-1, 1] the way libsndfile does; keep floats as they are."""
    kind = samples.dtype.kind
    if kind == "f":
        return samples.astype(np.float32, copy=False)
    if kind == "i":
        return (samples / float(np.iinfo(samples.dtype).max + 1)).astype(np.float32)
    if kind == "u":
        half = float(np.iinfo(samples.dtype).max + 1) / 2
        return ((samples - half) / half).astype(np.float32)
    raise AudioError(f"unsupported sample type {samples.dtype}; expected integer or float samples")


def _check_shape(audio: np.ndarray) -> None:
    if audio.ndim != 2:
        raise AudioError(f"audio must be (samples,) or (samples, channels), not {audio.shape}")
    if audio.size == 0:
        raise AudioError("the audio contains no samples")
    if audio.shape[1] > audio.shape[0]:
        raise AudioError(f"audio array of shape {audio.shape} looks like (channels, samples); "
                         "pass (samples, channels)")


def _check_finite(audio: np.ndarray) -> None:
    bad = int(audio.size - np.count_nonzero(np.isfinite(audio)))
    if bad:
        raise AudioError(f"{bad} of {audio.size} samples are not finite (NaN or infinity); "
                         "the file is probably corrupted")


def _check_duration(frames: int, rate: int) -> None:
    duration = frames / rate
    if duration < MIN_DURATION_S:
        raise AudioError(f"the audio is {duration:.3f} s long; the minimum is {MIN_DURATION_S} s")


def _level_notes(audio: np.ndarray) -> list[str]:
    """Notes about level, judged on the source samples: resampling can overshoot full scale."""
    magnitude = np.abs(audio)
    if float(magnitude.max()) < _SILENCE_PEAK:
        return ["all silence"]
    clipped = int(np.count_nonzero(magnitude >= _CLIP_LEVEL))
    if clipped / audio.size >= _CLIP_FRACTION:
        return [f"clipped: {clipped} samples ({clipped / audio.size:.1%}) at full scale"]
    return []
