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
from .processing import IGNORE_INDEX
from .synth.tasks import choice_target, strip_stop


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


def score_options(loaded: LoadedModel, clip: AudioClip, prompt: str, options: Mapping[str, str]) -> OptionScores:
    """Score every option's reply to `prompt` about `clip`.

    Every option's row repeats the same prompt (audio and question) before its reply, so the
    frozen encoders, r and the LLM run over that shared prefix once, for the first row; its
    key/value cache is then copied to every row and only the replies' tokens run, one batch.
    """
    if len(options) < 2:
        raise ValueError("a multiple-choice question needs at least two options")
    replies = option_replies(options)
    rows = len(replies)
    batch = loaded.processor([clip] * rows, [prompt] * rows, response=list(replies.values())).to(loaded.device)
    labels, input_ids, attention = batch["labels"], batch["input_ids"], batch["attention_mask"]
    labelled = labels != IGNORE_INDEX
    start = int(labelled.int().argmax(dim=1).min())  # the first reply token: the rows agree before it
    model = loaded.model
    with torch.no_grad():
        encoded = model.encode_audio(*(_first_row_audio(batch)))
        scale = None
        if "scale_input_ids" in batch:
            scale = model.compute_prompt_scale(batch["scale_input_ids"][:1], batch["scale_attention_mask"][:1])
        prefix_embeds = model.embed_inputs(input_ids[:1, :start], batch["audio_mask"][:1, :start], encoder_outputs=encoded)
        with model.lora_scale.using(scale):
            prefix = model.language_model(inputs_embeds=prefix_embeds, attention_mask=attention[:1, :start],
                                          use_cache=True, logits_to_keep=1)
        logits = prefix.logits.expand(rows, -1, -1)  # predicts each row's first reply token
        if input_ids.shape[1] - 1 > start:  # the reply tokens but the last, which predicts nothing
            cache = prefix.cache
            cache.batch_repeat_interleave(rows)
            with model.lora_scale.using(None if scale is None else scale.expand(rows, -1)):
                suffix = model.language_model(
                    inputs_embeds=model.get_input_embeddings()(input_ids[:, start:-1]),
                    attention_mask=attention[:, :-1], cache=cache, use_cache=True,
                )
            logits = torch.cat([logits, suffix.logits], dim=1)
    targets = labels[:, start:]
    picked = logits.float().log_softmax(-1).gather(-1, targets.clamp_min(0)[..., None])[..., 0]
    kept = labelled[:, start:]
    per_reply = (picked * kept).sum(dim=1) / kept.sum(dim=1)
    return OptionScores(replies, {letter: float(score) for letter, score in zip(replies, per_reply)})


def _first_row_audio(batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
    """The encoder inputs of the batch's first row (its Whisper pieces, its waveform): every row
    holds the same clip."""
    pieces = int(batch["pieces_per_clip"][0])
    return (batch["input_features"][:pieces], batch["piece_frames"][:pieces], batch["pieces_per_clip"][:1],
            batch["input_values"][:1], batch["acoustic_attention_mask"][:1])
