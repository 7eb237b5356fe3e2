"""A tiny stand-in for the released `final.pt`, and a reference forward written from the published formulas.

The fake has exactly the release's key names (Meta-style LLaMA under `gpt_model.model_llama`, HF
Whisper / WavLM names under `audio_encoder.model` / `wavlm_encoder.model` with torch-2.0 weight-norm
names) at tiny sizes, plus the fairseq extras a real checkpoint carries. The reference never uses
this project's model code or the converter: only transformers' Whisper and WavLM encoders for the
audio front end; the bridges, fusion, prompt adapter and the whole Meta-style LLM are re-written here.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from transformers import WavLMConfig, WavLMModel, WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

LLAMA = "gpt_model.model_llama."


@dataclass(frozen=True)
class FakeSizes:
    whisper_dim: int = 64  # one head of 64, as the converter infers
    whisper_layers: int = 2
    whisper_ffn: int = 128
    whisper_positions: int = 150  # 3 s pieces instead of 30 s: ten times less encoder work in tests
    wavlm_dim: int = 64
    wavlm_layers: int = 2
    wavlm_heads: int = 2
    wavlm_ffn: int = 128
    wavlm_conv_dim: int = 32
    wavlm_positional_kernel: int = 16
    wavlm_positional_groups: int = 4
    wavlm_buckets: int = 32
    semantic_channels: tuple[int, int] = (128, 128)
    acoustic_channels: tuple[int, int] = (64, 128)
    bottleneck: int = 32
    projector: int = 64
    llm_dim: int = 256
    llm_heads: int = 32  # hard-coded in the release: 32 heads of 8 here
    llm_layers: int = 2
    llm_ffn: int = 512
    vocab: int = 384
    rank: int = 4
    prompt_dim: int = 64
    rms_eps: float = 1e-6
    rope_theta: float = 10000.0
    scale_max: float = 3.0


def whisper_config(sizes: FakeSizes) -> WhisperConfig:
    return WhisperConfig(
        d_model=sizes.whisper_dim, encoder_layers=sizes.whisper_layers, encoder_attention_heads=sizes.whisper_dim // 64,
        encoder_ffn_dim=sizes.whisper_ffn, num_mel_bins=80, max_source_positions=sizes.whisper_positions,
    )


def wavlm_config(sizes: FakeSizes) -> WavLMConfig:
    return WavLMConfig(
        hidden_size=sizes.wavlm_dim, num_hidden_layers=sizes.wavlm_layers, num_attention_heads=sizes.wavlm_heads,
        intermediate_size=sizes.wavlm_ffn, conv_dim=(sizes.wavlm_conv_dim,) * 7,
        num_conv_pos_embeddings=sizes.wavlm_positional_kernel, num_conv_pos_embedding_groups=sizes.wavlm_positional_groups,
        num_buckets=sizes.wavlm_buckets, max_bucket_distance=800, feat_extract_norm="group", do_stable_layer_norm=False,
    )


def _randn(generator: torch.Generator, *shape: int, std: float = 1.0) -> torch.Tensor:
    return torch.randn(shape, generator=generator) * std


def _linear(state: dict, name: str, out: int, inp: int, generator: torch.Generator, bias: bool = True) -> None:
    state[f"{name}.weight"] = _randn(generator, out, inp, std=1 / math.sqrt(inp))
    if bias:
        state[f"{name}.bias"] = _randn(generator, out, std=0.02)


def _encoder_weights(module: torch.nn.Module, prefix: str, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """transformers' own names and shapes, perturbed, under the release's prefix and weight-norm names."""
    state = {}
    for name, tensor in module.state_dict().items():
        name = name.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v")
        state[prefix + name] = tensor.detach().clone() + _randn(generator, *tensor.shape, std=0.02)
    return state


def _bridge(state: dict, prefix: str, encoder_dim: int, channels: tuple[int, int], sizes: FakeSizes, generator) -> None:
    first, second = channels
    for i, (inp, out) in enumerate(((encoder_dim, first), (first // 2, second))):
        state[f"{prefix}.subsample.conv_layers.{i}.weight"] = _randn(generator, out, inp, 3, std=1 / math.sqrt(3 * inp))
        state[f"{prefix}.subsample.conv_layers.{i}.bias"] = _randn(generator, out, std=0.02)
    width = second // 2
    _linear(state, f"{prefix}.adapter.down_layer", sizes.bottleneck, width, generator)
    _linear(state, f"{prefix}.adapter.up_layer", width, sizes.bottleneck, generator)
    state[f"{prefix}.adapter.layer_norm.weight"] = 1 + _randn(generator, width, std=0.1)
    state[f"{prefix}.adapter.layer_norm.bias"] = _randn(generator, width, std=0.1)
    _linear(state, f"{prefix}.projector", sizes.projector, width, generator)


def _prompt_adapter(state: dict, sizes: FakeSizes, generator) -> None:
    """fc2's bias pushes a third of r's channels above the clamp, a third below zero, a third between."""
    dim, hidden = sizes.prompt_dim, sizes.llm_dim
    _linear(state, LLAMA + "scale_fc_1", dim, hidden, generator)
    _linear(state, LLAMA + "scale_fc_2", hidden, dim, generator)
    pattern = torch.tensor([8.0, -8.0, 1.5]).repeat(hidden // 3 + 1)[:hidden]
    state[LLAMA + "scale_fc_2.bias"] = pattern + _randn(generator, hidden, std=0.1)
    _linear(state, LLAMA + "scale_weight_attention", 1, hidden, generator)


def _llama(state: dict, sizes: FakeSizes, generator) -> None:
    d, ffn, r = sizes.llm_dim, sizes.llm_ffn, sizes.rank
    state[LLAMA + "tok_embeddings.weight"] = _randn(generator, sizes.vocab, d)
    for i in range(sizes.llm_layers):
        layer = f"{LLAMA}layers.{i}."
        for p in "qkvo":
            state[f"{layer}attention.w{p}.weight"] = _randn(generator, d, d, std=1 / math.sqrt(d))
            state[f"{layer}attention.w{p}_lora_A"] = _randn(generator, d, r, std=1 / math.sqrt(d))
            state[f"{layer}attention.w{p}_lora_B"] = _randn(generator, r, d, std=0.3)
        state[f"{layer}feed_forward.w1.weight"] = _randn(generator, ffn, d, std=1 / math.sqrt(d))
        state[f"{layer}feed_forward.w3.weight"] = _randn(generator, ffn, d, std=1 / math.sqrt(d))
        state[f"{layer}feed_forward.w2.weight"] = _randn(generator, d, ffn, std=1 / math.sqrt(ffn))
        state[f"{layer}attention_norm.weight"] = 1 + _randn(generator, d, std=0.1)
        state[f"{layer}ffn_norm.weight"] = 1 + _randn(generator, d, std=0.1)
    state[LLAMA + "norm.weight"] = 1 + _randn(generator, d, std=0.1)
    state[LLAMA + "output.weight"] = _randn(generator, sizes.vocab, d, std=1 / math.sqrt(d))


def fake_release_state(sizes: FakeSizes = FakeSizes(), seed: int = 0) -> dict[str, torch.Tensor]:
    """Every weight of the release, by its published name, at tiny sizes."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    state = _encoder_weights(WhisperEncoder(whisper_config(sizes)), "audio_encoder.model.", generator)
    _bridge(state, "audio_encoder", sizes.whisper_dim, sizes.semantic_channels, sizes, generator)
    state.update(_encoder_weights(WavLMModel(wavlm_config(sizes)), "wavlm_encoder.model.", generator))
    state["wavlm_encoder.output_weights"] = _randn(generator, sizes.wavlm_layers + 1)
    _bridge(state, "wavlm_encoder", sizes.wavlm_dim, sizes.acoustic_channels, sizes, generator)
    _linear(state, "wavlm_audio_proj", sizes.llm_dim, 2 * sizes.projector, generator)
    _linear(state, "audio_proj", sizes.llm_dim, sizes.projector, generator)
    _llama(state, sizes, generator)
    _prompt_adapter(state, sizes, generator)
    return state


def fairseq_extras() -> dict:
    """What a fairseq checkpoint carries besides the weights: config, optimizer history, metrics."""
    return {
        "args": argparse.Namespace(arch="wavllm", lr=[2e-5], max_tokens=4000),
        "cfg": {"common": {"seed": 1, "fp16": True}, "model": argparse.Namespace(lora_rank=32, llama_path="llama-2-7b-chat")},
        "optimizer_history": [{"criterion_name": "CrossEntropy", "optimizer_name": "Adam", "num_updates": 1200}],
        "last_optimizer_state": {"state": {0: {"exp_avg": torch.zeros(3)}}, "param_groups": [{"lr": 2e-5}]},
        "extra_state": {"epoch": 3, "best_loss": np.float64(1.25), "previous_training_time": 3600.5},
    }


def save_release(path: Path, state: dict[str, torch.Tensor], extras: dict | None = None) -> Path:
    torch.save({"model": state, **(fairseq_extras() if extras is None else extras)}, path)
    return path


# Reference forward ---------------------------------------------------------------------------


def _rms(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def _meta_rotary(x: torch.Tensor, theta: float) -> torch.Tensor:
    """Meta's rotary: channels (2i, 2i+1) of each head are one complex number, rotated by position."""
    tokens, _, head_dim = x.shape
    freqs = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = torch.outer(torch.arange(tokens).float(), freqs)
    rotation = torch.polar(torch.ones_like(angles), angles)[:, None, :]
    pairs = torch.view_as_complex(x.float().reshape(tokens, x.shape[1], head_dim // 2, 2))
    return torch.view_as_real(pairs * rotation).reshape(x.shape)


class ReferenceWavLLM:
    """WavLLM inference from the published description, on the release's own weight names."""

    def __init__(self, state: dict[str, torch.Tensor], sizes: FakeSizes = FakeSizes()):
        self.w, self.sizes = state, sizes
        self.whisper = WhisperEncoder(whisper_config(sizes)).eval()
        self.whisper.load_state_dict(self._prefixed("audio_encoder.model."))
        self.wavlm = WavLMModel(wavlm_config(sizes)).eval()
        wavlm = {
            k.replace("weight_g", "parametrizations.weight.original0").replace("weight_v", "parametrizations.weight.original1"): v
            for k, v in self._prefixed("wavlm_encoder.model.").items()
        }
        self.wavlm.load_state_dict(wavlm)

    def _prefixed(self, prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix):]: v for k, v in self.w.items() if k.startswith(prefix)}

    # audio
    def _bridge(self, prefix: str, frames: torch.Tensor) -> torch.Tensor:
        x = frames.T  # (channels, time)
        for i in (0, 1):
            conv = f"{prefix}.subsample.conv_layers.{i}"
            x = F.glu(F.conv1d(x[None], self.w[f"{conv}.weight"], self.w[f"{conv}.bias"], stride=2, padding=1)[0], dim=0)
        x = x.T
        down = F.linear(x, self.w[f"{prefix}.adapter.down_layer.weight"], self.w[f"{prefix}.adapter.down_layer.bias"])
        up = F.linear(F.gelu(down), self.w[f"{prefix}.adapter.up_layer.weight"], self.w[f"{prefix}.adapter.up_layer.bias"])
        x = F.layer_norm(up, (x.shape[-1],), self.w[f"{prefix}.adapter.layer_norm.weight"], self.w[f"{prefix}.adapter.layer_norm.bias"]) + x
        return F.linear(x, self.w[f"{prefix}.projector.weight"], self.w[f"{prefix}.projector.bias"])

    @torch.no_grad()
    def audio(self, input_features: torch.Tensor, whisper_frames: int, waveform: torch.Tensor) -> torch.Tensor:
        """One clip of at most 30 s → fused frames (frames, llm_dim)."""
        semantic = self.whisper(input_features[:1]).last_hidden_state[0, :whisper_frames]
        hidden = torch.stack(self.wavlm(waveform[None], output_hidden_states=True).hidden_states)[:, 0]
        weights = torch.softmax(self.w["wavlm_encoder.output_weights"], dim=0)
        acoustic = (weights[:, None, None] * hidden).sum(0)
        a, b = self._bridge("audio_encoder", semantic), self._bridge("wavlm_encoder", acoustic)
        frames = min(len(a), len(b))
        return F.linear(torch.cat([a[:frames], b[:frames]], -1), self.w["wavlm_audio_proj.weight"], self.w["wavlm_audio_proj.bias"])

    # LLM
    def _projection(self, layer: str, p: str, x: torch.Tensor, r: torch.Tensor | None) -> torch.Tensor:
        y = x @ self.w[f"{layer}attention.w{p}.weight"].T
        if r is not None:
            y = y + (x @ self.w[f"{layer}attention.w{p}_lora_A"] @ self.w[f"{layer}attention.w{p}_lora_B"]) * r
        return y

    def _layers(self, h: torch.Tensor, r: torch.Tensor | None) -> torch.Tensor:
        """h (tokens, dim) through every decoder layer; r None means LoRA off."""
        s = self.sizes
        heads, head_dim, tokens = s.llm_heads, s.llm_dim // s.llm_heads, h.shape[0]
        causal = torch.full((tokens, tokens), float("-inf")).triu(1)
        for i in range(s.llm_layers):
            layer = f"{LLAMA}layers.{i}."
            x = _rms(h, self.w[layer + "attention_norm.weight"], s.rms_eps)
            q, k, v = (self._projection(layer, p, x, r).view(tokens, heads, head_dim) for p in "qkv")
            q, k = _meta_rotary(q, s.rope_theta), _meta_rotary(k, s.rope_theta)
            scores = torch.einsum("thd,shd->hts", q, k) / math.sqrt(head_dim) + causal
            attended = torch.einsum("hts,shd->thd", torch.softmax(scores, -1), v).reshape(tokens, -1)
            h = h + self._projection(layer, "o", attended, r)
            x = _rms(h, self.w[layer + "ffn_norm.weight"], s.rms_eps)
            gate, up = x @ self.w[layer + "feed_forward.w1.weight"].T, x @ self.w[layer + "feed_forward.w3.weight"].T
            h = h + (F.silu(gate) * up) @ self.w[layer + "feed_forward.w2.weight"].T
        return h

    @torch.no_grad()
    def prompt_scale(self, scale_ids: torch.Tensor) -> torch.Tensor:
        """r from the quoted instruction through the LLM with LoRA off (last layer, before the final norm)."""
        h = self._layers(self.w[LLAMA + "tok_embeddings.weight"][scale_ids], None)
        s = F.linear(F.gelu(F.linear(h, self.w[LLAMA + "scale_fc_1.weight"], self.w[LLAMA + "scale_fc_1.bias"])),
                     self.w[LLAMA + "scale_fc_2.weight"], self.w[LLAMA + "scale_fc_2.bias"])
        attention = torch.softmax(F.linear(s, self.w[LLAMA + "scale_weight_attention.weight"],
                                           self.w[LLAMA + "scale_weight_attention.bias"])[:, 0], dim=0)
        return torch.clamp(torch.relu((attention[:, None] * s).sum(0)), max=self.sizes.scale_max)

    @torch.no_grad()
    def logits(self, input_ids: torch.Tensor, audio_mask: torch.Tensor, audio: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """(tokens,) ids with audio positions marked → (tokens, vocab) logits."""
        h = self.w[LLAMA + "tok_embeddings.weight"][input_ids].clone()
        h[audio_mask] = audio
        h = _rms(self._layers(h, r), self.w[LLAMA + "norm.weight"], self.sizes.rms_eps)
        return h @ self.w[LLAMA + "output.weight"].T
