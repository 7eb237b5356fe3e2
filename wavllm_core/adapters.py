"""The bridge from a speech encoder to the LLM: subsampler → bottleneck adapter → projector, and fusion.

Module names (`subsample.conv_layers.N`, `adapter.down_layer`, ...) follow the released checkpoint so
that conversion is a rename, not a reshuffle.
"""

from __future__ import annotations

import torch
from torch import nn


def subsampled_length(length: int | torch.Tensor, layers: int = 2):
    """Frames left after `layers` Conv1d(kernel 3, stride 2, padding 1): floor((L - 1) / 2 + 1) each."""
    for _ in range(layers):
        length = (length - 1) // 2 + 1
    return length


class Subsampler(nn.Module):
    """Two stride-2 convolutions with GLU: 50 Hz encoder frames → 12.5 Hz."""

    def __init__(self, in_channels: int, channels: tuple[int, int] | list[int]):
        super().__init__()
        first, second = channels
        self.conv_layers = nn.ModuleList(
            [
                nn.Conv1d(in_channels, first, kernel_size=3, stride=2, padding=1),
                nn.Conv1d(first // 2, second, kernel_size=3, stride=2, padding=1),
            ]
        )

    @property
    def out_channels(self) -> int:
        return self.conv_layers[-1].out_channels // 2

    def forward(self, hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(batch, time, channels) → (batch, subsampled time, out_channels).

        Frames past each clip's length are zeroed after every layer, so a clip gives the same
        output alone as inside a padded batch.
        """
        hidden = hidden.transpose(1, 2)
        for conv in self.conv_layers:
            hidden = nn.functional.glu(conv(hidden), dim=1)
            lengths = subsampled_length(lengths, layers=1)
            valid = torch.arange(hidden.shape[-1], device=hidden.device)[None, :] < lengths[:, None]
            hidden = hidden * valid[:, None, :].to(hidden.dtype)
        return hidden.transpose(1, 2)


class BottleneckAdapter(nn.Module):
    """y = LayerNorm(up(GELU(down(x)))) + x."""

    def __init__(self, dim: int, bottleneck: int):
        super().__init__()
        self.down_layer = nn.Linear(dim, bottleneck)
        self.up_layer = nn.Linear(bottleneck, dim)
        self.layer_norm = nn.LayerNorm(dim)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.layer_norm(self.up_layer(nn.functional.gelu(self.down_layer(hidden)))) + hidden


class SpeechBridge(nn.Module):
    """One branch's path from encoder frames to the projector's output."""

    def __init__(self, encoder_dim: int, channels: tuple[int, int] | list[int], bottleneck: int, projector_dim: int):
        super().__init__()
        self.subsample = Subsampler(encoder_dim, channels)
        self.adapter = BottleneckAdapter(self.subsample.out_channels, bottleneck)
        self.projector = nn.Linear(self.subsample.out_channels, projector_dim)

    def forward(self, hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.projector(self.adapter(self.subsample(hidden, lengths)))


class Fusion(nn.Module):
    """Cut both streams to the shorter one, concatenate (semantic first), project to the LLM width."""

    def __init__(self, projector_dim: int, hidden_size: int):
        super().__init__()
        self.proj = nn.Linear(2 * projector_dim, hidden_size)

    def forward(self, semantic: torch.Tensor, acoustic: torch.Tensor) -> torch.Tensor:
        frames = min(semantic.shape[1], acoustic.shape[1])
        return self.proj(torch.cat([semantic[:, :frames], acoustic[:, :frames]], dim=-1))

    def parts(self, semantic: torch.Tensor, acoustic: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The fused frames as the sum of what each stream adds: (semantic part with the bias,
        acoustic part), each (batch, frames, hidden). Training losses that should shape one stream
        alone (the alignment loss on what is said, the voice contrast on who says it) read these."""
        frames = min(semantic.shape[1], acoustic.shape[1])
        width = semantic.shape[-1]
        weight = self.proj.weight
        semantic_part = nn.functional.linear(semantic[:, :frames], weight[:, :width], self.proj.bias)
        return semantic_part, nn.functional.linear(acoustic[:, :frames], weight[:, width:])
