"""Quiz test inputs built in code: a tiny quiz set (one short conversation in section 1, one longer
one with two questions in section 2, real audio, timed transcripts) and a fake of the published
Gaokao release (TSV + audio) written with questions of our own."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import soundfile as sf

TINY_MANIFEST = {
    "format": "wavllm-quiz/1",
    "id": "tiny",
    "title": "Tiny set",
    "source": "generated",
    "sections": [
        {"number": 1, "plays": 1, "conversations": [{
            "id": "S1-1", "audio": "audio/s1-1.wav", "voices": {"M": "rms", "W": "slt"},
            "transcript": [
                {"speaker": "W", "text": "Shall we meet at six fifteen near the fountain?", "start": 0.2, "end": 1.2},
                {"speaker": "M", "text": "Make it half past six, my piano lesson ends late.", "start": 1.5, "end": 2.8},
            ],
            "questions": [{"id": "Q1", "text": "When will the speakers meet?",
                           "options": {"A": "At 6:15.", "B": "At 6:30.", "C": "At 7:00."},
                           "answer": "B", "type": "time", "evidence": {"start": 1.5, "end": 2.8}}],
        }]},
        {"number": 2, "plays": 2, "conversations": [{
            "id": "S2-1", "audio": "audio/s2-1.wav",
            "transcript": [
                {"speaker": "M", "text": "How much are the blue umbrellas in the window?", "start": 0.1, "end": 0.9},
                {"speaker": "W", "text": "Nine dollars each, the red ones are twelve.", "start": 1.0, "end": 1.9},
                {"speaker": "M", "text": "Then two blue ones for my sisters, please.", "start": 2.0, "end": 2.9},
            ],
            "questions": [
                {"id": "Q2", "text": "How much will the man pay?",
                 "options": {"A": "$9.", "B": "$12.", "C": "$18."}, "answer": "C", "type": "price",
                 "evidence": {"start": 1.0, "end": 2.9}},
                {"id": "Q3", "text": "Who are the umbrellas for?",
                 "options": {"A": "His sisters.", "B": "His parents.", "C": "Himself."}, "answer": "A",
                 "type": "detail", "evidence": {"start": 2.0, "end": 2.9}},
            ],
        }]},
    ],
}


def tiny_manifest() -> dict:
    """A fresh copy, to change one field per test."""
    return copy.deepcopy(TINY_MANIFEST)


def write_audio(path: Path, seconds: float = 3.0, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * 16_000))
    sf.write(path, noise.astype(np.float32), 16_000, subtype="PCM_16")
    return path


def write_tiny_set(root: Path, manifest: dict | None = None) -> Path:
    """Write the manifest (default: the tiny one) and audio for every conversation it names."""
    manifest = manifest if manifest is not None else tiny_manifest()
    root.mkdir(parents=True, exist_ok=True)
    for section in TINY_MANIFEST["sections"]:
        for conversation in section["conversations"]:
            write_audio(root / conversation["audio"])
    (root / "quiz.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


GAOKAO_HEADER = "id\taudio\tn_frames\tprompt\ttgt_text\twith_speech"
GAOKAO_ROWS = (
    ("short_conv_1", "What will the woman do tonight? A. Go to a concert; B. Study in the library; C. Visit a friend.", "B"),
    ("short_conv_2", "How much does the man pay for the tickets? A. $10; B. $15; C. $20.", "C"),
    ("short_conv_3", "What is the probable relationship between the speakers? A. Classmates; B. Doctor and patient; "
                     "C. Boss and secretary.", "A"),
)


def write_fake_release(root: Path, rows=GAOKAO_ROWS, header: str = GAOKAO_HEADER) -> Path:
    """A TSV in the published layout plus one short WAV per row under gaokao_audio/; returns the TSV."""
    lines = [header]
    for item, prompt, answer in rows:
        write_audio(root / "gaokao_audio" / f"{item}.wav", seconds=0.5)
        lines.append(f"{item}\tgaokao_audio/{item}.wav\t8000\t{prompt}\t{answer}\tTrue")
    tsv = root / "gaokao.tsv"
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tsv
