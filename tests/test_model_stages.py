"""The data flow of the paper, stage by stage: encoders → bridges → fusion → LLM."""

from __future__ import annotations

import pytest
import torch

from conftest import speechlike
from wavllm_core.adapters import Fusion, Subsampler, subsampled_length
from wavllm_core.encoders import conv_feature_frames, semantic_frames


def test_subsampler_output_length_follows_the_published_formula():
    sub = Subsampler(8, (16, 16))
    for length in range(1, 40):
        out = sub(torch.randn(1, length, 8), torch.tensor([length]))
        expected = ((length - 1) // 2 + 1 - 1) // 2 + 1
        assert out.shape == (1, expected, 8)
        assert subsampled_length(length) == expected


def test_a_full_whisper_piece_becomes_375_llm_frames():
    assert semantic_frames(30 * 16_000, 30 * 16_000) == 1500
    assert subsampled_length(1500) == 375


def test_fusion_trims_both_streams_to_the_shorter_one():
    fusion = Fusion(projector_dim=4, hidden_size=6)
    out = fusion(torch.randn(2, 7, 4), torch.randn(2, 5, 4))
    assert out.shape == (2, 5, 6)
    semantic_first = torch.nn.functional.linear(
        torch.cat([torch.ones(1, 5, 4), torch.zeros(1, 5, 4)], -1), fusion.proj.weight, fusion.proj.bias
    )
    assert torch.allclose(fusion(torch.ones(1, 7, 4), torch.zeros(1, 5, 4)), semantic_first)


def test_shapes_at_every_stage(fresh_model, processor, tiny_config):
    clip = speechlike(2.5)
    batch = processor(clip, "Transcribe the audio.")
    semantic = fresh_model.semantic_encoder(batch["input_features"], batch["piece_frames"], batch["pieces_per_clip"])
    layers = fresh_model.acoustic_encoder(batch["input_values"], batch["acoustic_attention_mask"])
    assert layers[0].shape[0] == tiny_config.acoustic_config.num_hidden_layers + 1
    acoustic = fresh_model.acoustic_encoder.mix(layers)
    n = clip.num_samples
    assert semantic[0].shape == (semantic_frames(n, 480_000), tiny_config.semantic_config.d_model)
    assert acoustic[0].shape == (conv_feature_frames(tiny_config.acoustic_config, n), tiny_config.acoustic_config.hidden_size)
    sem_out, sem_len = fresh_model._bridge(fresh_model.semantic_bridge, semantic)
    ac_out, ac_len = fresh_model._bridge(fresh_model.acoustic_bridge, acoustic)
    assert sem_out.shape == (1, subsampled_length(semantic[0].shape[0]), tiny_config.projector_dim)
    assert ac_out.shape == (1, subsampled_length(acoustic[0].shape[0]), tiny_config.projector_dim)
    fused, lengths = fresh_model.get_audio_features(
        batch["input_features"], batch["piece_frames"], batch["pieces_per_clip"],
        batch["input_values"], batch["acoustic_attention_mask"],
    )
    frames = min(sem_out.shape[1], ac_out.shape[1])
    assert fused.shape == (1, frames, tiny_config.text_config.hidden_size)
    assert int(batch["audio_mask"].sum()) == frames == processor.audio_frames(n)
    logits = fresh_model(**batch).logits
    assert logits.shape == (1, batch["input_ids"].shape[1], tiny_config.text_config.vocab_size)


def test_long_audio_is_cut_into_30s_pieces_trimmed_to_real_length_before_joining(fresh_model, processor):
    clip = speechlike(65.0)
    batch = processor(clip, "")
    assert batch["input_features"].shape[0] == 3
    assert batch["piece_frames"].tolist() == [1500, 1500, 250]
    joined = fresh_model.semantic_encoder(batch["input_features"], batch["piece_frames"], batch["pieces_per_clip"])[0]
    last_piece = fresh_model.semantic_encoder.model(batch["input_features"][2:3]).last_hidden_state[0, :250]
    assert joined.shape[0] == 3250
    assert torch.allclose(joined[3000:], last_piece, atol=1e-6)


def test_frozen_encoders_stay_in_eval_mode_and_take_no_gradients(tiny_config):
    from wavllm_core.modeling import WavLLMForConditionalGeneration

    model = WavLLMForConditionalGeneration(tiny_config).train()
    assert not model.semantic_encoder.training and not model.acoustic_encoder.model.training
    assert not any(p.requires_grad for p in model.semantic_encoder.parameters())
    assert not any(p.requires_grad for p in model.acoustic_encoder.model.parameters())
    assert model.acoustic_encoder.layer_weights.requires_grad


def test_a_clip_gives_the_same_logits_alone_and_in_a_padded_training_batch(trained_model, processor):
    short, long = speechlike(1.5, seed=3), speechlike(4.0, seed=4)
    alone = trained_model(**processor(short, "Say it.", response="ok")).logits[0]
    batch = processor([long, short], ["Transcribe the whole thing.", "Say it."], response=["fine words", "ok"])
    together = trained_model(**batch).logits[1, : alone.shape[0]]
    assert torch.allclose(alone, together, atol=1e-5)


@pytest.mark.parametrize("mode", ["prompt", "constant"])
def test_training_loss_counts_response_tokens_only(tiny_config, processor, mode):
    from wavllm_core.modeling import WavLLMForConditionalGeneration

    torch.manual_seed(0)
    model = WavLLMForConditionalGeneration(tiny_config.__class__(**{**tiny_config.to_dict(), "lora_scale_mode": mode})).eval()
    batch = processor(speechlike(1.0), "Transcribe.", response="hello there")
    out = model(**batch)
    labels = batch["labels"][0]
    answer = processor.tokenizer.encode("hello there") + [processor.tokenizer.eos_token_id]
    assert labels[labels != -100].tolist() == answer
    logits = out.logits[0, :-1]
    targets = labels[1:]
    keep = targets != -100
    by_hand = torch.nn.functional.cross_entropy(logits[keep], targets[keep])
    assert torch.allclose(out.loss, by_hand, atol=1e-6)


def test_the_acoustic_layer_weights_train_through_the_full_forward(tiny_config, processor):
    from wavllm_core.modeling import WavLLMForConditionalGeneration

    torch.manual_seed(0)
    model = WavLLMForConditionalGeneration(tiny_config)
    with torch.no_grad():
        model.acoustic_bridge.projector.weight.mul_(5)
    model(**processor(speechlike(1.0), "Transcribe.", response="hello")).loss.backward()
    assert model.acoustic_encoder.layer_weights.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.acoustic_encoder.model.parameters())
