"""Prompt-aware LoRA: a LoRA whose update is scaled, per output channel, by a vector r computed from
the instruction (WavLLM's key idea), and the prompt adapter that computes r.

The layer wraps whatever linear it is given (a 4-bit bitsandbytes one included), like peft's LoRA;
peft itself is not used because its update is scaled by one scalar (alpha / rank), while here the
scale is a per-request, per-channel input. Weights keep the published layout: A (in, rank),
B (rank, out), applied as x·A·B, B initialised to zero, no alpha / rank factor.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class LoRAScale:
    """The scale shared by every LoRA layer of one model for the current request.

    `vector` None means a constant scale of 1 (plain LoRA, stage 1); `enabled` False switches the
    LoRA off entirely (the prompt adapter reads the instruction through the base LLM).
    """

    def __init__(self) -> None:
        self.vector: torch.Tensor | None = None
        self.enabled = True

    @contextmanager
    def using(self, vector: torch.Tensor | None) -> Iterator[None]:
        previous, self.vector = self.vector, vector
        try:
            yield
        finally:
            self.vector = previous

    @contextmanager
    def disabled(self) -> Iterator[None]:
        previous, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = previous


class PromptAwareLoRALinear(nn.Module):
    """base(x) + (dropout(x)·A·B) ⊙ r."""

    def __init__(
        self,
        base_layer: nn.Module,
        rank: int,
        dropout: float,
        scale: LoRAScale,
        scale_index: torch.Tensor | None = None,
    ):
        super().__init__()
        self.base_layer = base_layer
        self.in_features = base_layer.in_features
        self.out_features = base_layer.out_features
        self.lora_A = nn.Parameter(torch.empty(self.in_features, rank))
        self.lora_B = nn.Parameter(torch.zeros(rank, self.out_features))
        self.dropout = nn.Dropout(dropout)
        self._scale = scale
        # Which channel of r each output channel takes: identity, unless the weights were converted
        # from Meta's interleaved rotary layout, which permutes q/k output channels (not r's).
        self.register_buffer("scale_index", scale_index, persistent=False)
        self.reset_lora_parameters()

    def reset_lora_parameters(self) -> None:
        """A like a Linear's default init (as peft does), B zero so the model starts as the base LLM."""
        nn.init.kaiming_uniform_(self.lora_A.T, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result = self.base_layer(x)
        if not self._scale.enabled:
            return result
        update = (self.dropout(x.to(self.lora_A.dtype)) @ self.lora_A) @ self.lora_B
        vector = self._scale.vector
        if vector is not None:
            vector = vector[:, self.scale_index] if self.scale_index is not None else vector[:, : self.out_features]
            update = update * vector[:, None, :].to(update.dtype)
        return result + update.to(result.dtype)


def rotary_channel_permutation(num_heads: int, head_dim: int) -> torch.Tensor:
    """Index p with hf[j] = meta[p[j]]: Meta's interleaved rotary pairs → Hugging Face's halves."""
    return torch.arange(num_heads * head_dim).view(num_heads, head_dim // 2, 2).transpose(1, 2).reshape(-1)


def inject_prompt_aware_lora(
    model: nn.Module,
    targets: list[str] | tuple[str, ...],
    rank: int,
    dropout: float,
    scale: LoRAScale,
    scale_index: dict[str, torch.Tensor] | None = None,
) -> int:
    """Wrap every linear whose attribute name is in `targets`; return how many were wrapped.

    `scale_index` maps a target name (e.g. "q_proj") to the channel index its r is read with.
    """
    scale_index = scale_index or {}
    found = [
        (parent, name)
        for parent in model.modules()
        for name, child in parent.named_children()
        if name in targets and hasattr(child, "in_features") and not isinstance(parent, PromptAwareLoRALinear)
    ]
    for parent, name in found:
        layer = PromptAwareLoRALinear(getattr(parent, name), rank, dropout, scale, scale_index.get(name))
        setattr(parent, name, layer)
    return len(found)


class PromptAdapter(nn.Module):
    """r = min(ReLU(Σ_t softmax_t(w·s)_t s_t), max) with s = fc2(GELU(fc1(h))).

    h are the last-layer hidden states (before the final norm) of the quoted instruction run through
    the LLM with LoRA off. For grouped-query LLMs whose k/v are narrower than the hidden size, those
    projections use the first out_features channels of r.
    """

    def __init__(self, hidden_size: int, dim: int, max_scale: float):
        super().__init__()
        self.fc1 = nn.Linear(hidden_size, dim)
        self.fc2 = nn.Linear(dim, hidden_size)
        self.pool = nn.Linear(hidden_size, 1)
        self.max_scale = max_scale

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """hidden (batch, tokens, hidden_size), mask (batch, tokens) → r (batch, hidden_size)."""
        hidden = hidden.to(self.fc1.weight.dtype)
        states = self.fc2(nn.functional.gelu(self.fc1(hidden)))
        logits = self.pool(states).squeeze(-1).masked_fill(attention_mask == 0, float("-inf"))
        weights = torch.softmax(logits, dim=-1).unsqueeze(-1)
        pooled = (weights * states).sum(dim=1)
        return torch.clamp(torch.relu(pooled), max=self.max_scale)
