"""A small generated data set in the published manifest layout, for trying the trainer end to end
(`python -m wavllm_core toy-data --out DIR`, then `train --config configs/tiny-train.yaml`).

The clips are shaped noise, so nothing real can be learnt: the point is a run that exercises every
path (several tasks, a text-only row, validation, checkpoints) in seconds on a CPU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from .. import prompts
from ..audio import SAMPLE_RATE

_WORDS = ("the cat sat on the mat", "good morning to you", "turn left at the light", "it is raining again")
_EMOTIONS = ("happy", "sad", "angry", "neutral")
_HEADER = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech")
ASR_PROMPT = prompts.ASR


def shaped_noise(seconds: float, seed: int) -> np.ndarray:
    """Noise under a slow envelope: not silent, deterministic, cheap."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    envelope = 0.5 + 0.5 * np.sin(np.linspace(0, 6 * np.pi * seconds, n))
    return (0.1 * envelope * rng.standard_normal(n)).astype(np.float32)


def _row(i: int) -> tuple[str, str, str, bool]:
    """(id, prompt, target, with_speech) of the i-th toy example, cycling through the tasks."""
    kind = i % 5
    if kind == 0:
        return f"asr_{i}", ASR_PROMPT, _WORDS[i % len(_WORDS)], True
    if kind == 1:
        return f"sv_{i}", prompts.ONE_SPEAKER, "Yes" if i % 2 else "No", True
    if kind == 2:
        return f"er_{i}", "What is the emotion of the speaker?", _EMOTIONS[i % len(_EMOTIONS)], True
    if kind == 3:
        prompt = "What will the man do next? A. Go home; B. Call a taxi; C. Stay at work."
        return f"sqa_{i}", prompt, "ABC"[i % 3], True
    return f"text_{i}", "Say hello in German.", "Hallo", False


def write_toy_dataset(directory: str | Path, train_rows: int = 20, valid_rows: int = 5, seed: int = 0) -> dict[str, Path]:
    """Write audio/ (1-2 s WAVs), train.tsv and valid.tsv under `directory`; return the manifest paths."""
    root = Path(directory)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    out = {}
    for split, count, offset in (("train", train_rows, 0), ("valid", valid_rows, train_rows)):
        lines = ["\t".join(_HEADER)]
        for i in range(offset, offset + count):
            row_id, prompt, target, with_speech = _row(i)
            audio = ""
            frames = 0
            if with_speech:
                samples = shaped_noise(1.0 + (i % 3) * 0.5, seed + i)
                audio = f"audio/{row_id}.wav"
                sf.write(root / audio, samples, SAMPLE_RATE, subtype="PCM_16")
                frames = len(samples)
            lines.append("\t".join((row_id, audio, str(frames), prompt, target, str(with_speech))))
        out[split] = root / f"{split}.tsv"
        out[split].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
