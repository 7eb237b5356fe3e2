"""Room for the voice in the fused frames: the fusion split into what each stream adds, the CTC
alignment loss on the semantic part alone, and the voice contrast on the acoustic part."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from conftest import speechlike
from test_training import HEADER, base_config, mixed_manifest, own_model, write_manifest  # noqa: F401 (fixture)
from test_training_small_compute import _encoded as encoded_batch
from wavllm_core.training.alignment import blank_token_id, ctc_alignment_loss, ctc_readout
from wavllm_core.training.config import ConfigError
from wavllm_core.training.manifest import read_manifest
from wavllm_core.training.stages import configure_stage, stage_plan
from wavllm_core.training.trainer import train
from wavllm_core.training.voice_contrast import voice_contrast_loss

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _encoded(model, processor, seconds: list[float]):
    clips = [speechlike(length, seed) for seed, length in enumerate(seconds)]
    return encoded_batch(model, processor(clips, ["Who is speaking?"] * len(clips)))


def _grad_sum(module: torch.nn.Module) -> float:
    return sum(float(p.grad.abs().sum()) for p in module.parameters() if p.grad is not None)


def test_the_fused_frames_are_the_sum_of_the_semantic_and_acoustic_parts(processor):
    model = own_model()
    encoded = _encoded(model, processor, [1.0, 2.0])
    with torch.no_grad():
        fused, lengths = model.bridge_audio(encoded)
        semantic, acoustic, part_lengths = model.bridge_parts(encoded)
    assert torch.allclose(semantic + acoustic, fused, atol=1e-5)
    assert part_lengths.tolist() == lengths.tolist()
    assert not torch.allclose(acoustic, torch.zeros_like(acoustic))


def test_the_alignment_loss_on_the_semantic_part_leaves_the_acoustic_bridge_untouched(processor):
    model = own_model()
    configure_stage(model, stage_plan(1, lora=False))
    encoded = _encoded(model, processor, [2.0, 3.0])
    targets = [processor.tokenizer.encode(" hello there"), processor.tokenizer.encode(" good")]
    blank = blank_token_id(processor.tokenizer)
    ctc_alignment_loss(model, encoded, targets, blank, source="semantic").backward()
    assert _grad_sum(model.semantic_bridge) > 0
    assert _grad_sum(model.acoustic_bridge) == 0
    model.zero_grad()
    ctc_alignment_loss(model, encoded, targets, blank, source="fused").backward()
    assert _grad_sum(model.acoustic_bridge) > 0


def test_the_readout_reads_the_part_it_is_told(processor, monkeypatch):
    model = own_model()
    encoded = _encoded(model, processor, [2.0])
    blank = blank_token_id(processor.tokenizer)
    semantic, acoustic, lengths = model.bridge_parts(encoded)
    monkeypatch.setattr(model, "bridge_audio", lambda _: (acoustic, lengths))
    assert ctc_readout(model, encoded, blank, "semantic") != ctc_readout(model, encoded, blank, "fused")
    with pytest.raises(ValueError, match="fused, semantic, acoustic"):
        ctc_readout(model, encoded, blank, "whisper")


def test_the_voice_contrast_trains_the_acoustic_bridge_alone_and_falls_on_a_fixed_batch(processor):
    model = own_model().eval()  # no dropout: the same losses every run
    configure_stage(model, stage_plan(1, lora=False))
    encoded = _encoded(model, processor, [1.0, 1.5, 2.0, 2.5, 3.0])
    voices = [("awb",), ("slt",), ("awb",), ("slt",), ("awb", "slt")]  # the two-voice clip takes no part
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for step in range(25):
        loss = voice_contrast_loss(model, encoded, voices)
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            assert _grad_sum(model.acoustic_bridge) > 0 and _grad_sum(model.semantic_bridge) == 0
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0]


def test_the_voice_contrast_on_the_fused_frames_also_trains_the_semantic_bridge(processor):
    model = own_model()
    configure_stage(model, stage_plan(1, lora=False))
    encoded = _encoded(model, processor, [1.0, 1.5, 2.0, 2.5])
    voice_contrast_loss(model, encoded, [("awb",), ("slt",), ("awb",), ("slt",)], source="fused").backward()
    assert _grad_sum(model.acoustic_bridge) > 0 and _grad_sum(model.semantic_bridge) > 0


@pytest.mark.parametrize("voices", [
    [("awb",), ("slt",)],                       # no clip has a second clip by its voice
    [("awb",), ("awb",)],                       # no other voice to tell it from
    [("awb", "slt"), ("awb", "slt"), ()],       # no one-voice clip
])
def test_the_voice_contrast_is_none_where_a_batch_has_nothing_to_contrast(processor, voices):
    model = own_model()
    encoded = _encoded(model, processor, [1.0] * len(voices))
    assert voice_contrast_loss(model, encoded, voices) is None


def test_the_voices_column_is_read_as_a_tuple_of_names(tmp_path):
    manifest = write_manifest(tmp_path, [("sv_1", "How many speakers?", "Two speakers.", True),
                                         ("asr_2", "Transcribe.", "hello", True),
                                         ("asr_3", "Transcribe.", "hi", True)], header=HEADER + ("voices",))
    lines = manifest.read_text().splitlines()
    lines[1] += "slt, rms"
    lines[2] += "awb"
    manifest.write_text("\n".join(lines) + "\n")
    assert [row.voices for row in read_manifest(manifest)] == [("slt", "rms"), ("awb",), ()]


@pytest.mark.parametrize("setting, message", [
    ({"alignment_source": "acoustic"}, "alignment_source: must be one of fused, semantic"),
    ({"voice_contrast_weight": -0.1}, "voice_contrast_weight: must not be negative"),
    ({"voice_contrast_source": "semantic"}, "voice_contrast_source: must be one of acoustic, fused"),
])
def test_bad_voice_settings_are_named(tmp_path, mixed_manifest, setting, message):
    with pytest.raises(ConfigError, match=message):
        base_config(tmp_path, mixed_manifest, **setting)


def _acoustic_bridge_after_a_run(tmp_path, manifest, name: str, **settings) -> dict[str, torch.Tensor]:
    config = base_config(tmp_path / name, manifest, batch_size=4, alignment_weight=0.2, alignment_source="semantic",
                         validate_at_start=False, **settings)
    result = train(config)
    assert result.finished and result.step == 2
    logged = [json.loads(line) for line in (result.output_dir / "train_log.jsonl").read_text().splitlines()]
    assert all("alignment_loss" in record for record in logged)
    assert all(("voice_contrast_loss" in record) == bool(settings) for record in logged)
    return {k: v for k, v in load_file(result.trained_parts).items() if k.startswith("acoustic_bridge.")}


def test_the_trainer_adds_the_voice_contrast_to_the_loss_when_weighted_and_logs_each_term(tmp_path):
    texts = ["good morning", "hello", "thank you", "goodbye"]
    manifest = write_manifest(tmp_path / "data", [(f"asr_{i}", "Transcribe the audio.", text, True)
                                                  for i, text in enumerate(texts)], header=HEADER + ("voices",))
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([lines[0]] + [line + ("awb" if i % 2 else "slt") for i, line in enumerate(lines[1:])]) + "\n")
    without = _acoustic_bridge_after_a_run(tmp_path, manifest, "without")
    with_contrast = _acoustic_bridge_after_a_run(tmp_path, manifest, "with", voice_contrast_weight=0.2)
    assert without.keys() == with_contrast.keys() and without
    assert any(not torch.equal(without[k], with_contrast[k]) for k in without)
