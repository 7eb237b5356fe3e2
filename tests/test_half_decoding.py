"""fp16 weight copies for CPU decoding steps: close to fp32 where they serve, fp32 itself elsewhere,
invisible to training and to saving; and an answer's torch work runs in a thread of its own."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

from conftest import speechlike
from wavllm_core.generation import DecodingSettings, answer
from wavllm_core.half_decoding import MAX_HALF_ROWS, HalfDecodingLinear, enable_half_decoding
from wavllm_core.hub import load_model
from wavllm_core.processing import InputTooLongError
from wavllm_core.threads import in_fresh_thread


@pytest.fixture
def pair():
    """An fp32 linear and a HalfDecodingLinear made from a copy of it."""
    torch.manual_seed(0)
    plain = nn.Linear(64, 48)
    holder = nn.Sequential(nn.Linear(64, 48))
    holder[0].load_state_dict(plain.state_dict())
    enable_half_decoding(holder)
    return plain, holder[0]


def test_a_decoding_step_uses_the_fp16_copy_and_stays_close_to_fp32(pair):
    plain, half = pair
    x = torch.randn(1, 1, 64)
    with torch.no_grad():
        expected, got = plain(x), half(x)
    assert got.dtype == torch.float32
    assert not torch.equal(got, expected)  # it did take the fp16 path
    torch.testing.assert_close(got, expected, atol=5e-3, rtol=5e-3)


def test_the_prompt_prefill_keeps_the_fp32_weights_exactly(pair):
    plain, half = pair
    x = torch.randn(1, MAX_HALF_ROWS + 1, 64)
    with torch.no_grad():
        assert torch.equal(half(x), plain(x))


def test_training_never_sees_the_copies(pair):
    plain, half = pair
    x = torch.randn(1, 64)
    out = half(x)
    assert torch.equal(out, plain(x))
    out.sum().backward()
    assert half.weight.grad is not None


def test_weights_changed_in_place_are_copied_again_before_the_next_step(pair):
    plain, half = pair
    with torch.no_grad():
        half.weight.mul_(2.0)
        half.bias.add_(1.0)
        x = torch.randn(1, 64)
        torch.testing.assert_close(half(x), 2 * (x @ plain.weight.T) + plain.bias + 1.0, atol=5e-3, rtol=5e-3)


def test_a_step_that_overflows_fp16_is_redone_in_fp32():
    layer = nn.Sequential(nn.Linear(4, 2, bias=False))
    with torch.no_grad():
        layer[0].weight.fill_(1000.0)
    enable_half_decoding(layer)
    with torch.no_grad():
        out = layer(torch.full((1, 4), 100.0))
    assert torch.isfinite(out).all() and torch.equal(out, torch.full((1, 2), 400_000.0))


def test_the_state_dict_and_the_parameters_are_unchanged():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))
    model[2].weight = model[0].weight  # tied, like an LLM's output embeddings
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    params = [id(p) for p in model.parameters()]
    assert enable_half_decoding(model) == 2
    assert isinstance(model[0], HalfDecodingLinear) and model[2].weight is model[0].weight
    assert [id(p) for p in model.parameters()] == params
    after = model.state_dict()
    assert after.keys() == before.keys() and all(torch.equal(after[k], before[k]) for k in before)


def test_a_cpu_load_has_the_copies_and_says_so(loaded_tiny):
    linears = [m for m in loaded_tiny.model.language_model.modules() if isinstance(m, nn.Linear)]
    assert linears and all(isinstance(m, HalfDecodingLinear) for m in linears)
    assert loaded_tiny.quantization == "float32, fp16 copies for decoding"
    assert not any(isinstance(m, HalfDecodingLinear) for m in loaded_tiny.model.semantic_encoder.modules())


def test_they_can_be_turned_off():
    loaded = load_model("tiny-random", device="cpu", half_decoding=False)
    assert loaded.quantization == "float32"
    assert not any(isinstance(m, HalfDecodingLinear) for m in loaded.model.modules())


def test_an_answers_features_and_prompt_scale_are_computed_in_a_thread_of_their_own(loaded_tiny, clip, monkeypatch):
    seen = []
    processor_type, model = type(loaded_tiny.processor), loaded_tiny.model
    original_call, original_scale = processor_type.__call__, model.compute_prompt_scale

    def recording_call(self, *args, **kwargs):
        seen.append(("features", threading.current_thread()))
        return original_call(self, *args, **kwargs)

    def recording_scale(*args, **kwargs):
        seen.append(("scale", threading.current_thread()))
        return original_scale(*args, **kwargs)

    monkeypatch.setattr(processor_type, "__call__", recording_call)
    monkeypatch.setattr(model, "compute_prompt_scale", recording_scale)
    answer(loaded_tiny, clip, "Transcribe.", DecodingSettings(max_new_tokens=4, greedy=True))
    assert [what for what, _ in seen] == ["features", "scale"]
    assert all(thread is not threading.current_thread() and not thread.is_alive() for _, thread in seen)


def test_in_fresh_thread_returns_the_result_and_raises_the_error():
    thread = in_fresh_thread(threading.current_thread)
    assert thread is not threading.current_thread() and not thread.is_alive()

    def fails():
        raise InputTooLongError("too long")

    with pytest.raises(InputTooLongError, match="too long"):
        in_fresh_thread(fails)


def test_a_request_is_checked_without_computing_features(loaded_tiny, monkeypatch):
    processor = loaded_tiny.processor
    monkeypatch.setattr(type(processor), "_audio_tensors", lambda *_: pytest.fail("features computed"))
    processor.check(speechlike(1.0), "Transcribe.", max_new_tokens=16)
    with pytest.raises(InputTooLongError, match="Cut the recording"):
        processor.check(speechlike(1.0), "Transcribe.", max_new_tokens=10**6)
