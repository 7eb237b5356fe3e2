"""The two frozen speech encoders: Whisper for content (semantic), WavLM or another for the speaker.

Both run in eval mode whatever the parent's mode is: they are frozen, so dropout and SpecAugment
masking must never touch them. Frame-count functions here are pure arithmetic so the processor can
lay out the prompt before any tensor is computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from transformers import AutoModel, PreTrainedConfig, WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

HOP_LENGTH = 160


def whisper_piece_frames(num_samples: int) -> int:
    """Encoder frames for a piece of real audio: what Whisper's attention mask marks as real."""
    return (math.ceil(num_samples / HOP_LENGTH) - 1) // 2 + 1


def semantic_frames(num_samples: int, chunk_samples: int) -> int:
    """Encoder frames for a whole clip cut into consecutive chunk-sized pieces."""
    full, rest = divmod(num_samples, chunk_samples)
    frames = full * whisper_piece_frames(chunk_samples)
    return frames + (whisper_piece_frames(rest) if rest else 0)


def conv_feature_frames(config: PreTrainedConfig, num_samples: int) -> int:
    """Frames after a wav2vec2-style convolutional feature encoder (WavLM, HuBERT, wav2vec2)."""
    length = num_samples
    for kernel, stride in zip(config.conv_kernel, config.conv_stride):
        length = (length - kernel) // stride + 1
    return max(length, 0)


ACOUSTIC_FRAME_COUNTERS: dict[str, Callable[[PreTrainedConfig, int], int]] = {
    "wavlm": conv_feature_frames,
    "hubert": conv_feature_frames,
    "wav2vec2": conv_feature_frames,
}


def register_acoustic_encoder(model_type: str, frame_counter: Callable[[PreTrainedConfig, int], int]) -> None:
    """Let another acoustic encoder kind fill WavLM's slot (its model must return per-layer hidden states)."""
    ACOUSTIC_FRAME_COUNTERS[model_type] = frame_counter


def acoustic_frames(config: PreTrainedConfig, num_samples: int) -> int:
    try:
        counter = ACOUSTIC_FRAME_COUNTERS[config.model_type]
    except KeyError:
        raise ValueError(
            f"acoustic encoder kind {config.model_type!r} is not registered; "
            "call wavllm_core.encoders.register_acoustic_encoder first"
        ) from None
    return counter(config, num_samples)


class FrozenEncoder(nn.Module):
    """Base for encoders that stay in eval mode and never take gradients."""

    def train(self, mode: bool = True) -> FrozenEncoder:
        return super().train(False)


class SemanticEncoder(FrozenEncoder):
    """Whisper encoder over fixed-length pieces, trimmed to real length and joined per clip."""

    def __init__(self, config: WhisperConfig):
        super().__init__()
        self.model = WhisperEncoder(config)

    @property
    def dim(self) -> int:
        return self.model.config.d_model

    def forward(
        self, input_features: torch.Tensor, piece_frames: torch.Tensor, pieces_per_clip: torch.Tensor
    ) -> list[torch.Tensor]:
        """input_features (pieces, mels, frames) → one (frames, dim) tensor per clip."""
        dtype = self.model.conv1.weight.dtype
        hidden = self.model(input_features.to(dtype)).last_hidden_state
        trimmed = [hidden[i, : int(n)] for i, n in enumerate(piece_frames)]
        clips, start = [], 0
        for count in pieces_per_clip.tolist():
            clips.append(torch.cat(trimmed[start : start + count], dim=0))
            start += count
        return clips


class AcousticEncoder(FrozenEncoder):
    """Any hidden-state encoder (WavLM by default), its layers mixed by learned softmax weights."""

    def __init__(self, config: PreTrainedConfig):
        super().__init__()
        self.model = AutoModel.from_config(config)
        self.layer_weights = nn.Parameter(torch.ones(config.num_hidden_layers + 1))

    @property
    def dim(self) -> int:
        return self.model.config.hidden_size

    def forward(self, input_values: torch.Tensor, attention_mask: torch.Tensor) -> list[torch.Tensor]:
        """input_values (clips, samples), raw waveform → one (layers + 1, frames, dim) stack per clip.

        Clips run one at a time at their real length: WavLM base's group norm spans the whole
        input, so zero padding would change a clip's features. The layers are not mixed here: the
        mix is trained, the encoder is not, so its output can be cached before the mix.
        """
        model_dtype = next(self.model.parameters()).dtype
        clips = []
        for waveform, mask in zip(input_values, attention_mask):
            real = waveform[: int(mask.sum())].to(model_dtype)[None, :]
            clips.append(torch.cat(self.model(real, output_hidden_states=True).hidden_states, dim=0))
        return clips

    def mix(self, layer_stacks: list[torch.Tensor]) -> list[torch.Tensor]:
        """Softmax-weighted sum over the layers of each clip's stack: (frames, dim) per clip."""
        weights = torch.softmax(self.layer_weights, dim=0).view(-1, 1, 1)
        return [(weights * stack.to(weights.device, weights.dtype)).sum(dim=0) for stack in layer_stacks]
