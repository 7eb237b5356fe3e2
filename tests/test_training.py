"""Training: manifests, data mixing, the stages' trainable parameters, the trainer, exact resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf
import torch
import yaml
from safetensors.torch import load_file

from conftest import speechlike
from wavllm_core import cli
from wavllm_core.config import preset_config
from wavllm_core.hub import load_model
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.training.config import ConfigError, TrainConfig
from wavllm_core.training.data import (
    Collator, PlannedBatches, PromptVariants, TrainingData, check_examples_fit, epoch_counts,
)
from wavllm_core.training.features import as_encoder_outputs, extract_features
from wavllm_core.training.manifest import ManifestError, read_manifest
from wavllm_core.training.parts import TrainedPartsError, load_trained_parts, save_trained_parts
from wavllm_core.training.stages import configure_stage, stage_plan
from wavllm_core.training.tasks import infer_task
from wavllm_core.training.trainer import train

HEADER = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech")
REPO = Path(__file__).resolve().parent.parent


def write_manifest(folder: Path, rows, name: str = "manifest.tsv", header=HEADER, seconds: float = 1.0) -> Path:
    """rows: (id, prompt, target, with_speech); a 1-2 s speech-like WAV is written for each audio row."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(header)]
    for i, (row_id, prompt, target, with_speech) in enumerate(rows):
        audio = ""
        if with_speech:
            audio = f"{row_id}.wav"
            sf.write(folder / audio, speechlike(seconds + 0.5 * (i % 3), seed=i).samples, 16_000, subtype="PCM_16")
        values = {"id": row_id, "audio": audio, "n_frames": "0", "prompt": prompt, "tgt_text": target,
                  "with_speech": str(with_speech)}
        lines.append("\t".join(values.get(column, "") for column in header))
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def base_config(tmp_path: Path, manifest: Path, **settings) -> TrainConfig:
    values = {"train": [str(manifest)], "output_dir": str(tmp_path / "run"), "batch_size": 2, "max_steps": 2,
              "learning_rate": 1e-2, "log_every": 1, "scheduler": "constant"}
    values.update(settings)
    return TrainConfig.from_dict(values)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> str:
    """One encoder cache for the module's runs: the frozen encoders run once per clip, not per test."""
    return str(tmp_path_factory.mktemp("encoder-cache"))


@pytest.fixture(scope="module")
def mixed_manifest(tmp_path_factory) -> Path:
    return write_manifest(tmp_path_factory.mktemp("mixed"), [
        ("asr_1", "Transcribe the audio.", "good morning", True),
        ("sv_2", "Is there only one speaker in the audio clip?", "Yes", True),
        ("text_3", "Say hello in German.", "Hallo", False),
    ])


@pytest.fixture(scope="module")
def sharp_model_dir(tmp_path_factory) -> Path:
    """tiny-random with its output head scaled up ×10. A random LLM's logits are tiny (init std 0.02
    through a frozen RMSNorm and head), which caps how low any adapter can drive the loss; a trained
    LLM's are not. With a sharper head the loss can fall as it would on a real model."""
    loaded = load_model("tiny-random", device="cpu")
    model = WavLLMForConditionalGeneration(loaded.model.config)
    model.load_state_dict(loaded.model.state_dict())
    with torch.no_grad():
        model.language_model.lm_head.weight.mul_(10)
    directory = tmp_path_factory.mktemp("sharp-tiny")
    model.save_pretrained(directory)
    loaded.processor.save_pretrained(directory)
    return directory


def own_model() -> WavLLMForConditionalGeneration:
    """A model with its own config object, so stage changes never touch the shared fixtures."""
    torch.manual_seed(0)
    return WavLLMForConditionalGeneration(preset_config("tiny-random"))


# Manifests ------------------------------------------------------------------------------


def test_manifest_columns_are_matched_by_name_in_any_order(tmp_path):
    header = ("with_speech", "tgt_text", "id", "prompt", "n_frames", "audio", "extra")
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True), ("x_2", "Say hi.", "hi", False)], header=header)
    rows = read_manifest(path)
    assert [(r.id, r.target, r.with_speech, r.task) for r in rows] == [("asr_1", "hello", True, "asr"), ("x_2", "hi", False, "other")]
    assert rows[0].audio == tmp_path / "asr_1.wav" and rows[1].audio is None


def test_a_missing_audio_file_names_the_file_line_and_column(tmp_path):
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True), ("asr_2", "Transcribe.", "bye", True)])
    (tmp_path / "asr_2.wav").unlink()
    with pytest.raises(ManifestError) as error:
        read_manifest(path)
    assert str(path) in str(error.value) and "line 3" in str(error.value) and "column 'audio'" in str(error.value)
    assert "asr_2.wav" in str(error.value)


def test_a_row_with_the_wrong_number_of_fields_names_the_file_and_line(tmp_path):
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True)])
    path.write_text(path.read_text() + "asr_2\tonly three\tfields\n")
    with pytest.raises(ManifestError, match=r"manifest.tsv, line 3: 3 tab-separated fields, but the header has 6"):
        read_manifest(path)


def test_a_bad_with_speech_value_names_the_line_and_column(tmp_path):
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True)])
    path.write_text(path.read_text().replace("\tTrue", "\tmaybe"))
    with pytest.raises(ManifestError, match=r"manifest.tsv, line 2, column 'with_speech': expected True or False, got 'maybe'"):
        read_manifest(path)


def test_missing_columns_are_named_with_the_header_line(tmp_path):
    header = ("id", "audio", "n_frames", "prompt", "with_speech")
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True)], header=header)
    with pytest.raises(ManifestError, match=r"manifest.tsv, line 1, column 'tgt_text': missing column\(s\) 'tgt_text'"):
        read_manifest(path)


def test_a_duplicate_id_names_both_lines(tmp_path):
    path = write_manifest(tmp_path, [("asr_1", "Transcribe.", "a", True), ("asr_1", "Transcribe.", "b", False)])
    with pytest.raises(ManifestError, match=r"line 3, column 'id': duplicate id 'asr_1' \(first on line 2\)"):
        read_manifest(path)


def test_a_row_too_long_for_the_model_fails_before_training_with_its_line(tmp_path, processor):
    path = write_manifest(tmp_path, [("text_1", "Repeat this.", " ".join(["word"] * 2100), False)])
    with pytest.raises(ManifestError, match=r"manifest.tsv, line 2: the prompt and answer take \d+ positions"):
        check_examples_fit(read_manifest(path), processor, PromptVariants())


@pytest.mark.parametrize("row_id, prompt, task", [
    ("librispeech-test-clean-1", "Transcribe it.", "asr"),
    ("short_conv_12", "What will he do? A. x; B. y; C. z.", "sqa"),
    ("sqqa_3", "", "sqqa"),
    ("item7", "", "sqqa"),
    ("item8", "Based on the attached audio, generate a comprehensive text transcription of the spoken content.", "asr"),
    ("item9", "Translate the audio clip into German.", "st"),
    ("item10", "Is there only one speaker in the audio clip?", "sv"),
    ("item11", "What is the emotion of the speaker?", "er"),
    ("item12", "First of all, transcribe the audio; Additionally summarise it; Lastly translate the summary into German.", "cot"),
    ("item13", "Transcribe the audio, and then describe the speaker's emotion.", "ii"),
    ("stage_4", "Hello there", "other"),
])
def test_the_task_comes_from_the_id_prefix_else_the_prompt(row_id, prompt, task):
    assert infer_task(row_id, prompt) == task


# Data -----------------------------------------------------------------------------------


def test_epoch_shares_follow_the_weights_and_add_up():
    assert epoch_counts([10, 10], [3.0, 1.0], 8) == [6, 2]
    assert sum(epoch_counts([5, 7, 3], [1.0, 1.0, 1.0], 10)) == 10


def test_manifests_are_mixed_by_weight(tmp_path):
    a = read_manifest(write_manifest(tmp_path / "a", [(f"asr_{i}", "Transcribe.", "a", False) for i in range(4)]))
    b = read_manifest(write_manifest(tmp_path / "b", [(f"sv_{i}", "Speaker?", "b", False) for i in range(4)]))
    data = TrainingData([a, b], [3.0, 1.0], batch_size=2, seed=0, epoch_size=8)
    rows = [e.row.id for p in range(data.batches_per_epoch) for e in data.examples(p)]
    assert sum(r.startswith("asr") for r in rows) == 6 and sum(r.startswith("sv") for r in rows) == 2


def test_prompt_variants_are_drawn_with_the_seed_and_keep_the_manifest_prompt_where_asked(tmp_path):
    rows = read_manifest(write_manifest(tmp_path, [("asr_1", "Transcribe.", "a", False), ("sqa_2", "Q? A. x; B. y.", "A", False)]))
    variants = PromptVariants({"asr": ["Write it down.", "Transcribe the clip."], "sqa": ["Answer: {prompt}"]})
    data = TrainingData([rows], [1.0], batch_size=2, seed=3, variants=variants, epoch_size=2)
    seen = [(e.row.id, e.instruction) for p in range(20) for e in data.examples(p)]
    assert {text for rid, text in seen if rid == "asr_1"} == {"Write it down.", "Transcribe the clip."}
    assert {text for rid, text in seen if rid == "sqa_2"} == {"Answer: Q? A. x; B. y."}
    again = TrainingData([rows], [1.0], batch_size=2, seed=3, variants=variants, epoch_size=2)
    assert [(e.row.id, e.instruction) for p in range(20) for e in again.examples(p)] == seen


def test_processes_take_interleaved_positions_of_one_global_order(mixed_manifest, processor):
    data = TrainingData([read_manifest(mixed_manifest)], [1.0], batch_size=1, seed=0, epoch_size=3)
    collate = Collator(processor)
    ids = lambda ds: [ds[i].audio_rows[0].id if ds[i].audio_rows else "text" for i in range(len(ds))]  # noqa: E731
    single = ids(PlannedBatches(data, collate, start=0, count=4))
    two = [ids(PlannedBatches(data, collate, start=0, count=2, rank=r, world=2)) for r in (0, 1)]
    assert single == [two[0][0], two[1][0], two[0][1], two[1][1]]


def test_a_text_only_row_has_no_audio_slot_and_labels_only_on_the_response(processor):
    batch = processor.text_only("Say hello.", response="hallo")
    text = processor.tokenizer.decode(batch["input_ids"][0], skip_special_tokens=False)
    labels = batch["labels"][0]
    assert "<SPEECH>" not in text and "</SPEECH>" not in text and "Say hello. [/INST]" in text
    assert not batch["audio_mask"].any()
    assert labels[labels != -100].tolist() == processor.tokenizer.encode("hallo") + [processor.tokenizer.eos_token_id]


def test_a_batch_mixing_audio_and_text_only_rows_puts_the_audio_rows_first(mixed_manifest, processor, fresh_model):
    rows = read_manifest(mixed_manifest)
    from wavllm_core.training.data import Example

    batch = Collator(processor)([Example(rows[2], rows[2].prompt), Example(rows[0], rows[0].prompt)])
    assert [r.id for r in batch.audio_rows] == ["asr_1"]
    assert batch.features["audio_mask"][0].any() and not batch.features["audio_mask"][1].any()
    features = extract_features(fresh_model, batch.audio_inputs("cpu"))
    out = fresh_model(**batch.text_inputs("cpu"), encoder_outputs=as_encoder_outputs(features, torch.device("cpu")))
    assert torch.isfinite(out.loss)


def test_the_response_loss_equals_the_models_own_loss_from_the_response_positions_alone(mixed_manifest, processor, fresh_model):
    from wavllm_core.training.data import Example
    from wavllm_core.training.loss import response_loss

    rows = read_manifest(mixed_manifest)
    batch = Collator(processor)([Example(row, row.prompt) for row in rows])
    inputs = batch.text_inputs("cpu")
    encoded = as_encoder_outputs(extract_features(fresh_model, batch.audio_inputs("cpu")), torch.device("cpu"))
    with torch.no_grad():
        own = fresh_model(**inputs, encoder_outputs=encoded).loss
        ours = response_loss(fresh_model, inputs, encoder_outputs=encoded)
    assert torch.allclose(ours, own, atol=1e-5)
    assert batch.response_tokens < inputs["labels"].numel() / 2  # most positions were never projected


def test_cached_features_give_the_models_own_audio_embeddings(fresh_model, processor):
    batch = processor([speechlike(1.0, 1), speechlike(1.5, 2)], ["a", "b"])
    inputs = {k: batch[k] for k in ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")}
    reference = fresh_model.get_audio_features(*inputs.values())
    cached = as_encoder_outputs(extract_features(fresh_model, inputs), torch.device("cpu"))
    ours = fresh_model.bridge_audio(cached)
    assert torch.allclose(ours[0], reference[0], atol=1e-6) and torch.equal(ours[1], reference[1])


def test_the_acoustic_layer_weights_get_gradients_through_the_training_path(processor):
    model = own_model()
    batch = processor(speechlike(1.0), "Transcribe.", response="hello")
    inputs = {k: batch[k] for k in ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")}
    text = {k: batch[k] for k in ("input_ids", "attention_mask", "audio_mask", "labels")}
    with torch.no_grad():  # LoRA B is zero at init; give the audio path something to change
        model.acoustic_bridge.projector.weight.mul_(5)
    model(**text, encoder_outputs=as_encoder_outputs(extract_features(model, inputs), torch.device("cpu"))).loss.backward()
    grad = model.acoustic_encoder.layer_weights.grad
    assert grad is not None and grad.abs().sum() > 0


# Stages ---------------------------------------------------------------------------------


def _expected_stage1(model) -> set[str]:
    names = {n for n, _ in model.named_parameters()}
    bridges = {n for n in names if n.split(".")[0] in ("semantic_bridge", "acoustic_bridge", "fusion")}
    lora = {n for n in names if n.endswith((".lora_A", ".lora_B"))}
    return bridges | lora | {"acoustic_encoder.layer_weights"}


def test_stage_one_trains_bridges_fusion_layer_weights_and_lora_with_a_constant_scale():
    model = own_model()
    names = set(configure_stage(model, stage_plan(1)))
    assert names == _expected_stage1(model)
    assert {n.split(".")[0] for n in names} == {"semantic_bridge", "acoustic_bridge", "fusion", "acoustic_encoder", "language_model"}
    assert len([n for n in names if "lora_" in n]) == 2 * 4 * model.config.text_config.num_hidden_layers
    assert {n for n, p in model.named_parameters() if p.requires_grad} == names
    assert model.config.lora_scale_mode == "constant"


def test_stage_two_adds_the_prompt_adapter_and_scales_lora_by_r():
    model = own_model()
    names = set(configure_stage(model, stage_plan(2)))
    adapter = {f"prompt_adapter.{layer}.{kind}" for layer in ("fc1", "fc2", "pool") for kind in ("weight", "bias")}
    assert names == _expected_stage1(model) | adapter
    assert model.config.lora_scale_mode == "prompt"


def test_stage_two_with_plain_lora_leaves_the_prompt_adapter_frozen():
    model = own_model()
    names = set(configure_stage(model, stage_plan(2, prompt_aware=False)))
    assert names == _expected_stage1(model)
    assert model.config.lora_scale_mode == "constant"


def test_encoders_and_llm_base_weights_never_train():
    model = own_model()
    for plan in (stage_plan(1), stage_plan(2), stage_plan(2, False)):
        names = configure_stage(model, plan)
        assert not any(n.startswith(("semantic_encoder.", "acoustic_encoder.model.")) for n in names)
        assert not any(n.startswith("language_model.") and "lora_" not in n for n in names)


# Trained parts --------------------------------------------------------------------------


def test_trained_parts_load_on_top_of_fresh_base_weights(tmp_path):
    trained = own_model()
    configure_stage(trained, stage_plan(1))
    with torch.no_grad():
        for p in trained.parameters():
            if p.requires_grad:
                p.add_(0.5)
    path = save_trained_parts(trained, tmp_path / "parts.safetensors")
    target = own_model()
    names = load_trained_parts(target, path)
    assert target.config.lora_scale_mode == "constant"
    assert set(names) == _expected_stage1(target)
    for name, param in target.named_parameters():
        assert torch.equal(param, dict(trained.named_parameters())[name])


def test_trained_parts_for_another_model_size_are_refused(tmp_path):
    other = WavLLMForConditionalGeneration(preset_config("tiny-random").__class__(
        **{**preset_config("tiny-random").to_dict(), "lora_rank": 4}))
    configure_stage(other, stage_plan(1))
    path = save_trained_parts(other, tmp_path / "parts.safetensors")
    with pytest.raises(TrainedPartsError, match="another size"):
        load_trained_parts(own_model(), path)


# The trainer ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_few_steps_drive_the_loss_on_a_fixed_batch_below_half(tmp_path, sharp_model_dir):
    manifest = write_manifest(tmp_path / "data", [("asr_1", "Transcribe.", "yes", True), ("asr_2", "Transcribe.", "hello there", True)])
    config = base_config(tmp_path, manifest, model=str(sharp_model_dir), validation=[str(manifest)], max_steps=8,
                         eval_every=8, encoder_cache=str(tmp_path / "cache"), max_grad_norm=None)
    result = train(config, progress=False)
    val = [r["val_loss"] for r in map(json.loads, (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()) if "val_loss" in r]
    assert result.finished and len(val) == 2
    assert val[-1] < 0.5 * val[0]
    assert any((tmp_path / "cache").rglob("*.safetensors"))


def test_a_run_told_not_to_validate_at_the_start_validates_only_at_its_eval_steps(tmp_path, mixed_manifest):
    config = base_config(tmp_path, mixed_manifest, validation=[str(mixed_manifest)], eval_every=2, validate_at_start=False)
    train(config, progress=False)
    records = map(json.loads, (tmp_path / "run" / "train_log.jsonl").read_text().splitlines())
    assert [r["step"] for r in records if "val_loss" in r] == [2]


def test_the_trainer_writes_trained_parts_config_and_a_jsonl_log(tmp_path, mixed_manifest):
    result = train(base_config(tmp_path, mixed_manifest), progress=False)
    run = tmp_path / "run"
    tensors = load_file(result.trained_parts)
    assert result.trained_parts == run / "trained.safetensors"
    assert "prompt_adapter.fc1.weight" not in tensors and "acoustic_encoder.layer_weights" in tensors
    assert not any(name.startswith("language_model.") and "lora_" not in name for name in tensors)
    records = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2]
    assert all({"loss", "lr", "examples_per_s", "epoch"} <= set(r) for r in records)
    assert TrainConfig.from_yaml(run / "config.yaml").as_dict() == base_config(tmp_path, mixed_manifest).as_dict()


def _train_and_read_prompt_adapter(tmp_path: Path, manifest: Path, cache: str, **settings) -> tuple[bool, str]:
    """(did the prompt adapter change, the LoRA scale mode the trained parts record)."""
    loaded = load_model("tiny-random", device="cpu")
    before = {n: p.clone() for n, p in loaded.model.named_parameters() if n.startswith("prompt_adapter.")}
    result = train(base_config(tmp_path, manifest, encoder_cache=cache, **settings), progress=False)
    load_trained_parts(loaded.model, result.trained_parts)
    after = dict(loaded.model.named_parameters())
    return any(not torch.equal(before[n], after[n]) for n in before), loaded.model.config.lora_scale_mode


@pytest.mark.slow
def test_the_prompt_adapter_trains_in_stage_two_only_and_not_with_plain_lora(tmp_path, mixed_manifest, shared_cache):
    assert _train_and_read_prompt_adapter(tmp_path / "one", mixed_manifest, shared_cache, stage=1) == (False, "constant")
    assert _train_and_read_prompt_adapter(tmp_path / "two", mixed_manifest, shared_cache, stage=2) == (True, "prompt")
    plain = _train_and_read_prompt_adapter(tmp_path / "plain", mixed_manifest, shared_cache, stage=2, prompt_aware=False)
    assert plain == (False, "constant")


@pytest.mark.slow
def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_exactly(tmp_path, mixed_manifest, shared_cache):
    settings = {"max_steps": 4, "grad_accum": 2, "save_every": 2, "learning_rate": 5e-3, "scheduler": "linear",
                "warmup_steps": 1, "prompts": {"asr": ["Transcribe.", "Write down what is said."]},
                "encoder_cache": shared_cache}
    whole = train(base_config(tmp_path / "whole", mixed_manifest, **settings), progress=False)
    config = base_config(tmp_path / "split", mixed_manifest, **settings)
    stopped = train(config, stop_at_step=3, progress=False)
    assert not stopped.finished and stopped.trained_parts is None
    resumed = train(config, resume="auto", progress=False)
    assert resumed.finished and resumed.step == 4
    a, b = load_file(whole.trained_parts), load_file(resumed.trained_parts)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[name], b[name]) for name in a)
    log = [json.loads(line)["step"] for line in (tmp_path / "split" / "run" / "train_log.jsonl").read_text().splitlines()]
    assert log == [1, 2, 3, 4]


def test_resuming_with_changed_data_settings_is_refused(tmp_path, mixed_manifest, shared_cache):
    train(base_config(tmp_path, mixed_manifest, encoder_cache=shared_cache), stop_at_step=1, progress=False)
    with pytest.raises(ConfigError, match="settings differ from the saved run: seed"):
        train(base_config(tmp_path, mixed_manifest, encoder_cache=shared_cache, seed=5), resume="auto", progress=False)


def test_starting_over_an_earlier_runs_checkpoints_is_refused(tmp_path, mixed_manifest, shared_cache):
    train(base_config(tmp_path, mixed_manifest, encoder_cache=shared_cache), stop_at_step=1, progress=False)
    with pytest.raises(ConfigError, match="--resume auto"):
        train(base_config(tmp_path, mixed_manifest, encoder_cache=shared_cache), progress=False)


def test_training_again_into_a_finished_runs_folder_is_refused(tmp_path, mixed_manifest, shared_cache):
    train(base_config(tmp_path, mixed_manifest, max_steps=1, encoder_cache=shared_cache), progress=False)
    with pytest.raises(ConfigError, match="holds a finished run"):
        train(base_config(tmp_path, mixed_manifest, max_steps=1, encoder_cache=shared_cache), progress=False)


# Config and CLI -------------------------------------------------------------------------


def test_an_unknown_config_key_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"train": ["m.tsv"], "learning_rte": 0.1}))
    with pytest.raises(ConfigError, match="unknown setting.*learning_rte"):
        TrainConfig.from_yaml(path)


def test_exponent_numbers_without_a_dot_are_read_as_numbers(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train: [m.tsv]\nlearning_rate: 1e-4\n")
    assert TrainConfig.from_yaml(path).learning_rate == 1e-4


def test_a_wrongly_typed_setting_is_named(tmp_path):
    with pytest.raises(ConfigError, match="batch_size"):
        TrainConfig.from_dict({"train": ["m.tsv"], "batch_size": "four"})


def test_the_example_config_is_valid_and_trains_the_first_stage():
    config = TrainConfig.from_yaml(REPO / "configs" / "tiny-train.yaml")
    assert config.model == "tiny-random" and config.stage == 1 and config.precision == "bf16"
    assert config.train[0].path.endswith("train.tsv") and "asr" in config.prompts


@pytest.mark.slow
def test_train_cli_runs_a_config_and_reports_the_trained_parts(tmp_path, mixed_manifest, shared_cache, capsys):
    path = tmp_path / "c.yaml"
    base_config(tmp_path, mixed_manifest, max_steps=1, encoder_cache=shared_cache).to_yaml(path)
    assert cli.main(["train", "--config", str(path), "--no-progress"]) == 0
    assert "trained 1 steps; trained parts:" in capsys.readouterr().out


def test_train_cli_reports_a_bad_manifest_as_an_error_line(tmp_path, capsys):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hello", True)])
    (tmp_path / "asr_1.wav").unlink()
    path = tmp_path / "c.yaml"
    base_config(tmp_path, manifest).to_yaml(path)
    assert cli.main(["train", "--config", str(path), "--no-progress"]) == 2
    assert "error: " in capsys.readouterr().err


def test_the_encoder_cache_stores_fp16_and_reads_back_float32_close_to_the_original(tmp_path, fresh_model, processor):
    from safetensors.torch import load_file

    from wavllm_core.training.features import EncoderCache

    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True)])
    row = read_manifest(manifest)[0]
    batch = processor(row.load_clip(), "")
    inputs = {k: batch[k] for k in ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")}
    original = extract_features(fresh_model, inputs)[0]
    cache = EncoderCache(tmp_path / "cache", "fingerprint")
    cache.put(row, original)
    stored = load_file(next((tmp_path / "cache").rglob("*.safetensors")))
    assert stored["semantic"].dtype == torch.float16
    again = cache.get(row)
    assert again.semantic.dtype == torch.float32
    assert torch.allclose(again.semantic, original.semantic, rtol=1e-3, atol=1e-3)
    assert torch.allclose(again.acoustic_layers, original.acoustic_layers, rtol=1e-3, atol=1e-3)
