"""Stopping a reply that has fallen into a loop, and cutting the repeats off.

Why: a small LLM decoding greedily can fall into a cycle ("... and the locks are cut and the
locks are cut and ...") and then writes it until the token budget runs out: seconds of junk on a
CPU and, for a transcript, dozens of inserted words. Speech rarely says the same span of several
words four times in a row, so a reply whose last tokens are at least `MIN_REPEATS` copies of one
span, `MIN_SPAN` tokens or more in all, is stopped there (`LoopStop`, a transformers stopping
criterion), and `cut_loop` keeps the reply up to the end of the span's first copy. Short repeats
("no, no, no, no") are left alone: they are under `MIN_SPAN`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import StoppingCriteria

MIN_REPEATS = 4  # copies of the span in a row
MIN_SPAN = 12  # tokens the copies take in all: a one-token span needs 12 copies, a three-token one 4
MAX_PERIOD = 32  # the longest span looked for, in tokens


def loop_length(tokens: Sequence[int]) -> int | None:
    """How many tokens to keep when `tokens` end in a loop (up to the end of its first copy); None
    when they do not."""
    n = len(tokens)
    for period in range(1, min(MAX_PERIOD, n // MIN_REPEATS) + 1):
        tail = list(tokens[n - period :])
        copies = 1
        while (copies + 1) * period <= n and list(tokens[n - (copies + 1) * period : n - copies * period]) == tail:
            copies += 1
        if copies >= MIN_REPEATS and copies * period >= MIN_SPAN:
            return n - (copies - 1) * period
    return None


def cut_loop(tokens: Sequence[int]) -> tuple[list[int], bool]:
    """The reply's tokens with a trailing loop's repeats removed, and whether there was one."""
    keep = loop_length(tokens)
    return (list(tokens), False) if keep is None else (list(tokens[:keep]), True)


class LoopStop(StoppingCriteria):
    """Stops each row of a batch once its new tokens end in a loop (`loop_length`).

    `prompt_length` is how many of `input_ids`' columns are not new tokens (0 when the LLM
    generates from `inputs_embeds`, as WavLLM's `generate` does)."""

    def __init__(self, prompt_length: int = 0) -> None:
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        # Only the window a loop can span is copied out of the tensor, not the whole reply, each step.
        tails = input_ids[:, self.prompt_length :][:, -MAX_PERIOD * MIN_REPEATS :].tolist()
        looping = [len(row) >= MIN_SPAN and loop_length(row) is not None for row in tails]
        return torch.tensor(looping, dtype=torch.bool, device=input_ids.device)
