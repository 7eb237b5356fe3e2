"""Generation: published defaults, KV cache, one prompt scale per request, streaming and stopping."""

from __future__ import annotations

import threading

import pytest
import torch

from wavllm_core import generation, prompts
from wavllm_core.generation import Answer, DecodingSettings, answer, request_ctc_weight, stream_answer

GREEDY = DecodingSettings(max_new_tokens=12, greedy=True)


def test_default_decoding_is_the_published_one(fresh_model):
    config = fresh_model.generation_config
    assert config.do_sample is True and config.temperature == 0.5
    assert config.top_k == 0 and config.top_p == 1.0 and config.max_new_tokens == 512


def test_greedy_decoding_with_kv_cache_equals_greedy_decoding_without(trained_model, processor, clip):
    batch = processor(clip, "Transcribe the audio.", max_new_tokens=16)
    cached = trained_model.generate(**batch, do_sample=False, max_new_tokens=16, use_cache=True)
    uncached = trained_model.generate(**batch, do_sample=False, max_new_tokens=16, use_cache=False)
    assert cached.shape[1] > 1
    assert torch.equal(cached, uncached)


def test_prompt_scale_is_computed_once_per_request_not_per_token(loaded_tiny, clip):
    calls = []
    hook = loaded_tiny.model.prompt_adapter.register_forward_hook(lambda *_: calls.append(1))
    try:
        result = answer(loaded_tiny, clip, "Transcribe.", DecodingSettings(max_new_tokens=10, greedy=True))
    finally:
        hook.remove()
    assert result.new_tokens > 1 and len(calls) == 1


def test_streamed_pieces_add_up_to_the_greedy_generate_output(loaded_tiny, clip):
    items = list(stream_answer(loaded_tiny, clip, "Transcribe.", GREEDY))
    pieces, final = items[:-1], items[-1]
    assert isinstance(final, Answer) and all(isinstance(p, str) for p in pieces)
    assert len(pieces) > 1
    batch = loaded_tiny.processor(clip, "Transcribe.", max_new_tokens=12)
    ids = loaded_tiny.model.generate(**batch, do_sample=False, max_new_tokens=12)
    assert final.text == loaded_tiny.processor.decode(ids[0]).strip() == "".join(pieces).strip()


def test_a_seed_makes_sampling_reproducible(loaded_tiny, clip):
    def sample(seed):
        return answer(loaded_tiny, clip, "Describe.", DecodingSettings(max_new_tokens=12, seed=seed)).text

    assert sample(7) == sample(7)
    assert sample(7) != sample(8)


def test_stop_ends_the_stream_early(loaded_tiny, clip):
    stop = threading.Event()
    items = []
    for item in stream_answer(loaded_tiny, clip, "Talk.", DecodingSettings(max_new_tokens=200, greedy=True), stop=stop):
        items.append(item)
        stop.set()
    final = items[-1]
    assert final.stopped and final.new_tokens < 200


def test_answer_reports_every_figure(loaded_tiny, clip):
    result = answer(loaded_tiny, clip, "Transcribe.", GREEDY)
    stats = result.stats()
    assert stats["audio_seconds"] == pytest.approx(3.0)
    assert stats["audio_frames"] == loaded_tiny.processor.audio_frames(clip.num_samples)
    assert stats["new_tokens"] == 12 and stats["prompt_tokens"] > stats["audio_frames"]
    assert 0 < stats["time_to_first_token_s"] <= stats["total_s"]
    assert stats["tokens_per_s"] > 0 and stats["peak_rss_mb"] > 0
    assert result.lora_scale.shape == (loaded_tiny.model.config.text_config.hidden_size,)
    assert "<audio: " in stats["rendered_prompt"]
    assert stats["stopped"] is False


@pytest.mark.parametrize(
    "settings, message",
    [
        (DecodingSettings(max_new_tokens=0), "at least 1"),
        (DecodingSettings(temperature=0.0), "temperature"),
        (DecodingSettings(top_p=1.5), "top-p"),
        (DecodingSettings(ctc_weight=1.5), "CTC weight"),
        (DecodingSettings(ctc_weight=-0.1), "CTC weight"),
    ],
)
def test_bad_decoding_settings_get_a_clear_message(loaded_tiny, clip, settings, message):
    with pytest.raises(ValueError, match=message):
        answer(loaded_tiny, clip, "x", settings)


def test_abandoning_the_stream_stops_decoding(loaded_tiny, clip):
    stop = threading.Event()
    stream = stream_answer(loaded_tiny, clip, "Talk.", DecodingSettings(max_new_tokens=500, greedy=True), stop=stop)
    next(stream)
    stream.close()
    assert stop.is_set()
    assert not any(t.name == "wavllm-generate" and t.is_alive() for t in threading.enumerate())


class _Config:
    def __init__(self, weight):
        self.transcript_ctc_weight = weight


@pytest.mark.parametrize("settings, instruction, model_weight, expected", [
    (DecodingSettings(), prompts.ASR, 0.5, 0.5),  # the transcription preset: the model's own weight
    (DecodingSettings(), "What is the speaker's emotion?", 0.5, None),  # not a transcript: plain decoding
    (DecodingSettings(), prompts.ASR, None, None),  # a model whose frames were not CTC-trained
    (DecodingSettings(ctc_weight=0.0), prompts.ASR, 0.5, None),  # turned off
    (DecodingSettings(ctc_weight=0.3), "Write down every word.", None, 0.3),  # asked for, whatever the instruction
    (DecodingSettings(), "Transcribe this, please.", 0.5, 0.5),  # typed in the user's own words
])
def test_transcription_requests_are_guided_at_the_models_ctc_weight_unless_the_settings_say_otherwise(
        settings, instruction, model_weight, expected):
    assert request_ctc_weight(settings, instruction, _Config(model_weight)) == expected


@pytest.mark.parametrize("instruction", [
    *prompts.TRANSCRIPT_REQUESTS, "Transcribe.", "transcribe this", "Please transcribe the recording!",
    "Can you transcribe this audio into text?", "Give me a transcript, please.", "write down what is said",
    "  Transcribe   the clip.  ",
])
def test_plain_transcript_requests_are_recognised_in_many_wordings(instruction):
    assert prompts.asks_for_transcript(instruction)


@pytest.mark.parametrize("instruction", [
    "Transcribe the audio, then answer the question.", "Transcribe this and translate it into German.",
    "What is the speaker's emotion?", "Is there only one speaker in the audio clip?", "Summarise the recording.",
    "Who transcribed this?", "",
])
def test_requests_for_more_than_a_transcript_are_not_guided(instruction):
    assert not prompts.asks_for_transcript(instruction)


def test_a_guided_answer_decodes_with_the_frames_ctc_scorer_and_says_so(loaded_tiny, clip, monkeypatch):
    used = []

    def spy(model, tokenizer, encoded, guided, weight, config):
        processors = real(model, tokenizer, encoded, guided, weight, config)
        used.append((guided, weight, processors[0]))
        return processors

    real = generation.ctc_guidance
    monkeypatch.setattr(generation, "ctc_guidance", spy)
    monkeypatch.setattr(loaded_tiny.model.config, "transcript_ctc_weight", 0.5, raising=False)
    result = answer(loaded_tiny, clip, prompts.ASR, DecodingSettings(max_new_tokens=6, greedy=True))
    (guided, weight, processor), = used
    assert guided == [True] and weight == 0.5 and processor.start is not None  # it ran in generate
    assert result.ctc_weight == 0.5 and result.stats()["ctc_weight"] == 0.5
    plain = answer(loaded_tiny, clip, "Talk.", DecodingSettings(max_new_tokens=6, greedy=True))
    assert len(used) == 1 and plain.ctc_weight is None
