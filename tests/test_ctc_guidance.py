"""CTC-guided transcripts: the prefix scorer's probabilities, and the logits processor that uses them."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from wavllm_core.ctc_guidance import CTCGuidance, CTCPrefixScorer

BLANK = 0


def random_log_probs(frames: int, vocabulary: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(frames, vocabulary, generator=torch.Generator().manual_seed(seed)).mul(2).log_softmax(-1)


def collapsed(path: tuple[int, ...]) -> tuple[int, ...]:
    merged = [token for i, token in enumerate(path) if i == 0 or token != path[i - 1]]
    return tuple(token for token in merged if token != BLANK)


def brute_prefix_probability(log_probs: torch.Tensor, prefix: tuple[int, ...]) -> float:
    """Sum over every frame path whose collapsed labels begin with `prefix`."""
    frames, vocabulary = log_probs.shape
    total = 0.0
    for path in itertools.product(range(vocabulary), repeat=frames):
        if collapsed(path)[: len(prefix)] == prefix:
            total += math.exp(sum(float(log_probs[t, k]) for t, k in enumerate(path)))
    return math.log(total)


def state_of(scorer: CTCPrefixScorer, labels: tuple[int, ...]):
    state = scorer.initial()
    for label in labels:
        state = scorer.extend(state, [label])[0]
    return state


@pytest.mark.parametrize("prefix", [(1,), (2, 1), (1, 1), (3, 2, 3)])
def test_prefix_score_is_the_probability_of_every_path_that_begins_with_the_prefix(prefix):
    log_probs = random_log_probs(frames=5, vocabulary=4)
    assert state_of(CTCPrefixScorer(log_probs, BLANK), prefix).score == pytest.approx(
        brute_prefix_probability(log_probs, prefix), abs=1e-6)


@pytest.mark.parametrize("labels", [(1,), (1, 2, 3), (2, 2), (3, 1, 1, 2)])
def test_end_score_is_minus_the_ctc_loss_of_the_whole_sequence(labels):
    log_probs = random_log_probs(frames=12, vocabulary=5, seed=3)
    expected = -F.ctc_loss(log_probs[:, None].double(), torch.tensor([labels]), torch.tensor([12]),
                           torch.tensor([len(labels)]), blank=BLANK, reduction="sum")
    assert state_of(CTCPrefixScorer(log_probs, BLANK), labels).end_score == pytest.approx(float(expected), abs=1e-6)


def test_many_candidates_at_once_score_as_each_alone():
    scorer = CTCPrefixScorer(random_log_probs(frames=20, vocabulary=6, seed=4), BLANK)
    start = state_of(scorer, (2, 4))
    together = scorer.extend(start, [1, 2, 3, 4, 5])
    for label, state in zip([1, 2, 3, 4, 5], together):
        alone = scorer.extend(start, [label])[0]
        assert state.score == pytest.approx(alone.score, abs=1e-12)
        assert torch.allclose(state.ends_label, alone.ends_label)


def test_the_blank_is_not_a_label():
    scorer = CTCPrefixScorer(random_log_probs(frames=4, vocabulary=3), BLANK)
    with pytest.raises(ValueError, match="blank"):
        scorer.extend(scorer.initial(), [BLANK])


class Letters:
    """A tokenizer of single characters: id 0 is the lone space (the CTC blank), 1-26 "a"-"z"
    with a space before, 27-36 the digits, 37 the end of the reply."""

    eos_token_id = 37

    def encode(self, text: str) -> list[int]:
        ids, spaced = [], False
        for char in text:
            if char == " ":
                if spaced:
                    ids.append(0)
                spaced = True
                continue
            if spaced and char.isalpha():
                ids.append(ord(char) - ord("a") + 1)
            elif char.isalpha():
                ids.append(ord(char) - ord("a") + 1)
            else:
                if spaced:
                    ids.append(0)
                ids.append(27 + int(char))
            spaced = False
        if spaced:
            ids.append(0)
        return ids

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        chars = {0: " ", **{i: " " + chr(ord("a") + i - 1) for i in range(1, 27)}, **{27 + d: str(d) for d in range(10)}}
        return "".join(chars.get(int(i), "") for i in ids)


VOCABULARY = 38


def frames_saying(labels: list[int], repeat: int = 2) -> torch.Tensor:
    """CTC log-probs whose best path says `labels`, each for `repeat` frames then a blank."""
    rows = []
    for label in labels:
        rows += [label] * repeat + [BLANK]
    log_probs = torch.full((len(rows), VOCABULARY), -9.0)
    for t, label in enumerate(rows):
        log_probs[t, label] = -0.01
    return log_probs.log_softmax(-1)


def llm_scores(preferred: list[int], vocabulary: int = VOCABULARY) -> torch.Tensor:
    """Logits that rank `preferred` first to last, every other token far below."""
    scores = torch.full((vocabulary,), -20.0)
    for rank, token in enumerate(preferred):
        scores[token] = 5.0 - rank
    return scores


def test_the_frames_overrule_a_close_second_choice_of_the_llm():
    scorer = CTCPrefixScorer(frames_saying([3, 1, 20]), BLANK)  # "cat"
    guidance = CTCGuidance([scorer], Letters(), [37], weight=0.5)
    scores = guidance(torch.zeros((1, 0), dtype=torch.long), llm_scores([2, 3, 37])[None])  # LLM: "b" before "c"
    assert int(scores[0].argmax()) == 3


def test_the_reply_cannot_end_before_the_frames_have_said_everything():
    scorer = CTCPrefixScorer(frames_saying([3, 1, 20]), BLANK)
    guidance = CTCGuidance([scorer], Letters(), [37], weight=0.5)
    chosen = []
    ids = torch.zeros((1, 0), dtype=torch.long)
    for preferred in ([3, 37], [37, 1], [37, 20], [37, 5]):  # the LLM would stop after "c" every time
        token = int(guidance(ids, llm_scores(preferred)[None])[0].argmax())
        chosen.append(token)
        ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
    assert chosen == [3, 1, 20, 37]


def test_only_the_llm_candidates_stay_possible_and_unguided_rows_pass_through():
    scorer = CTCPrefixScorer(frames_saying([3, 1, 20]), BLANK)
    guidance = CTCGuidance([scorer, None], Letters(), [37], weight=0.3, candidates=3)
    raw = torch.stack([llm_scores([2, 3, 37]), llm_scores([5, 6])])
    scores = guidance(torch.zeros((2, 0), dtype=torch.long), raw)
    assert set(torch.isfinite(scores[0]).nonzero().flatten().tolist()) <= {2, 3, 37}
    assert torch.equal(scores[1], raw[1])


def test_a_lone_space_is_worth_the_digit_that_follows_it():
    scorer = CTCPrefixScorer(frames_saying([1, 27 + 6]), BLANK)  # "a 6": the space is the blank
    guidance = CTCGuidance([scorer], Letters(), [37], weight=0.5)
    ids = torch.tensor([[1]])
    guidance(torch.zeros((1, 0), dtype=torch.long), llm_scores([1])[None])
    scores = guidance(ids, llm_scores([37, 0])[None])  # the LLM would rather stop than write " 6"
    assert int(scores[0].argmax()) == 0


def test_the_weight_must_be_a_share():
    with pytest.raises(ValueError, match="weight"):
        CTCGuidance([None], Letters(), [37], weight=0.0)
