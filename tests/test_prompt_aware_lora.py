"""The prompt-aware LoRA: (dropout(x)·A·B) ⊙ r with r from the quoted instruction."""

from __future__ import annotations

import copy

import torch

from conftest import speechlike
from wavllm_core.prompt_lora import LoRAScale, PromptAdapter, PromptAwareLoRALinear


def base_logits(model, batch):
    with model.lora_scale.disabled():
        return model(**batch).logits


def test_lora_wraps_q_k_v_o_of_every_layer_and_nothing_else(fresh_model, tiny_config):
    wrapped = [n for n, m in fresh_model.named_modules() if isinstance(m, PromptAwareLoRALinear)]
    layers = tiny_config.text_config.num_hidden_layers
    assert len(wrapped) == 4 * layers
    assert {n.rsplit(".", 1)[1] for n in wrapped} == {"q_proj", "k_proj", "v_proj", "o_proj"}


def test_lora_keeps_the_published_layout_x_times_a_times_b_without_alpha():
    scale = LoRAScale()
    layer = PromptAwareLoRALinear(torch.nn.Linear(6, 5, bias=False), rank=2, dropout=0.0, scale=scale)
    assert layer.lora_A.shape == (6, 2) and layer.lora_B.shape == (2, 5)
    torch.nn.init.normal_(layer.lora_B)
    x = torch.randn(1, 3, 6)
    r = torch.rand(1, 5) * 3
    with scale.using(r):
        expected = layer.base_layer(x) + (x @ layer.lora_A @ layer.lora_B) * r[:, None, :]
        assert torch.allclose(layer(x), expected, atol=1e-6)
    assert torch.allclose(layer(x), layer.base_layer(x) + x @ layer.lora_A @ layer.lora_B, atol=1e-6)


def test_zero_b_at_initialisation_gives_the_base_llm_output(fresh_model, processor, clip):
    batch = processor(clip, "Transcribe the audio.")
    assert torch.equal(fresh_model(**batch).logits, base_logits(fresh_model, batch))


def test_r_forced_to_zero_gives_exactly_the_base_llm_output(trained_model, processor, clip, tiny_config):
    batch = processor(clip, "Transcribe the audio.")
    zero = torch.zeros(1, tiny_config.text_config.hidden_size)
    assert torch.equal(trained_model(**batch, lora_scale=zero).logits, base_logits(trained_model, batch))
    assert not torch.allclose(trained_model(**batch).logits, base_logits(trained_model, batch))


def test_r_depends_on_the_instruction_and_not_on_the_audio(trained_model, processor):
    def r(audio, text):
        batch = processor(audio, text)
        return trained_model.compute_prompt_scale(batch["scale_input_ids"], batch["scale_attention_mask"])

    a, b = speechlike(1.0, seed=1), speechlike(2.0, seed=2)
    assert torch.equal(r(a, "Transcribe the audio."), r(b, "Transcribe the audio."))
    assert not torch.allclose(r(a, "Transcribe the audio."), r(a, "Is there only one speaker?"))


def test_r_is_relu_then_clamped_at_3():
    adapter = PromptAdapter(hidden_size=4, dim=8, max_scale=3.0)
    with torch.no_grad():
        adapter.fc2.weight.zero_()
        adapter.fc2.bias.copy_(torch.tensor([-1.0, 0.5, 2.0, 7.0]))
    r = adapter(torch.randn(1, 5, 4), torch.ones(1, 5))
    assert torch.allclose(r, torch.tensor([[0.0, 0.5, 2.0, 3.0]]))


def test_attention_pooling_ignores_padding_tokens():
    adapter = PromptAdapter(hidden_size=16, dim=8, max_scale=3.0)
    hidden = torch.randn(1, 4, 16)
    padded = torch.cat([hidden, torch.randn(1, 3, 16) * 50], dim=1)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0]])
    assert torch.allclose(adapter(hidden, torch.ones(1, 4)), adapter(padded, mask), atol=1e-6)


def test_prompt_scale_reads_the_last_layer_before_the_final_norm_with_lora_off(trained_model, processor):
    batch = processor(speechlike(1.0), "Say something.")
    ids, mask = batch["scale_input_ids"], batch["scale_attention_mask"]
    without_norm = copy.deepcopy(trained_model)
    without_norm.language_model.model.norm = torch.nn.Identity()
    with without_norm.lora_scale.disabled():
        before_norm = without_norm.language_model.model(input_ids=ids).last_hidden_state
        after_norm = trained_model.language_model.model(input_ids=ids).last_hidden_state
    got = trained_model.compute_prompt_scale(ids, mask)
    assert torch.allclose(got, trained_model.prompt_adapter(before_norm, mask), atol=1e-6)
    assert not torch.allclose(got, trained_model.prompt_adapter(after_norm, mask), atol=1e-4)
    lora_on = without_norm.language_model.model(input_ids=ids).last_hidden_state
    assert not torch.allclose(got, trained_model.prompt_adapter(lora_on, mask), atol=1e-4)


def test_constant_mode_scales_lora_by_one(tiny_config, processor, clip):
    from conftest import with_trained_lora
    from wavllm_core.modeling import WavLLMForConditionalGeneration

    torch.manual_seed(0)
    config = tiny_config.__class__(**{**tiny_config.to_dict(), "lora_scale_mode": "constant"})
    model = with_trained_lora(WavLLMForConditionalGeneration(config).eval())
    batch = processor(clip, "Transcribe the audio.")
    ones = torch.ones(1, config.text_config.hidden_size)
    assert model.compute_prompt_scale(batch["scale_input_ids"], batch["scale_attention_mask"]) is None
    assert torch.allclose(model(**batch).logits, model(**batch, lora_scale=ones).logits, atol=1e-6)
