"""Multiple choice by likelihood: every option's reply scored under the model, the likeliest chosen."""

from __future__ import annotations

import pytest
import torch

from wavllm_core.option_scoring import OptionScores, option_replies, score_options
from wavllm_core.training.loss import response_loss

PROMPT = "When will the speakers meet? A. At 6:15; B. At 6:30; C. At 7:00."
OPTIONS = {"A": "At 6:15.", "B": "At 6:30.", "C": "At 7:00."}


def test_each_option_is_scored_in_the_reply_form_training_taught():
    assert option_replies(OPTIONS) == {"A": "At 6:15 (A)", "B": "At 6:30 (B)", "C": "At 7:00 (C)"}


def test_the_likeliest_option_is_the_answer_and_its_reply_the_text_shown():
    scores = OptionScores(option_replies(OPTIONS), {"A": -2.0, "B": -0.5, "C": -1.0})
    assert (scores.best, scores.reply) == ("B", "At 6:30 (B)")


UNEVEN = {"A": "Yes.", "B": "At half past six, after the film at the cinema.", "C": "By the old bridge."}


@pytest.mark.parametrize("options", [OPTIONS, UNEVEN], ids=["even replies", "replies of very different lengths"])
def test_each_score_is_minus_the_training_loss_of_that_reply_alone(loaded_tiny, clip, options):
    scores = score_options(loaded_tiny, clip, PROMPT, options)
    for letter, reply in option_replies(options).items():
        with torch.no_grad():
            loss = response_loss(loaded_tiny.model, loaded_tiny.processor(clip, PROMPT, response=reply))
        assert scores.scores[letter] == pytest.approx(-float(loss), abs=1e-4)


def test_the_llm_reads_the_shared_prompt_once_and_then_only_the_replies(loaded_tiny, clip):
    positions = []  # (rows, tokens) of each call into the LLM's decoder with audio and text (r's call has text only)

    def record(_module, _args, kwargs, _output):
        if kwargs.get("inputs_embeds") is not None:
            positions.append(tuple(kwargs["inputs_embeds"].shape[:2]))

    hook = loaded_tiny.model.language_model.model.register_forward_hook(record, with_kwargs=True)
    try:
        score_options(loaded_tiny, clip, PROMPT, OPTIONS)
    finally:
        hook.remove()
    full = loaded_tiny.processor([clip] * 3, [PROMPT] * 3, response=list(option_replies(OPTIONS).values()))
    reply_start = int((full["labels"][0] != -100).int().argmax())
    assert positions == [(1, reply_start), (3, full["input_ids"].shape[1] - 1 - reply_start)]


def test_the_audio_decides_the_scores(loaded_tiny, clip):
    heard = score_options(loaded_tiny, clip, PROMPT, OPTIONS).scores
    silent = score_options(loaded_tiny, clip.__class__(clip.samples * 0, clip.source_rate, 1), PROMPT, OPTIONS).scores
    assert heard != silent


def test_a_question_with_fewer_than_two_options_is_refused(loaded_tiny, clip):
    with pytest.raises(ValueError, match="at least two options"):
        score_options(loaded_tiny, clip, PROMPT, {"A": "At 6:15"})


def test_the_encoders_hear_the_clip_once_for_all_the_options(loaded_tiny, clip):
    clips = []  # how many clips each encoder call took
    model = loaded_tiny.model
    hooks = [model.semantic_encoder.register_forward_hook(lambda _m, args, _o: clips.append(("semantic", len(args[2])))),
             model.acoustic_encoder.register_forward_hook(lambda _m, args, _o: clips.append(("acoustic", len(args[0]))))]
    try:
        score_options(loaded_tiny, clip, "Which one? A. x; B. y; C. z.", {"A": "x", "B": "y", "C": "z"})
    finally:
        for hook in hooks:
            hook.remove()
    assert sorted(clips) == [("acoustic", 1), ("semantic", 1)]
