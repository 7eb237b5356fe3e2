"""scripts/speaker_probe.py: the AUC it reports and the distances it takes are what they claim."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from test_training import write_manifest
from wavllm_core.training.manifest import read_manifest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "speaker_probe.py"


@pytest.fixture(scope="module")
def probe():
    spec = importlib.util.spec_from_file_location("speaker_probe", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_auc_is_one_for_a_perfect_split_a_half_for_none_and_zero_when_inverted(probe):
    positive = np.array([True, True, False, False])
    assert probe.auc(positive, np.array([0.9, 0.8, 0.2, 0.1])) == 1.0
    assert probe.auc(positive, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert probe.auc(positive, np.array([0.1, 0.2, 0.8, 0.9])) == 0.0


def test_the_half_distance_is_zero_for_one_voice_throughout_and_grows_with_a_change(probe):
    steady = torch.ones(10, 4)
    changed = torch.cat([torch.tensor([[1.0, 0, 0, 0]]).repeat(5, 1), torch.tensor([[0, 1.0, 0, 0]]).repeat(5, 1)])
    assert probe.half_distance(steady) == pytest.approx(0.0, abs=1e-6)
    assert probe.half_distance(changed) == pytest.approx(1.0)


def test_voice_counts_reads_the_manifests_voices_column(probe, tmp_path):
    header = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech", "voices")
    path = write_manifest(tmp_path, [("a", "Same?", "Yes", False), ("b", "Same?", "No", False)], header=header)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1] + "rms", lines[2] + "awb,rms"]) + "\n")
    assert probe.voice_counts(path) == {"a": 1, "b": 2}


def test_distances_measure_every_point_of_the_path_for_each_clip(probe, loaded_tiny, tmp_path):
    rows = read_manifest(write_manifest(tmp_path, [("a", "Same?", "Yes", True), ("b", "Same?", "No", True)]))
    table = probe.distances(loaded_tiny.model, probe.encode(loaded_tiny, rows))
    assert table.shape == (2, len(probe.POINTS)) and np.isfinite(table).all()


def test_the_fused_frames_are_those_the_llm_reads(probe, loaded_tiny, tmp_path, monkeypatch):
    rows = read_manifest(write_manifest(tmp_path, [("a", "Same?", "Yes", True)]))
    encoded = probe.encode(loaded_tiny, rows)
    fused, lengths = loaded_tiny.model.bridge_audio(encoded[0])
    expected = probe.half_distance(fused[0, : int(lengths[0])].detach())
    assert probe.distances(loaded_tiny.model, encoded)[0, -1] == pytest.approx(expected, abs=1e-5)
