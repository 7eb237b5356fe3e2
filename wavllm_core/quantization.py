"""4-bit loading settings and memory estimates.

The estimate counts parameters exactly (the model is built on the meta device, which allocates
nothing) and adds the KV cache and the largest activations of one request, so a user can tell
before downloading 30 GB whether a model will fit their GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BitsAndBytesConfig

from .config import WavLLMConfig, preset_config
from .processing import SECONDS_PER_FRAME

QUANTIZATIONS = ("fp32", "fp16", "bf16", "4bit")
_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2}
NF4_BLOCK = 64
PROMPT_TEXT_TOKENS = 80  # the LLaMA-2 template with system text and a short instruction
# What the runtime takes besides the model: CUDA context and allocator slack on a GPU, the
# interpreter and libraries on a CPU.
RUNTIME_OVERHEAD_GB = {"cuda": 0.5, "cpu": 0.4}


def four_bit_config(compute_dtype: torch.dtype = torch.float16) -> BitsAndBytesConfig:
    """NF4 for the LLM's linears; `WavLLMForConditionalGeneration.from_pretrained` keeps the rest."""
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype
    )


@dataclass(frozen=True)
class MemoryEstimate:
    """Expected footprint of one loaded model answering one request, in bytes."""

    name: str
    quantization: str
    parameters: int
    quantized_parameters: int
    weights_bytes: int
    kv_cache_bytes: int
    activation_bytes: int
    overhead_bytes: int
    audio_seconds: float

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.kv_cache_bytes + self.activation_bytes + self.overhead_bytes

    def describe(self) -> str:
        gb = 1024**3
        return (
            f"{self.name} {self.quantization}: {self.total_bytes / gb:.1f} GB "
            f"(weights {self.weights_bytes / gb:.2f}, KV cache {self.kv_cache_bytes / gb:.2f}, "
            f"activations {self.activation_bytes / gb:.2f}, runtime {self.overhead_bytes / gb:.2f}) "
            f"for a {self.audio_seconds:.0f} s clip; {self.parameters / 1e9:.2f} B parameters, "
            f"{self.quantized_parameters / 1e9:.2f} B of them in 4-bit"
        )


def _llm_linear_parameters(model: nn.Module) -> int:
    """Weights the 4-bit path quantizes: every linear of the LLM's decoder layers."""
    layers = model.language_model.model.layers
    return sum(
        module.weight.numel() for module in layers.modules() if isinstance(module, nn.Linear)
    )


def estimate_memory(
    preset: str | WavLLMConfig,
    quantization: str = "4bit",
    audio_seconds: float = 30.0,
    max_new_tokens: int = 512,
    device: str = "cuda",
) -> MemoryEstimate:
    """Footprint of `preset` in `quantization` (fp32, fp16, bf16 or 4bit) for one request on `device`."""
    from .modeling import WavLLMForConditionalGeneration

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}; choose one of {', '.join(QUANTIZATIONS)}")
    config = preset_config(preset) if isinstance(preset, str) else preset
    with torch.device("meta"):
        model = WavLLMForConditionalGeneration(config)
    total = sum(p.numel() for p in model.parameters())
    quantized = _llm_linear_parameters(model) if quantization == "4bit" else 0
    unit = _BYTES.get(quantization, 2)
    weights = int((total - quantized) * unit + quantized * (0.5 + 4 / NF4_BLOCK))

    text, semantic = config.text_config, config.semantic_config
    tokens = PROMPT_TEXT_TOKENS + int(audio_seconds / SECONDS_PER_FRAME) + max_new_tokens
    kv_dim = text.num_key_value_heads * (text.hidden_size // text.num_attention_heads)
    kv_cache = 2 * text.num_hidden_layers * tokens * kv_dim * unit
    positions = semantic.max_source_positions
    whisper = positions * semantic.encoder_ffn_dim * unit + semantic.encoder_attention_heads * positions**2 * unit
    prefill = tokens * text.intermediate_size * unit * 3 + text.vocab_size * 4
    name = preset if isinstance(preset, str) else "custom"
    overhead = int(RUNTIME_OVERHEAD_GB["cuda" if device.startswith("cuda") else "cpu"] * 1024**3)
    return MemoryEstimate(name, quantization, total, quantized, weights, kv_cache, max(whisper, prefill), overhead, audio_seconds)
