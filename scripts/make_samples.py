"""Synthesize the demo's sample recordings with Debian's flite voices (original text, no downloads).

Writes assets/samples/*.wav (16 kHz mono PCM16) and assets/samples/examples.json, the examples
gallery of the Ask tab: which file, which instruction, and what a good answer contains. flite is
deterministic, so running this again gives the same files.

    python scripts/make_samples.py [--out assets/samples]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.ask import COT, TRANSCRIBE  # noqa: E402  (the gallery uses the Ask tab's preset wordings)
from wavllm_core.audio import SAMPLE_RATE, load_audio  # noqa: E402

PAUSE_S = 0.45  # silence between dialogue turns
PEAK = 0.8  # normalise every clip to the same peak level
SIZE_BUDGET = 1_500_000  # bytes for all WAVs together: the repository stays small



@dataclass(frozen=True)
class Sample:
    """One recording: (voice, sentence) turns, and the examples that use it."""

    name: str
    turns: tuple[tuple[str, str], ...]
    examples: tuple[tuple[str, str, str], ...]  # (task, instruction, expected answer / notes)

    @property
    def transcript(self) -> str:
        return " ".join(text for _, text in self.turns)

    @property
    def voices(self) -> list[str]:
        return sorted({voice for voice, _ in self.turns})


SAMPLES = (
    Sample(
        "weather_slt",
        (("slt", "The weather in the mountains changes quickly, so always carry a warm jacket and some water."),),
        (("Transcribe", TRANSCRIBE, "the transcript"),
         ("Step-by-step (CoT)", COT, "transcript; a summary of at most 20 words; that summary in German")),
    ),
    Sample(
        "train_rms",
        (("rms", "Our train to Edinburgh leaves at half past nine from platform four."),),
        (("Translate", "Translate the audio clip into German.",
          "Unser Zug nach Edinburgh fährt um halb zehn von Gleis vier ab."),),
    ),
    Sample(
        "dialogue_awb_slt",
        (("awb", "Did you finish the report for the meeting?"),
         ("slt", "Almost. I only need to add the charts."),
         ("awb", "Great. Please send it to me before lunch.")),
        (("Speaker questions", "Is there only one speaker in the audio clip?", "No (two speakers: awb and slt)"),
         ("Speaker questions", "How many speakers are there in the audio clip?", "Two")),
    ),
    Sample(
        "question_kal16",
        (("kal16", "Which planet in our solar system is the largest?"),),
        (("Answer the spoken question", "", "Jupiter"),),
    ),
    Sample(
        "gaokao_rms_slt",
        (("slt", "You look tired. Did you sleep well last night?"),
         ("rms", "Not really. I stayed up late to finish my science project."),
         ("slt", "You should go to bed early tonight."),
         ("rms", "I will. I am going straight home to rest after class.")),
        (("Gaokao-style multiple choice",
          "What will the man do after class? A. Finish his science project; B. Go home to rest; C. Go to the library.",
          "B"),),
    ),
)


def synthesize(voice: str, text: str, workdir: Path) -> np.ndarray:
    """One sentence in one flite voice, as 16 kHz mono float32 samples."""
    target = workdir / "sentence.wav"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(target)], check=True)
    return load_audio(target).samples


def render(sample: Sample, workdir: Path) -> np.ndarray:
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    for voice, text in sample.turns:
        parts += [synthesize(voice, text, workdir), pause]
    audio = np.concatenate(parts[:-1])
    return audio * (PEAK / max(float(np.abs(audio).max()), 1e-6))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "samples")
    args = parser.parse_args()
    if shutil.which("flite") is None:
        parser.error("flite is not installed: `sudo apt-get install -y flite`")
    args.out.mkdir(parents=True, exist_ok=True)
    examples, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for sample in SAMPLES:
            path = args.out / f"{sample.name}.wav"
            audio = render(sample, Path(tmp))
            sf.write(path, audio, SAMPLE_RATE, subtype="PCM_16")
            total += path.stat().st_size
            print(f"{path.name}: {len(audio) / SAMPLE_RATE:.1f} s, voices {', '.join(sample.voices)}")
            for task, instruction, expected in sample.examples:
                examples.append({
                    "file": path.name, "task": task, "instruction": instruction, "expected": expected,
                    "transcript": sample.transcript, "voices": sample.voices,
                })
    (args.out / "examples.json").write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n")
    print(f"{len(examples)} examples, {total / 1e6:.2f} MB of audio in {args.out}")
    if total > SIZE_BUDGET:
        print(f"error: the samples take {total} bytes, over the {SIZE_BUDGET} byte budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
