"""Training a small model on little compute: the CTC alignment loss on the fused audio frames (over
all tokens or the transcripts' own), the bridge-only warm-up, a run on the alignment loss alone,
manifest prefixes and length buckets."""

from __future__ import annotations

import math

import json

import pytest
import torch
from safetensors.torch import load_file

from conftest import speechlike
from test_training import HEADER, base_config, own_model, write_manifest
from wavllm_core.training.alignment import alignment_targets, alignment_vocabulary, blank_token_id, ctc_alignment_loss
from wavllm_core.training.config import ConfigError
from wavllm_core.training.data import TrainingData, approximate_tokens
from wavllm_core.training.features import as_encoder_outputs, extract_features
from wavllm_core.training.manifest import read_manifest
from wavllm_core.training.parts import save_trained_parts
from wavllm_core.training.stages import configure_stage, stage_plan
from wavllm_core.training import trainer as trainer_module
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.training.trainer import Trainer, load_sources, train



pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_transcript_column_is_read_and_asr_rows_fall_back_to_their_answer(tmp_path, processor):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "good morning", True),
                                         ("sqa_2", "Who is speaking?", "A man", True),
                                         ("sqa_3", "What time is it?", "Noon", True)],
                              header=HEADER + ("transcript",))
    text = manifest.read_text().splitlines()
    text[3] += "it is twelve o'clock"
    manifest.write_text("\n".join(text) + "\n")
    rows = read_manifest(manifest)
    assert [r.transcript for r in rows] == [None, None, "it is twelve o'clock"]
    targets = alignment_targets(processor.tokenizer, rows)
    assert targets[0] and targets[1] is None and targets[2]
    assert blank_token_id(processor.tokenizer) not in targets[0] + targets[2]


def _clips_and_targets(processor):
    clips = [speechlike(2.0, 1), speechlike(3.0, 2)]
    batch = processor(clips, ["Transcribe.", "Transcribe."])
    tokenizer = processor.tokenizer
    return batch, [tokenizer.encode(" hello there"), tokenizer.encode(" good")]


def _encoded(model, batch):
    return as_encoder_outputs(extract_features(model, batch), torch.device("cpu"))


def test_the_alignment_loss_trains_the_bridges_and_falls_on_a_fixed_batch(processor):
    model = own_model()
    configure_stage(model, stage_plan(1, lora=False))
    batch, targets = _clips_and_targets(processor)
    encoded = _encoded(model, batch)
    blank = blank_token_id(processor.tokenizer)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    losses = []
    for _ in range(20):
        loss = ctc_alignment_loss(model, encoded, targets, blank)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert model.semantic_bridge.projector.weight.grad.abs().sum() > 0
    assert losses[-1] < 0.3 * losses[0]


def test_the_alignment_loss_holds_the_frames_at_the_token_embeddings_norm(processor, monkeypatch):
    model = own_model()
    batch, targets = _clips_and_targets(processor)
    encoded = _encoded(model, batch)
    blank = blank_token_id(processor.tokenizer)
    audio, lengths = model.bridge_audio(encoded)
    token_norm = model.get_output_embeddings().weight.detach().norm(dim=-1).mean()
    at_token_norm = audio.detach() / audio.detach().norm(dim=-1, keepdim=True) * token_norm

    def loss_at(scale: float) -> float:
        monkeypatch.setattr(model, "bridge_audio", lambda _: (at_token_norm * scale, lengths))
        with torch.no_grad():
            return float(ctc_alignment_loss(model, encoded, targets, blank))

    # same directions, so the same CTC term: only the norm term differs, (log 8)^2 at 8x
    assert loss_at(8.0) - loss_at(1.0) == pytest.approx(math.log(8.0) ** 2, rel=1e-3)
    assert loss_at(1 / 8) == pytest.approx(loss_at(8.0), rel=1e-3)


def test_a_clip_whose_target_is_longer_than_its_frames_is_left_out(processor):
    model = own_model()
    batch, targets = _clips_and_targets(processor)
    encoded = _encoded(model, batch)
    too_long = [list(range(5, 5 + 500)), None]
    assert ctc_alignment_loss(model, encoded, too_long, blank_token_id(processor.tokenizer)) is None


def test_the_alignment_vocabulary_is_the_targets_tokens_and_the_blank_in_order():
    assert alignment_vocabulary([[9, 4], None, [4, 7]], blank=12).tolist() == [4, 7, 9, 12]


def test_a_softmax_over_the_transcripts_tokens_only_gives_a_lower_loss_and_the_same_over_all_tokens(processor):
    model = own_model()
    batch, targets = _clips_and_targets(processor)
    encoded = _encoded(model, batch)
    blank = blank_token_id(processor.tokenizer)
    with torch.no_grad():
        full = float(ctc_alignment_loss(model, encoded, targets, blank))
        everything = torch.arange(model.get_output_embeddings().weight.shape[0])
        assert float(ctc_alignment_loss(model, encoded, targets, blank, everything)) == pytest.approx(full, rel=1e-5)
        # fewer tokens in the normaliser: each target token is likelier, so the loss is lower
        subset = float(ctc_alignment_loss(model, encoded, targets, blank, alignment_vocabulary(targets, blank)))
    assert subset < full


def test_a_clip_whose_target_uses_a_token_outside_the_vocabulary_is_left_out(processor):
    model = own_model()
    batch, targets = _clips_and_targets(processor)
    encoded = _encoded(model, batch)
    blank = blank_token_id(processor.tokenizer)
    only_the_second = alignment_vocabulary([targets[1]], blank)
    with torch.no_grad():
        both = ctc_alignment_loss(model, encoded, targets, blank, only_the_second)
        second = ctc_alignment_loss(model, encoded, [None, targets[1]], blank, only_the_second)
    assert float(both) == pytest.approx(float(second))
    assert ctc_alignment_loss(model, encoded, [targets[0], None], blank, only_the_second) is None


def test_the_bridge_only_warm_up_leaves_lora_frozen():
    model = own_model()
    names = configure_stage(model, stage_plan(1, lora=False))
    assert names and not any("lora_" in n for n in names)
    assert any(n.startswith("semantic_bridge.") for n in names)


def test_a_negative_alignment_weight_is_refused(tmp_path):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True)])
    with pytest.raises(ConfigError, match="alignment_weight"):
        base_config(tmp_path, manifest, alignment_weight=-1.0)


def test_a_warm_up_run_with_alignment_ships_bridges_only_and_logs_a_comparable_val_loss(tmp_path):
    manifest = write_manifest(tmp_path / "data", [("asr_1", "Transcribe.", "good morning", True),
                                                  ("asr_2", "Transcribe.", "hello there", True)], seconds=2.0)
    config = base_config(tmp_path, manifest, train_lora=False, alignment_weight=0.5, validation=[str(manifest)],
                         eval_every=2, encoder_cache=str(tmp_path / "cache"))
    result = train(config, progress=False)
    tensors = load_file(result.trained_parts)
    assert not any("lora_" in name for name in tensors) and "fusion.proj.weight" in tensors
    records = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert sum("val_loss" in r for r in records) == 2 and all(r["loss"] > 0 for r in records if "loss" in r)


@pytest.mark.parametrize("settings, key", [
    ({"alignment_only": True}, "alignment_only"),  # LoRA would train on nothing
    ({"alignment_only": True, "train_lora": False, "stage": 2}, "alignment_only"),
    ({"alignment_vocabulary": "some"}, "alignment_vocabulary"),
])
def test_alignment_settings_that_cannot_work_are_refused(tmp_path, settings, key):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True)])
    with pytest.raises(ConfigError, match=key):
        base_config(tmp_path, manifest, **settings)


def test_an_alignment_only_run_trains_the_bridges_without_running_the_llm(tmp_path, monkeypatch):
    rows = [("asr_1", "Transcribe.", "good morning", True), ("asr_2", "Transcribe.", "hello there", True),
            ("sv_3", "Is there only one speaker?", "Yes", True), ("text_4", "Say hi.", "hi", False)]
    manifest = write_manifest(tmp_path / "data", rows, seconds=2.0)
    config = base_config(tmp_path, manifest, train_lora=False, alignment_only=True, alignment_vocabulary="transcripts",
                         validation=[str(manifest)], eval_every=4, max_steps=8, learning_rate=3e-3)
    assert [r.id for r in load_sources(config.train, None, transcribed_only=True)[0]] == ["asr_1", "asr_2"]

    def no_llm(*args, **kwargs):
        raise AssertionError("the LLM ran")

    monkeypatch.setattr(WavLLMForConditionalGeneration, "forward", no_llm)
    result = train(config, progress=False)
    tensors = load_file(result.trained_parts)
    assert not any("lora_" in name for name in tensors) and "semantic_bridge.projector.weight" in tensors
    records = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    val_losses = [r["val_loss"] for r in records if "val_loss" in r]
    assert len(val_losses) == 3 and val_losses[-1] < val_losses[0]


def test_init_from_a_list_loads_each_file_in_order_the_later_replacing_the_earlier(tmp_path):
    full, bridges = own_model(), own_model()
    configure_stage(full, stage_plan(1))
    configure_stage(bridges, stage_plan(1, lora=False))
    with torch.no_grad():
        for name, param in full.named_parameters():
            param.fill_(0.25)
        bridges.semantic_bridge.projector.weight.fill_(0.5)
    save_trained_parts(full, tmp_path / "full.safetensors", {"stage": 1})
    save_trained_parts(bridges, tmp_path / "bridges.safetensors", {"stage": 1})
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True)])
    config = base_config(tmp_path, manifest, init_from=[str(tmp_path / "full.safetensors"), str(tmp_path / "bridges.safetensors")])
    model, _, _ = Trainer(config)._load_model()
    lora = next(p for n, p in model.named_parameters() if n.endswith(".lora_B"))
    assert torch.all(lora == 0.25)  # from the first file only
    assert torch.all(model.semantic_bridge.projector.weight == 0.5)  # the second file's
    with pytest.raises(ConfigError, match="init_from"):
        base_config(tmp_path, manifest, init_from=[str(tmp_path / "full.safetensors"), ""])


def test_a_manifest_can_be_cut_to_its_first_rows(tmp_path):
    manifest = write_manifest(tmp_path, [(f"text_{i}", "Say hi.", "hi", False) for i in range(5)])
    config = base_config(tmp_path, manifest)
    config.train[0].rows = 3
    assert [r.id for r in load_sources(config.train, None)[0]] == ["text_0", "text_1", "text_2"]
    with pytest.raises(ConfigError, match="rows"):
        base_config(tmp_path, manifest, train=[{"path": str(manifest), "rows": 0}])


def test_length_buckets_batch_rows_of_similar_length_and_keep_every_row_once(tmp_path):
    rows = read_manifest(write_manifest(tmp_path, [(f"text_{i}", "Say it.", "word " * (1 + (i * 7) % 40), False)
                                                   for i in range(64)]))
    plain = TrainingData([rows], [1.0], batch_size=4, seed=0)
    bucketed = TrainingData([rows], [1.0], batch_size=4, seed=0, length_buckets=8)

    def spread(data: TrainingData) -> float:
        batches = [[approximate_tokens(e.row) for e in data.examples(p)] for p in range(data.batches_per_epoch)]
        return sum(max(b) - min(b) for b in batches) / len(batches)

    ids = sorted(e.row.id for p in range(bucketed.batches_per_epoch) for e in bucketed.examples(p))
    assert ids == sorted(r.id for r in rows)
    assert spread(bucketed) < 0.5 * spread(plain)
    again = TrainingData([rows], [1.0], batch_size=4, seed=0, length_buckets=8)
    assert [e.row.id for e in again.examples(5)] == [e.row.id for e in bucketed.examples(5)]


def test_a_warm_up_survives_batches_of_text_only_rows_and_audio_only_drops_them(tmp_path):
    rows = [(f"text_{i}", "Say hi.", "hi", False) for i in range(4)] + [("asr_4", "Transcribe.", "good morning", True)]
    manifest = write_manifest(tmp_path / "data", rows)
    # 5 rows in batches of 2: each epoch has two batches, and one of them holds text rows only.
    result = train(base_config(tmp_path / "a", manifest, train_lora=False, max_steps=4), progress=False)
    assert result.finished
    config = base_config(tmp_path / "b", manifest, train=[{"path": str(manifest), "audio_only": True}])
    assert [r.id for r in load_sources(config.train, None)[0]] == ["asr_4"]
    with pytest.raises(ConfigError, match="no rows left"):
        load_sources(base_config(tmp_path, manifest, train=[{"path": str(manifest), "rows": 2, "audio_only": True}]).train, None)
    with pytest.raises(ConfigError, match="no rows left.*transcript"):
        load_sources(base_config(tmp_path, manifest, train=[{"path": str(manifest), "rows": 2}]).train, None, transcribed_only=True)


@pytest.mark.parametrize("settings, warned", [
    ({"precision": "bf16"}, True),
    ({"precision": "no", "base_dtype": "bfloat16"}, True),
    ({"precision": "no", "base_dtype": "float32"}, False),
])
def test_bf16_on_a_cpu_without_native_bf16_is_warned_about(tmp_path, monkeypatch, caplog, settings, warned):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True)])
    monkeypatch.setattr(trainer_module, "cpu_has_native_bf16", lambda: False)
    Trainer(base_config(tmp_path, manifest, device="cpu", **settings))._accelerator(False)
    assert ("no native bf16" in caplog.text) is warned
    caplog.clear()
    monkeypatch.setattr(trainer_module, "cpu_has_native_bf16", lambda: True)
    Trainer(base_config(tmp_path, manifest, device="cpu", **settings))._accelerator(False)
    assert "no native bf16" not in caplog.text
