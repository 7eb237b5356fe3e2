"""Multiple choice by likelihood: each option's reply scored under the model, the likeliest chosen.

Why: a generated reply can name no option, or drift off the options altogether, and greedy
decoding commits to its first token. Scoring every option's full reply, in the form training
taught ("By train (A)"), reads the model's preference among the valid answers only, as
evaluation harnesses do for language models. The issue's text-only try found the same: scoring the
options reached 45 % untrained where asking for a letter stayed at 30 %. Each reply's score is its
mean log-probability per token, so a long option is not penalised for its length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from .audio import AudioClip
from .hub import LoadedModel
from .modeling import EncoderOutputs
from .synth.tasks import choice_target, strip_stop
from .training.loss import labelled_logits


@dataclass(frozen=True)
class OptionScores:
    """Mean log-probability per token of each option's reply, by letter."""

    replies: Mapping[str, str]
    scores: Mapping[str, float]

    @property
    def best(self) -> str:
        return max(self.scores, key=self.scores.__getitem__)

    @property
    def reply(self) -> str:
        """The chosen option's reply, as the model would have written it."""
        return self.replies[self.best]


def option_replies(options: Mapping[str, str]) -> dict[str, str]:
    """The reply training taught for each option: its text (no final full stop), then its letter
    in brackets."""
    texts = [strip_stop(text) for text in options.values()]
    return {letter: choice_target(texts, i) for i, letter in enumerate(options)}


AUDIO_INPUTS = ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")


def score_options(loaded: LoadedModel, clip: AudioClip, prompt: str, options: Mapping[str, str]) -> OptionScores:
    """Score every option's reply to `prompt` about `clip` in one batch (one LLM forward pass; the
    frozen encoders run once, their frames shared by every option's row)."""
    if len(options) < 2:
        raise ValueError("a multiple-choice question needs at least two options")
    replies = option_replies(options)
    batch = dict(loaded.processor([clip] * len(replies), [prompt] * len(replies), response=list(replies.values()))
                 .to(loaded.device))
    audio = {name: batch.pop(name) for name in AUDIO_INPUTS}
    pieces = int(audio["pieces_per_clip"][0])  # the first row's Whisper pieces; every row holds the same clip
    first = {name: audio[name][:pieces] for name in ("input_features", "piece_frames")}
    first.update({name: audio[name][:1] for name in ("pieces_per_clip", "input_values", "acoustic_attention_mask")})
    with torch.no_grad():
        encoded = loaded.model.encode_audio(**first)
        shared = EncoderOutputs(encoded.semantic * len(replies), encoded.acoustic * len(replies))
        logits, targets, counts = labelled_logits(loaded.model, batch, encoder_outputs=shared)
    picked = logits.log_softmax(-1).gather(-1, targets[:, None])[:, 0]
    per_reply = picked.split(counts.tolist())
    return OptionScores(replies, {letter: float(lp.mean()) for letter, lp in zip(replies, per_reply)})
