"""WavLLMForConditionalGeneration: audio → encoders → bridges → fusion → prompt → LLM → text.

Audio embeddings are merged into `inputs_embeds` at the positions the processor marked, in one
place (`embed_inputs`), as transformers' own audio LLMs do. Generation is the LLM's own `generate`
(KV cache, streamers, sampling) run with the prompt-aware scale fixed for the whole request.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import NamedTuple

import torch
from torch import nn
from transformers import AutoModelForCausalLM, GenerationConfig, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import CausalLMOutputWithPast

from .adapters import Fusion, SpeechBridge, subsampled_length
from .config import WavLLMConfig
from .encoders import AcousticEncoder, SemanticEncoder
from .prompt_lora import (
    LoRAScale,
    PromptAdapter,
    PromptAwareLoRALinear,
    inject_prompt_aware_lora,
    rotary_channel_permutation,
)

# What the processor gives the frozen encoders, in encode_audio's order.
AUDIO_INPUTS = ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")
# The audio frames the LLM reads ("fused"), and what each stream adds to them (Fusion.parts).
FRAME_PARTS = ("fused", "semantic", "acoustic")
# Everything outside the LLM's own linears stays in 16/32-bit under 4-bit quantization.
FULL_PRECISION_MODULES = (
    "semantic_encoder",
    "acoustic_encoder",
    "semantic_bridge",
    "acoustic_bridge",
    "fusion",
    "prompt_adapter",
    "language_model.lm_head",
)


class EncoderOutputs(NamedTuple):
    """Frozen-encoder outputs per clip: semantic (frames, dim); acoustic (layers + 1, frames, dim),
    every hidden state, since the layer mix is trained."""

    semantic: list[torch.Tensor]
    acoustic: list[torch.Tensor]


def published_generation_config(config: WavLLMConfig) -> GenerationConfig:
    """The released decoding: multinomial sampling, temperature 0.5, no top-k/top-p, 512 tokens."""
    text = config.text_config
    return GenerationConfig(
        do_sample=True,
        temperature=0.5,
        top_k=0,
        top_p=1.0,
        max_new_tokens=512,
        bos_token_id=text.bos_token_id,
        eos_token_id=text.eos_token_id,
        pad_token_id=text.pad_token_id,
    )


class WavLLMPreTrainedModel(PreTrainedModel):
    config_class = WavLLMConfig
    config: WavLLMConfig
    base_model_prefix = "wavllm"
    main_input_name = "input_ids"
    input_modalities = ("audio", "text")
    supports_gradient_checkpointing = True
    _no_split_modules = ["LlamaDecoderLayer", "WhisperEncoderLayer", "WavLMEncoderLayer"]
    _supports_sdpa = True

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, PromptAwareLoRALinear):
            init.kaiming_uniform_(module.lora_A.T, a=5**0.5)
            init.zeros_(module.lora_B)
        elif isinstance(module, AcousticEncoder):
            init.ones_(module.layer_weights)
        else:
            super()._init_weights(module)


class WavLLMForConditionalGeneration(WavLLMPreTrainedModel):
    def __init__(self, config: WavLLMConfig):
        super().__init__(config)
        self.semantic_encoder = SemanticEncoder(config.semantic_config)
        self.acoustic_encoder = AcousticEncoder(config.acoustic_config)
        self.semantic_bridge = SpeechBridge(
            self.semantic_encoder.dim, config.semantic_subsampler_channels, config.adapter_bottleneck, config.projector_dim
        )
        self.acoustic_bridge = SpeechBridge(
            self.acoustic_encoder.dim, config.acoustic_subsampler_channels, config.adapter_bottleneck, config.projector_dim
        )
        hidden = config.text_config.hidden_size
        self.fusion = Fusion(config.projector_dim, hidden)
        self.language_model = AutoModelForCausalLM.from_config(config.text_config)
        self.lora_scale = LoRAScale()
        inject_prompt_aware_lora(
            self.language_model.model, config.lora_targets, config.lora_rank, config.lora_dropout, self.lora_scale,
            self._rotary_scale_index(config) if config.lora_scale_rotary_permuted else None,
        )
        self.prompt_adapter = PromptAdapter(hidden, config.prompt_adapter_dim, config.prompt_scale_max)
        self.generation_config = published_generation_config(config)
        for encoder in (self.semantic_encoder, self.acoustic_encoder.model):
            encoder.requires_grad_(False)
        self.post_init()

    @staticmethod
    def _rotary_scale_index(config: WavLLMConfig) -> dict[str, torch.Tensor]:
        text = config.text_config
        head_dim = text.hidden_size // text.num_attention_heads
        return {
            "q_proj": rotary_channel_permutation(text.num_attention_heads, head_dim),
            "k_proj": rotary_channel_permutation(text.num_key_value_heads, head_dim),
        }

    @classmethod
    def from_pretrained(cls, *args, quantization_config=None, **kwargs):
        """As PreTrainedModel's; a bitsandbytes config quantizes the LLM's own linears only."""
        if quantization_config is not None and getattr(quantization_config, "llm_int8_skip_modules", 0) is None:
            quantization_config.llm_int8_skip_modules = list(FULL_PRECISION_MODULES)
        if quantization_config is not None:
            kwargs["quantization_config"] = quantization_config
        model = super().from_pretrained(*args, **kwargs)
        model._rebuild_scale_index()
        return model

    def _rebuild_scale_index(self) -> None:
        """`from_pretrained` leaves non-persistent buffers uninitialised (the LLM's own init runs on the
        LoRA layers, not ours), so the rotary index r is read through is recomputed here."""
        if not self.config.lora_scale_rotary_permuted:
            return
        index = self._rotary_scale_index(self.config)
        for name, module in self.language_model.named_modules():
            if isinstance(module, PromptAwareLoRALinear) and module.scale_index is not None:
                module.scale_index = index[name.rsplit(".", 1)[-1]].to(module.lora_A.device)

    def get_input_embeddings(self) -> nn.Module:
        return self.language_model.get_input_embeddings()

    def get_output_embeddings(self) -> nn.Module:
        return self.language_model.get_output_embeddings()

    def encode_audio(
        self,
        input_features: torch.Tensor,
        piece_frames: torch.Tensor,
        pieces_per_clip: torch.Tensor,
        input_values: torch.Tensor,
        acoustic_attention_mask: torch.Tensor,
    ) -> EncoderOutputs:
        """The frozen encoders' frames per clip; cacheable, since nothing trained comes before them."""
        with torch.no_grad():
            semantic = self.semantic_encoder(input_features, piece_frames, pieces_per_clip)
            acoustic = self.acoustic_encoder(input_values, acoustic_attention_mask)
        return EncoderOutputs(semantic, acoustic)

    def encode_batch(self, batch: Mapping[str, torch.Tensor]) -> EncoderOutputs:
        """encode_audio over a processor batch (any extra keys, e.g. the prompt's, are ignored)."""
        return self.encode_audio(*(batch[name] for name in AUDIO_INPUTS))

    def bridge_audio(self, encoded: EncoderOutputs) -> tuple[torch.Tensor, torch.Tensor]:
        """Fused audio frames at 12.5 Hz: (clips, frames, hidden) and each clip's frame count."""
        semantic, acoustic, lengths = self._bridges(encoded)
        return self.fusion(semantic, acoustic), lengths

    def bridge_parts(self, encoded: EncoderOutputs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """bridge_audio's frames split into what each stream adds (Fusion.parts): semantic part,
        acoustic part, each clip's frame count. Their sum is bridge_audio's frames."""
        semantic, acoustic, lengths = self._bridges(encoded)
        return (*self.fusion.parts(semantic, acoustic), lengths)

    def bridge_frames(self, encoded: EncoderOutputs, part: str = "fused") -> tuple[torch.Tensor, torch.Tensor]:
        """The fused frames (`part` "fused") or what one stream adds to them ("semantic",
        "acoustic"; see bridge_parts), and each clip's frame count: what training losses score."""
        if part == "fused":
            return self.bridge_audio(encoded)
        if part not in FRAME_PARTS:
            raise ValueError(f"frame part must be one of {', '.join(FRAME_PARTS)}, got {part!r}")
        semantic, acoustic, lengths = self.bridge_parts(encoded)
        return (semantic if part == "semantic" else acoustic), lengths

    def _bridges(self, encoded: EncoderOutputs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Both bridges' outputs and each clip's frame count (the shorter stream's)."""
        semantic_out, semantic_len = self._bridge(self.semantic_bridge, encoded.semantic)
        acoustic_out, acoustic_len = self._bridge(self.acoustic_bridge, self.acoustic_encoder.mix(encoded.acoustic))
        return semantic_out, acoustic_out, torch.minimum(semantic_len, acoustic_len)

    def get_audio_features(self, *audio_inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """encode_audio then bridge_audio."""
        return self.bridge_audio(self.encode_audio(*audio_inputs))

    @staticmethod
    def _bridge(bridge: SpeechBridge, clips: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = torch.tensor([clip.shape[0] for clip in clips], device=clips[0].device)
        padded = nn.utils.rnn.pad_sequence(clips, batch_first=True).to(bridge.projector.weight.dtype)
        return bridge(padded, lengths), subsampled_length(lengths)

    def embed_inputs(
        self,
        input_ids: torch.Tensor,
        audio_mask: torch.Tensor,
        input_features: torch.Tensor | None = None,
        piece_frames: torch.Tensor | None = None,
        pieces_per_clip: torch.Tensor | None = None,
        input_values: torch.Tensor | None = None,
        acoustic_attention_mask: torch.Tensor | None = None,
        encoder_outputs: EncoderOutputs | None = None,
    ) -> torch.Tensor:
        """Token embeddings with the fused audio frames written into the audio positions.

        `encoder_outputs` (from `encode_audio`, e.g. a training cache) replaces the audio inputs.
        """
        embeds = self.get_input_embeddings()(input_ids)
        if encoder_outputs is None:
            encoder_outputs = self.encode_audio(
                input_features, piece_frames, pieces_per_clip, input_values, acoustic_attention_mask
            )
        audio, lengths = self.bridge_audio(encoder_outputs)
        frames = torch.cat([audio[i, :n] for i, n in enumerate(lengths.tolist())], dim=0)
        slots = int(audio_mask.sum())
        if slots != frames.shape[0]:
            raise ValueError(f"the prompt has {slots} audio positions but the audio gave {frames.shape[0]} frames")
        return embeds.masked_scatter(audio_mask.unsqueeze(-1), frames.to(embeds.dtype))

    def compute_prompt_scale(
        self, scale_input_ids: torch.Tensor, scale_attention_mask: torch.Tensor
    ) -> torch.Tensor | None:
        """r from the quoted instruction through the LLM with LoRA off; None in constant-scale mode."""
        if self.config.lora_scale_mode == "constant":
            return None
        captured: dict[str, torch.Tensor] = {}

        def keep_last_layer_output(_module, _args, output):
            captured["hidden"] = output[0] if isinstance(output, tuple) else output

        hook = self.language_model.model.layers[-1].register_forward_hook(keep_last_layer_output)
        try:
            with torch.no_grad(), self.lora_scale.disabled():
                self.language_model.model(
                    input_ids=scale_input_ids, attention_mask=scale_attention_mask, use_cache=False
                )
        finally:
            hook.remove()
        return self.prompt_adapter(captured["hidden"], scale_attention_mask)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        audio_mask: torch.Tensor | None = None,
        input_features: torch.Tensor | None = None,
        piece_frames: torch.Tensor | None = None,
        pieces_per_clip: torch.Tensor | None = None,
        input_values: torch.Tensor | None = None,
        acoustic_attention_mask: torch.Tensor | None = None,
        scale_input_ids: torch.Tensor | None = None,
        scale_attention_mask: torch.Tensor | None = None,
        lora_scale: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        encoder_outputs: EncoderOutputs | None = None,
        **kwargs,
    ) -> CausalLMOutputWithPast:
        """Logits for the whole prompt; with `labels` (-100 outside the response) the training loss."""
        if inputs_embeds is None:
            inputs_embeds = self.embed_inputs(
                input_ids, audio_mask, input_features, piece_frames, pieces_per_clip, input_values,
                acoustic_attention_mask, encoder_outputs,
            )
        if lora_scale is None and scale_input_ids is not None:
            lora_scale = self.compute_prompt_scale(scale_input_ids, scale_attention_mask)
        with self.lora_scale.using(lora_scale):
            return self.language_model(
                inputs_embeds=inputs_embeds, attention_mask=attention_mask, labels=labels, **kwargs
            )

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        audio_mask: torch.Tensor,
        input_features: torch.Tensor,
        piece_frames: torch.Tensor,
        pieces_per_clip: torch.Tensor,
        input_values: torch.Tensor,
        acoustic_attention_mask: torch.Tensor,
        scale_input_ids: torch.Tensor | None = None,
        scale_attention_mask: torch.Tensor | None = None,
        lora_scale: torch.Tensor | None = None,
        generation_config: GenerationConfig | None = None,
        encoder_outputs: EncoderOutputs | None = None,
        **kwargs,
    ) -> torch.Tensor:
        """New token ids only. r is computed once here (or passed in) and held for every step.

        Decoding settings given as keyword arguments override `generation_config` (by default the
        published one); the rest (streamer, stopping criteria, logits processors, ...) go to the
        LLM's `generate`. `encoder_outputs` (from `encode_audio` on these audio inputs) spares the
        encoders a second pass when the caller needed their frames too.
        """
        settings = copy.deepcopy(generation_config or self.generation_config)
        kwargs = settings.update(**kwargs)
        inputs_embeds = self.embed_inputs(
            input_ids, audio_mask, input_features, piece_frames, pieces_per_clip, input_values,
            acoustic_attention_mask, encoder_outputs,
        )
        if lora_scale is None and scale_input_ids is not None:
            lora_scale = self.compute_prompt_scale(scale_input_ids, scale_attention_mask)
        with self.lora_scale.using(lora_scale):
            return self.language_model.generate(
                inputs_embeds=inputs_embeds,
                attention_mask=attention_mask,
                generation_config=settings,
                **kwargs,
            )
