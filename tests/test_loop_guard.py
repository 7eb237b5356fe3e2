"""A reply that falls into a loop is stopped there and its repeats are cut off; speech that
repeats a word or two, or a phrase fewer than four times, is left as it is."""

from __future__ import annotations

import pytest
import torch

from conftest import speechlike
from wavllm_core.cli import main
from wavllm_core.evaluation.runner import EvalSettings, _new_tokens_text
from wavllm_core.generation import DecodingSettings, answer
from wavllm_core.loop_guard import MIN_SPAN, LoopStop, cut_loop, loop_length

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PREFIX = [7, 8, 9]
SPAN = [21, 22, 23, 24, 25]  # "the locks are cut and"


def test_four_copies_of_a_span_are_cut_to_the_first():
    kept, looped = cut_loop(PREFIX + SPAN * 4)
    assert looped and kept == PREFIX + SPAN


def test_the_loop_is_found_whatever_copy_it_stopped_in():
    tokens = PREFIX + SPAN * 4 + SPAN[:2]
    assert loop_length(tokens) == len(tokens) - 3 * len(SPAN)


@pytest.mark.parametrize(
    "tokens",
    [
        PREFIX + SPAN * 3,  # three copies: a phrase said three times
        PREFIX + [5] * 4,  # "no, no, no, no": too short a span
        PREFIX + [5] * (MIN_SPAN - 1),
        PREFIX + [5, 6] * 5,
        [],
    ],
    ids=["three-copies", "a-word-four-times", "one-token-under-the-span", "two-tokens-five-times", "empty"],
)
def test_short_or_few_repeats_are_not_a_loop(tokens):
    assert loop_length(tokens) is None and cut_loop(tokens) == (tokens, False)


def test_one_token_loops_once_it_fills_the_span():
    assert cut_loop(PREFIX + [5] * MIN_SPAN) == (PREFIX + [5], True)


def test_the_stopping_criterion_stops_only_the_looping_rows_and_ignores_the_prompt():
    batch = torch.tensor([PREFIX + SPAN * 4, PREFIX + list(range(30, 50))])
    assert LoopStop()(batch, None).tolist() == [True, False]
    prompt = torch.tensor([SPAN * 4 + [1, 2, 3]])
    assert LoopStop(prompt_length=len(SPAN) * 4)(prompt, None).tolist() == [False]
    assert LoopStop()(prompt, None).tolist() == [False]  # the loop is not at the end


def test_eval_replies_are_cut_at_their_end_or_padding_and_marked(loaded_tiny):
    tokenizer = loaded_tiny.processor.tokenizer
    end, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    ids = torch.tensor([PREFIX + SPAN * 4 + [pad] * 6, PREFIX + SPAN + [end] + SPAN * 4])
    (first, first_cut), (second, second_cut) = _new_tokens_text(loaded_tiny, ids, cut_loops=True)
    assert first_cut and first == loaded_tiny.processor.decode(PREFIX + SPAN).strip()
    assert not second_cut and second == first  # what follows the end is not the reply
    (raw, raw_cut), _ = _new_tokens_text(loaded_tiny, ids, cut_loops=False)
    assert not raw_cut and raw == loaded_tiny.processor.decode(PREFIX + SPAN * 4).strip()


def test_a_looping_answer_stops_early_and_keeps_the_text_before_the_repeats(loaded_tiny):
    clip = speechlike(2.0)  # tiny-random falls into a loop here when decoding greedily
    raw = answer(loaded_tiny, clip, "Transcribe.", DecodingSettings(max_new_tokens=60, greedy=True, stop_loops=False))
    cut = answer(loaded_tiny, clip, "Transcribe.", DecodingSettings(max_new_tokens=60, greedy=True))
    assert not raw.loop_cut and raw.new_tokens == 60
    assert cut.loop_cut and cut.stats()["loop_cut"] is True and cut.new_tokens < raw.new_tokens
    assert cut.text and raw.text.startswith(cut.text) and len(cut.text) < len(raw.text)


def test_ask_says_when_it_cut_a_loop_and_keep_loops_lets_it_run(capsys, tmp_path):
    import soundfile as sf

    path = tmp_path / "loop.wav"
    sf.write(path, speechlike(2.0).samples, 16_000, subtype="PCM_16")
    common = ["ask", "--model", "tiny-random", "--audio", str(path), "--prompt", "Transcribe.", "--greedy",
              "--max-new-tokens", "60", "--device", "cpu"]
    assert main(common) == 0
    assert "began repeating itself" in capsys.readouterr().err
    assert main([*common, "--keep-loops"]) == 0
    assert "repeating" not in capsys.readouterr().err


def test_eval_settings_hand_the_loop_stop_to_decoding():
    assert EvalSettings().decoding().stop_loops and not EvalSettings(stop_loops=False).decoding().stop_loops
