"""The training loss over response tokens, with logits computed for those positions only.

Why: the model's own loss projects every position (audio frames and prompt included) onto the
49k-token vocabulary and soft-maxes it, though only the response's few tokens have labels. On a
2-core CPU that projection was about a fifth of each step. Passing the label mask as
`logits_to_keep` gives the same mean cross-entropy from the kept positions alone.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ..processing import IGNORE_INDEX


def next_tokens(labels: torch.Tensor) -> torch.Tensor:
    """What each position predicts: labels[:, t + 1] at position t (IGNORE_INDEX at the end)."""
    return F.pad(labels[:, 1:], (0, 1), value=IGNORE_INDEX)


def labelled_logits(model, inputs: dict[str, torch.Tensor], **extra) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The float32 logits of the positions whose next token is labelled (one row each, batch row
    by batch row), the tokens they predict, and how many such positions each batch row has;
    `extra` goes to the model's forward (encoder outputs, input embeddings)."""
    following = next_tokens(inputs["labels"])
    keep = following != IGNORE_INDEX
    forward_inputs = {name: value for name, value in inputs.items() if name != "labels"}
    logits = model(**forward_inputs, **extra, logits_to_keep=keep).logits
    return logits.float().reshape(-1, logits.shape[-1]), following[keep], keep.sum(dim=1)


def response_loss(model, inputs: dict[str, torch.Tensor], **extra) -> torch.Tensor:
    """Mean next-token cross-entropy over the labelled tokens of `inputs["labels"]`, equal to the
    model's own loss."""
    logits, targets, _ = labelled_logits(model, inputs, **extra)
    return F.cross_entropy(logits, targets)
