"""Spoken clips for the data: flite voices with speed and pitch perturbation, pauses and noise.

A clip is planned first (`ClipPlan`: who says what, how fast, how high, which noise at which SNR)
and rendered later, so planning is cheap and deterministic and rendering is a pure function of the
plan (the noise has its own seed). Speakers are flite voices: kal and kal16 are one speaker (kal16
is the 16 kHz recording of kal), so holding kal16 out holds kal out too. flite's `rms` voice
ignores the pitch setting; its clips vary by speed and noise only.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..audio import SAMPLE_RATE
from ..quiz.tts import FliteTTS

VOICES: tuple[str, ...] = ("awb", "rms", "slt", "kal16")
SPEAKER_OF = {"awb": "awb", "rms": "rms", "slt": "slt", "kal": "kal16", "kal16": "kal16"}
FEMALE_VOICES = frozenset(("slt",))
# Mean pitch (Hz) each voice speaks at unasked, measured here; rms has none it honours.
NATURAL_F0 = {"awb": 120.0, "slt": 170.0, "kal": 100.0, "kal16": 100.0}
STRETCH_RANGE = (0.85, 1.2)  # flite duration_stretch: > 1 is slower
PITCH_RANGE = (0.87, 1.15)  # factor on the natural mean pitch
NOISE_KINDS = ("white", "pink", "brown")
SNR_RANGE_DB = (8.0, 35.0)
NOISE_PROBABILITY = 0.5
PEAK_RANGE = (0.3, 0.9)


@dataclass(frozen=True)
class VoiceStyle:
    """One voice as one line is spoken: the flite voice, its duration stretch and mean pitch."""

    voice: str
    stretch: float = 1.0
    f0: float | None = None

    def settings(self) -> dict[str, float]:
        out = {"duration_stretch": self.stretch}
        if self.f0 is not None:
            out["int_f0_target_mean"] = self.f0
        return out

    @property
    def speaker(self) -> str:
        return SPEAKER_OF[self.voice]


@dataclass(frozen=True)
class Noise:
    kind: str
    snr_db: float
    seed: int


@dataclass(frozen=True)
class ClipPlan:
    """The lines of one clip, each with its voice style, joined by pauses, with optional noise."""

    turns: tuple[tuple[str, VoiceStyle], ...]
    noise: Noise | None = None
    lead_s: float = 0.2
    pause_s: float = 0.4
    tail_s: float = 0.2
    peak: float = 0.6

    @property
    def transcript(self) -> str:
        return " ".join(text for text, _ in self.turns)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(style.speaker for _, style in self.turns))

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(style.voice for _, style in self.turns))


def draw_style(rng: random.Random, voice: str) -> VoiceStyle:
    """A perturbed version of `voice`: speed always, pitch where the voice honours it."""
    stretch = round(rng.uniform(*STRETCH_RANGE), 2)
    natural = NATURAL_F0.get(voice)
    f0 = round(natural * rng.uniform(*PITCH_RANGE)) if natural else None
    return VoiceStyle(voice, stretch, f0)


def draw_noise(rng: random.Random, probability: float = NOISE_PROBABILITY) -> Noise | None:
    if rng.random() >= probability:
        return None
    return Noise(rng.choice(NOISE_KINDS), round(rng.uniform(*SNR_RANGE_DB), 1), rng.randrange(2**31))


def plan_clip(rng: random.Random, turns: list[tuple[str, VoiceStyle]]) -> ClipPlan:
    """Pauses, level and noise drawn for the given lines."""
    return ClipPlan(tuple(turns), draw_noise(rng), lead_s=round(rng.uniform(0.05, 0.4), 2),
                    pause_s=round(rng.uniform(0.25, 0.7), 2), tail_s=round(rng.uniform(0.05, 0.4), 2),
                    peak=round(rng.uniform(*PEAK_RANGE), 2))


def colored_noise(kind: str, length: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power white, pink (1/f) or brown (1/f^2) noise, shaped in the frequency domain."""
    white = rng.standard_normal(length)
    if kind != "white":
        spectrum = np.fft.rfft(white)
        f = np.arange(1, spectrum.size + 1, dtype=np.float64)
        spectrum /= np.sqrt(f) if kind == "pink" else f
        white = np.fft.irfft(spectrum, n=length)
    return white / (np.sqrt(np.mean(white**2)) + 1e-12)


def render_clip(plan: ClipPlan, tts: FliteTTS) -> np.ndarray:
    """The clip's samples, float32 at 16 kHz: lines at one level, pauses between, noise added at
    the planned SNR relative to the speech's own power."""
    voiced = [tts.synthesize(text, style.voice, style.settings()) for text, style in plan.turns]
    loudest = max(float(np.abs(v).max()) for v in voiced) or 1.0
    pieces = [np.zeros(int(plan.lead_s * SAMPLE_RATE), np.float32)]
    for i, samples in enumerate(voiced):
        if i:
            pieces.append(np.zeros(int(plan.pause_s * SAMPLE_RATE), np.float32))
        pieces.append(samples * (plan.peak / loudest))
    pieces.append(np.zeros(int(plan.tail_s * SAMPLE_RATE), np.float32))
    clip = np.concatenate(pieces).astype(np.float64)
    if plan.noise is not None:
        speech = np.concatenate(voiced) * (plan.peak / loudest)
        power = float(np.mean(speech.astype(np.float64) ** 2))
        noise = colored_noise(plan.noise.kind, clip.size, np.random.default_rng(plan.noise.seed))
        clip += noise * np.sqrt(power / 10 ** (plan.noise.snr_db / 10))
    top = float(np.abs(clip).max())
    if top > 0.99:
        clip *= 0.99 / top
    return clip.astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> int:
    """16 kHz mono PCM16, written to a temporary name first so a killed run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.partial")
    sf.write(staging, samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    staging.replace(path)
    return int(samples.size)
