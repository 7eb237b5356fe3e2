"""Half-precision copies of the LLM's linear weights, used by decoding steps on the CPU.

Why: a decoding step multiplies one row per sequence by every weight matrix, so on a CPU its time
is the time to read the weights from memory. For wavllm-mini on 2 cores that is ~540 MB of fp32
per token (the 49k-row output layer a fifth of it), ~65 ms. PyTorch's fp16 matrix-vector kernel
reads half the bytes and ran 3.5-4x faster there (accumulating in fp32), while its fp16
matrix-matrix product, on CPUs without native fp16 arithmetic, ran ~5x slower than fp32. So the
copies serve only calls with a few rows (decoding steps, up to `MAX_HALF_ROWS` sequences) and the
prefill of the prompt keeps the fp32 weights; outputs are fp32 either way. A call whose fp16 result
overflows (a value beyond 65504) is redone in fp32. The cost is the copies: half the linears' fp32
size (~270 MB for wavllm-mini); training never sees them (they are buffers that are not saved, and
the fp32 parameters stay the same objects, tied output embeddings included), and weights changed
in place afterwards (trained parts loaded, an optimizer step) are copied again at the next step.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# Decoding steps of up to this many sequences use the fp16 copies; measured on 2 AVX2 cores, fp16
# was still 1.7x faster than fp32 at 4 rows and no faster at 8.
MAX_HALF_ROWS = 4


class HalfDecodingLinear(nn.Linear):
    """An nn.Linear that also holds an fp16 copy of its weight for calls with few rows."""

    half_weight: torch.Tensor
    half_bias: torch.Tensor | None

    @classmethod
    def from_linear(cls, linear: nn.Linear) -> HalfDecodingLinear:
        """The same layer (the same parameter objects) with fp16 copies beside them."""
        layer = cls(linear.in_features, linear.out_features, bias=linear.bias is not None, device="meta")
        layer.weight, layer.bias = linear.weight, linear.bias
        layer.refresh_half_copies()
        return layer

    def _versions(self) -> tuple[int, int | None]:
        # A tensor's version counter goes up at every in-place change (load_state_dict, an optimizer step).
        return self.weight._version, None if self.bias is None else self.bias._version

    def refresh_half_copies(self) -> None:
        self.register_buffer("half_weight", self.weight.detach().half(), persistent=False)
        half_bias = None if self.bias is None else self.bias.detach().half()
        self.register_buffer("half_bias", half_bias, persistent=False)
        self._copied_versions = self._versions()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # With gradients on (training), always the fp32 weights: training keeps full precision.
        few_rows = x.numel() <= MAX_HALF_ROWS * self.in_features
        if torch.is_grad_enabled() or x.dtype != torch.float32 or not few_rows:
            return super().forward(x)
        if self._versions() != self._copied_versions:  # the weights were changed in place since
            self.refresh_half_copies()
        out = F.linear(x.half(), self.half_weight, self.half_bias)
        if not torch.isfinite(out).all():
            return super().forward(x)
        return out.float()


def enable_half_decoding(model: nn.Module) -> int:
    """Put a `HalfDecodingLinear` in place of every fp32 CPU nn.Linear under `model` (state dict
    and parameters unchanged); return how many were replaced."""
    found = [
        (parent, name, child)
        for parent in model.modules()
        for name, child in parent.named_children()
        if type(child) is nn.Linear and child.weight.dtype == torch.float32 and child.weight.device.type == "cpu"
    ]
    for parent, name, child in found:
        setattr(parent, name, HalfDecodingLinear.from_linear(child))
    return len(found)
