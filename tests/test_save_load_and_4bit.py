"""save_pretrained/from_pretrained round-trips, and 4-bit quantizes the LLM's linears only."""

from __future__ import annotations

import bitsandbytes as bnb
import pytest
import torch

from wavllm_core.hub import load_model
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.processing import WavLLMProcessor
from wavllm_core.prompt_lora import PromptAwareLoRALinear
from wavllm_core.quantization import estimate_memory


@pytest.fixture(scope="module")
def saved_dir(tmp_path_factory, trained_model, processor):
    directory = tmp_path_factory.mktemp("saved")
    trained_model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def test_save_and_load_give_identical_logits(saved_dir, trained_model, processor, clip):
    assert list(saved_dir.glob("*.safetensors"))
    loaded = WavLLMForConditionalGeneration.from_pretrained(saved_dir).eval()
    batch = processor(clip, "Transcribe the audio.")
    assert torch.equal(loaded(**batch).logits, trained_model(**batch).logits)


def test_the_processor_round_trips_with_the_same_token_ids(saved_dir, processor, clip):
    again = WavLLMProcessor.from_pretrained(saved_dir)
    assert torch.equal(again(clip, "Hello there")["input_ids"], processor(clip, "Hello there")["input_ids"])


@pytest.fixture(scope="module")
def four_bit(saved_dir):
    return load_model(str(saved_dir), load_in_4bit=True, device="cpu")


def test_4bit_quantizes_the_llm_decoder_linears_only(four_bit):
    model = four_bit.model
    wrapped = [m for m in model.modules() if isinstance(m, PromptAwareLoRALinear)]
    assert wrapped and all(isinstance(m.base_layer, bnb.nn.Linear4bit) for m in wrapped)
    assert all(isinstance(m, bnb.nn.Linear4bit) for m in model.language_model.model.layers[0].mlp.children() if hasattr(m, "weight"))
    assert all(m.lora_A.dtype == torch.float32 and m.lora_B.dtype == torch.float32 for m in wrapped)
    for part in ("semantic_encoder", "acoustic_encoder", "semantic_bridge", "acoustic_bridge", "fusion", "prompt_adapter"):
        assert not any(isinstance(m, bnb.nn.Linear4bit) for m in getattr(model, part).modules()), part
    assert not isinstance(model.language_model.lm_head, bnb.nn.Linear4bit)
    assert model.language_model.model.layers[0].self_attn.q_proj.base_layer.weight.quant_type == "nf4"


def test_4bit_model_generates_on_cpu_close_to_full_precision(four_bit, saved_dir, processor, clip):
    batch = processor(clip, "Transcribe the audio.")
    full = WavLLMForConditionalGeneration.from_pretrained(saved_dir).eval()
    quantized_logits, full_logits = four_bit.model(**batch).logits, full(**batch).logits
    assert torch.nn.functional.cosine_similarity(quantized_logits.flatten(), full_logits.flatten(), dim=0) > 0.95
    ids = four_bit.model.generate(**batch, do_sample=False, max_new_tokens=6)
    assert ids.shape == (1, 6)
    assert four_bit.quantization.startswith("4-bit")


def test_memory_estimate_for_the_published_model_fits_8gb_in_4bit_but_not_in_fp16():
    fp16, nf4 = estimate_memory("wavllm-7b", "fp16"), estimate_memory("wavllm-7b", "4bit")
    assert 7.4e9 < fp16.parameters < 7.7e9
    assert fp16.weights_bytes == pytest.approx(fp16.parameters * 2)
    assert nf4.total_bytes < 8 * 1024**3 < fp16.total_bytes
    assert nf4.quantized_parameters > 6e9


def test_unknown_quantization_is_refused():
    with pytest.raises(ValueError, match="choose one of"):
        estimate_memory("tiny-random", "3bit")
