"""WavLLMConfig: one composite config for the two encoders, the bridges, the LLM and the template.

Sizes follow the published WavLLM (see the README's architecture section); the presets are built
in code so that nothing has to be downloaded to know what a model looks like.
"""

from __future__ import annotations

from typing import Literal

from transformers import AutoConfig, LlamaConfig, PreTrainedConfig, WavLMConfig, WhisperConfig
from transformers.configuration_utils import SubConfigSpec

LLAMA2_SYSTEM_PROMPT = (
    "As a helpful language and speech assistant, you are able to understand the speech content "
    "provided by the user, and assist the user with a variety of tasks using natural language."
)
LLAMA2_PROMPT_PREFIX = "[INST]<<SYS>>\n{system}\n<</SYS>>\n\n<SPEECH>"
LLAMA2_PROMPT_SUFFIX = " </SPEECH> {instruction} [/INST]"
LLAMA2_NEXT_TURN = "[INST] {instruction} [/INST]"


class WavLLMConfig(PreTrainedConfig):
    """Configuration of a WavLLM: semantic + acoustic encoder, subsampling bridges, fusion, LLM.

    `acoustic_config` may be any encoder kind registered with `AutoConfig` whose model returns
    per-layer hidden states at 50 Hz (WavLM by default); `encoders.py` knows how to run it.
    """

    model_type = "wavllm"
    sub_configs_defaults = {
        "semantic_config": SubConfigSpec(config_class=AutoConfig, model_type="whisper"),
        "acoustic_config": SubConfigSpec(config_class=AutoConfig, model_type="wavlm"),
        "text_config": SubConfigSpec(config_class=AutoConfig, model_type="llama"),
    }

    semantic_config: dict | PreTrainedConfig | None = None
    acoustic_config: dict | PreTrainedConfig | None = None
    text_config: dict | PreTrainedConfig | None = None

    # Bridges: Conv1d(k3,s2)+GLU twice, then a bottleneck adapter and a projector per branch.
    semantic_subsampler_channels: tuple[int, int] | list[int] = (1280, 2048)
    acoustic_subsampler_channels: tuple[int, int] | list[int] = (512, 2048)
    adapter_bottleneck: int = 512
    projector_dim: int = 2048

    # Prompt-aware LoRA on the attention projections of every LLM layer.
    lora_rank: int = 32
    lora_dropout: float = 0.1
    lora_targets: tuple[str, ...] | list[str] = ("q_proj", "k_proj", "v_proj", "o_proj")
    lora_scale_mode: Literal["prompt", "constant"] = "prompt"
    # True for weights converted from Meta's interleaved rotary layout: q/k read r permuted.
    lora_scale_rotary_permuted: bool = False
    prompt_adapter_dim: int = 1024
    prompt_scale_max: float = 3.0

    # Prompt template (LLaMA-2 chat form as published). `prompt_bos`: each turn starts with BOS (LLaMA);
    # chat templates that open turns with their own special tokens (e.g. ChatML) set it False.
    prompt_bos: bool = True
    system_prompt: str = LLAMA2_SYSTEM_PROMPT
    prompt_prefix: str = LLAMA2_PROMPT_PREFIX
    prompt_suffix: str = LLAMA2_PROMPT_SUFFIX
    next_turn_template: str = LLAMA2_NEXT_TURN
    scale_prompt_template: str = '"{instruction}"'
    bos_after_audio: bool = False
    max_instruction_tokens: int = 400
    audio_token_id: int = 0
    tie_word_embeddings: bool = False
    # Transcription requests are decoded jointly with the fused frames' CTC read-out at this weight
    # (ctc_guidance.py); only for models whose frames were trained with the CTC alignment loss
    # (wavllm-mini), None (plain decoding) for the rest.
    transcript_ctc_weight: float | None = None

    @property
    def semantic_chunk_samples(self) -> int:
        """Samples per Whisper piece: its position table covers max_source_positions frames at 100 Hz / 2."""
        return int(self.semantic_config.max_source_positions) * 2 * 160

    @property
    def max_positions(self) -> int:
        return int(self.text_config.max_position_embeddings)


def _wavllm_7b() -> WavLLMConfig:
    """The published shapes: Whisper large-v2 encoder, WavLM base, LLaMA-2-7B-chat."""
    semantic = WhisperConfig(
        d_model=1280, encoder_layers=32, encoder_attention_heads=20, encoder_ffn_dim=5120,
        decoder_layers=32, decoder_attention_heads=20, decoder_ffn_dim=5120,
        num_mel_bins=80, max_source_positions=1500, vocab_size=51865,
    )
    acoustic = WavLMConfig(
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        feat_extract_norm="group", do_stable_layer_norm=False,
    )
    text = LlamaConfig(
        hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
        intermediate_size=11008, vocab_size=32000, rms_norm_eps=1e-6, rope_theta=10000.0,
        max_position_embeddings=2048, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        tie_word_embeddings=False,
    )
    return WavLLMConfig(semantic_config=semantic, acoustic_config=acoustic, text_config=text)


def _tiny_random() -> WavLLMConfig:
    """About two million random parameters with every part of the real model, for tests and development."""
    semantic = WhisperConfig(
        d_model=64, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=256,
        decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=64,
        num_mel_bins=80, max_source_positions=1500, max_target_positions=32,
    )
    acoustic = WavLMConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256,
        conv_dim=(64,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
        num_buckets=32, max_bucket_distance=100, feat_extract_norm="group", do_stable_layer_norm=False,
    )
    text = LlamaConfig(
        hidden_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=384, vocab_size=1024, rms_norm_eps=1e-6, rope_theta=10000.0,
        max_position_embeddings=2048, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        tie_word_embeddings=False,
    )
    return WavLLMConfig(
        semantic_config=semantic, acoustic_config=acoustic, text_config=text,
        semantic_subsampler_channels=(128, 128), acoustic_subsampler_channels=(64, 128),
        adapter_bottleneck=32, projector_dim=64, lora_rank=8, lora_dropout=0.1,
        prompt_adapter_dim=64, max_instruction_tokens=400,
    )


AutoConfig.register(WavLLMConfig.model_type, WavLLMConfig)

PRESETS = {"wavllm-7b": _wavllm_7b, "tiny-random": _tiny_random}


def preset_config(name: str) -> WavLLMConfig:
    """Return a fresh config for a named preset."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}") from None
