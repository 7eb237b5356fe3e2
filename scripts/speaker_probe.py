"""Does the speaker survive the bridges? A probe of wavllm-mini's speaker questions.

Each held-out speaker-question clip is one sentence or two; two voices speak in half of them. The
probe splits each clip's frames in half and measures how unlike the halves are (one minus the
cosine of their mean frames) at five points of the path: the GE2E frames, the acoustic bridge's
output, the semantic bridge's output, what the acoustic stream adds to the fused frames (Fusion.parts)
and the fused frames the LLM reads. Its figure is the AUC of
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
from wavllm_core.training.manifest import read_manifest

POINTS = ("GE2E frames", "acoustic bridge", "semantic bridge", "acoustic part", "fused frames")


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


def encode(loaded, rows) -> list:
    """Each clip's frozen-encoder outputs, once: they are the same whatever parts are probed."""
    found = []
    for row in rows:
        features = loaded.processor([row.load_clip()], [row.prompt])
        with torch.no_grad():
            found.append(loaded.model.encode_batch(features))
    return found


def distances(model, encoded_clips) -> np.ndarray:
    """(clips, POINTS) half distances for each clip's encoder outputs under `model`'s parts."""
    found = []
    for encoded in encoded_clips:
        with torch.no_grad():
            mixed = model.acoustic_encoder.mix(encoded.acoustic)
            acoustic, acoustic_len = model._bridge(model.acoustic_bridge, mixed)
            semantic, semantic_len = model._bridge(model.semantic_bridge, encoded.semantic)
            fused = model.fusion(semantic, acoustic)
            _, acoustic_part = model.fusion.parts(semantic, acoustic)
        n = int(torch.minimum(semantic_len, acoustic_len)[0])
        found.append([half_distance(x) for x in (mixed[0], acoustic[0, :n], semantic[0, :n], acoustic_part[0, :n], fused[0, :n])])
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
    splits = {}
    for split, path in manifests.items():
        rows = [r for r in read_manifest(path) if r.task == "sv"][: args.rows]
        voices = voice_counts(path)
        splits[split] = (np.array([voices[r.id] > 1 for r in rows]), encode(loaded, rows))
    for parts in args.parts or [None]:
        if parts:
            load_trained_parts(loaded.model, parts)
        print(f"== {parts or 'installed wavllm-mini'}")
        for split, (two_voices, encoded) in splits.items():
            table = distances(loaded.model, encoded)
            cells = "  ".join(f"{point} {100 * auc(two_voices, table[:, i]):5.1f}" for i, point in enumerate(POINTS))
            print(f"{split:12} rows {len(encoded):3} (two voices {two_voices.sum():3})  AUC %: {cells}")


if __name__ == "__main__":
    main()
