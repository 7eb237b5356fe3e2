"""Does the speaker survive the bridges? A probe of wavllm-mini's speaker questions.

Each held-out speaker-question clip is one sentence or two; two voices speak in half of them. The
probe splits each clip's frames in half and measures how unlike the halves are (one minus the
cosine of their mean frames) at four points of the path: the GE2E frames, the acoustic bridge's
output, the semantic bridge's output and the fused frames the LLM reads. Its figure is the AUC of
that distance for telling two-voice clips from one-voice clips: 50 % is no information, 100 % a
perfect split. A high AUC at the GE2E frames and a low one at the fused frames says the bridges
(trained toward token embeddings by the CTC alignment loss) dropped what the LLM would need.

    PYTHONPATH=. .venv/bin/python scripts/speaker_probe.py [PARTS.safetensors ...] [--data DIR] [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import logging
from pathlib import Path

import numpy as np
import torch
from scipy.stats import mannwhitneyu

from wavllm_core.hub import load_model
from wavllm_core.mini.install import load_trained_parts
from wavllm_core.training.features import AUDIO_INPUTS
from wavllm_core.training.manifest import read_manifest

POINTS = ("GE2E frames", "acoustic bridge", "semantic bridge", "fused frames")


def half_distance(frames: torch.Tensor) -> float:
    """1 - cosine of the mean first-half frame and the mean second-half frame."""
    half = frames.shape[0] // 2
    first, second = frames[:half].mean(0), frames[half:].mean(0)
    return float(1 - torch.nn.functional.cosine_similarity(first, second, dim=0))


def auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of `scores` for `positive`, by the Mann-Whitney U statistic."""
    u = mannwhitneyu(scores[positive], scores[~positive]).statistic
    return float(u / (positive.sum() * (~positive).sum()))


def voice_counts(manifest: Path) -> dict[str, int]:
    """How many voices speak in each row's clip (the manifest's `voices` column)."""
    with manifest.open(newline="") as handle:
        return {row["id"]: len(row["voices"].split(",")) for row in csv.DictReader(handle, delimiter="\t")}


def distances(loaded, rows) -> np.ndarray:
    """(rows, POINTS) half distances for each clip."""
    model = loaded.model
    found = []
    for row in rows:
        features = loaded.processor([row.load_clip()], [row.prompt])
        with torch.no_grad():
            encoded = model.encode_audio(*(features[name] for name in AUDIO_INPUTS))
            mixed = model.acoustic_encoder.mix(encoded.acoustic)
            acoustic, _ = model._bridge(model.acoustic_bridge, mixed)
            semantic, _ = model._bridge(model.semantic_bridge, encoded.semantic)
            fused, lengths = model.bridge_audio(encoded)
        n = int(lengths[0])
        found.append([half_distance(x) for x in (mixed[0], acoustic[0, :n], semantic[0, :n], fused[0, :n])])
    return np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help="trained parts to probe (default: the installed wavllm-mini)")
    parser.add_argument("--data", default="artifacts/wavllm-mini-data")
    parser.add_argument("--rows", type=int, default=60, help="speaker rows per split")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.manual_seed(0)
    loaded = load_model("wavllm-mini", device="cpu")
    manifests = {split: Path(args.data) / f"{split}.tsv" for split in ("test-seen", "test-unseen")}
    splits = {split: [r for r in read_manifest(path) if r.task == "sv"][: args.rows] for split, path in manifests.items()}
    for parts in args.parts or [None]:
        if parts:
            load_trained_parts(loaded.model, parts)
        print(f"== {parts or 'installed wavllm-mini'}")
        for split, rows in splits.items():
            voices = voice_counts(manifests[split])
            two_voices = np.array([voices[r.id] > 1 for r in rows])
            table = distances(loaded, rows)
            cells = "  ".join(f"{point} {100 * auc(two_voices, table[:, i]):5.1f}" for i, point in enumerate(POINTS))
            print(f"{split:12} rows {len(rows):3} (two voices {two_voices.sum():3})  AUC %: {cells}")


if __name__ == "__main__":
    main()
