"""Transcripts decoded jointly by the LLM and the bridge's CTC read-out (hybrid CTC/attention decoding).

Why: the fused audio frames are trained to read back as the words (the CTC alignment loss), and in
wavllm-mini they do so better than the LLM's own transcript (v2: read-out WER 28 % against the
LLM's 38 %). The two err differently: the LLM writes a likely word for a rare one or drops a
clause, the read-out misspells and merges. Joint decoding (Watanabe et al. 2017, as ESPnet does it)
scores each of the LLM's top candidates for the next token by
`(1 - weight) * log p_llm(token) + weight * (log p_ctc(prefix + token) - log p_ctc(prefix))`, where
p_ctc(prefix) is the CTC prefix probability, the probability that the frames begin with that prefix;
the end of the reply is scored by the frames' whole CTC probability, so the LLM cannot stop before
the frames have said everything. It only fits a reply that is the clip's transcript: callers turn it
on for transcription requests alone.

The labels are the LLM's own tokens, as the alignment loss trains them (`training/alignment.py`):
the blank is the lone-space token, so a reply's lone space (before a digit) is scored by the best
digit that may follow, and the reply's first word, which the LLM writes without a leading space, is
scored as the space-led token the transcripts' targets use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from transformers import GenerationConfig, LogitsProcessor, LogitsProcessorList

from .modeling import EncoderOutputs, WavLLMForConditionalGeneration
from .training.alignment import blank_token_id, token_logits

DEFAULT_CANDIDATES = 10
_NEG_INF = float("-inf")


@dataclass
class PrefixState:
    """CTC forward variables of one label prefix over the clip's frames: the log-probability that
    frames 0..t have emitted the prefix and end in a label (`ends_label`) or in a blank
    (`ends_blank`), and the prefix probability itself (`score`)."""

    labels: tuple[int, ...]
    ends_label: torch.Tensor
    ends_blank: torch.Tensor
    score: float

    @property
    def end_score(self) -> float:
        """log p_ctc of exactly this label sequence over the whole clip."""
        return float(torch.logaddexp(self.ends_label[-1], self.ends_blank[-1]))


class CTCPrefixScorer:
    """Prefix probabilities of label sequences under one clip's CTC log-probs (frames, vocabulary).

    The recursions over frames are written as cumulative sums (`logcumsumexp`), so extending a
    prefix by many candidate labels at once is a handful of tensor operations, not a loop over frames.
    """

    def __init__(self, log_probs: torch.Tensor, blank: int):
        if log_probs.ndim != 2 or log_probs.shape[0] < 1:
            raise ValueError("CTC log-probs must be (frames ≥ 1, vocabulary)")
        # On the CPU whatever the model's device (a few small tensors per step); the recursions below
        # run in float64 on the columns they need.
        self.log_probs = log_probs.detach().float().cpu()
        self.blank = blank
        self._blank_cumsum = self.log_probs[:, blank].double().cumsum(0)

    def initial(self) -> PrefixState:
        frames = self.log_probs.shape[0]
        return PrefixState((), torch.full((frames,), _NEG_INF, dtype=torch.double), self._blank_cumsum, 0.0)

    def extend(self, state: PrefixState, labels: list[int]) -> list[PrefixState]:
        """The states of `state`'s prefix followed by each of `labels` (none of them the blank)."""
        if not labels:
            return []
        if self.blank in labels:
            raise ValueError("the blank is not a label")
        label_lp = self.log_probs[:, labels].T.double()  # (candidates, frames)
        # phi[t]: paths through frame t that may go on with the new label at frame t + 1 (a repeat of the
        # prefix's last label must pass through a blank first).
        either = torch.logaddexp(state.ends_label, state.ends_blank)
        repeat = torch.tensor([bool(state.labels) and label == state.labels[-1] for label in labels])
        phi = torch.where(repeat[:, None], state.ends_blank[None, :], either[None, :])
        first = label_lp[:, 0] if not state.labels else torch.full((len(labels),), _NEG_INF, dtype=torch.double)
        # ends_label[t] = label_lp[t] + logaddexp(ends_label[t-1], phi[t-1])
        cumulative = label_lp.cumsum(1)
        entries = torch.cat([(first - cumulative[:, 0])[:, None], phi[:, :-1] - cumulative[:, :-1]], dim=1)
        ends_label = torch.logcumsumexp(entries, dim=1) + cumulative
        # ends_blank[t] = blank_lp[t] + logaddexp(ends_blank[t-1], ends_label[t-1]), ends_blank[0] = -inf
        blank_cum = self._blank_cumsum[None, :]
        moves = torch.cat([torch.full((len(labels), 1), _NEG_INF, dtype=torch.double),
                           ends_label[:, :-1] - blank_cum[:, :-1]], dim=1)
        ends_blank = torch.logcumsumexp(moves, dim=1) + blank_cum
        # the prefix probability: the new label first emitted at some frame t
        starts = torch.cat([first[:, None], phi[:, :-1] + label_lp[:, 1:]], dim=1)
        scores = torch.logsumexp(starts, dim=1)
        return [PrefixState((*state.labels, label), ends_label[i], ends_blank[i], float(scores[i]))
                for i, label in enumerate(labels)]


class CTCGuidance(LogitsProcessor):
    """A logits processor for `generate`: the LLM's top candidates rescored by the CTC prefix
    probability of each guided row's clip, every other token ruled out. Rows without a scorer
    (not transcription requests) pass through unchanged."""

    def __init__(self, scorers: list[CTCPrefixScorer | None], tokenizer, eos_token_ids: list[int], weight: float,
                 candidates: int = DEFAULT_CANDIDATES):
        if not 0 < weight <= 1:
            raise ValueError(f"the CTC weight must be above 0 and at most 1, got {weight:g}")
        self.scorers, self.weight, self.candidates = scorers, weight, candidates
        self.tokenizer, self.eos = tokenizer, set(eos_token_ids)
        self.blank = blank_token_id(tokenizer)
        spelled = ([i for i in tokenizer.encode(d) if i != self.blank] for d in "0123456789")
        self.digits = [ids[0] for ids in spelled if len(ids) == 1]
        self.states = [scorer.initial() if scorer else None for scorer in scorers]
        self.pending: list[dict[int, PrefixState]] = [{} for _ in scorers]
        self.start: int | None = None
        self.done: set[int] = set()
        self._first_labels: dict[int, tuple[int, ...]] = {}

    def first_labels(self, token: int) -> tuple[int, ...]:
        """The labels of a reply's first token: its word as the transcripts' targets spell it, with a space before."""
        if token not in self._first_labels:
            text = self.tokenizer.decode([token])
            ids = self.tokenizer.encode(" " + text.lstrip())
            self._first_labels[token] = tuple(i for i in ids if i != self.blank)
        return self._first_labels[token]

    def _labels(self, state: PrefixState, token: int) -> tuple[int, ...]:
        if token == self.blank:
            return ()
        return self.first_labels(token) if not state.labels else (token,)

    def _advance(self, row: int, token: int) -> None:
        state = self.states[row]
        if token in self.eos:
            self.done.add(row)
        if token in self.eos or token == self.blank:
            return
        chosen = self.pending[row].get(token)
        if chosen is None:  # not one of the candidates (another processor's choice): score it now
            chosen = self._extend(row, state, self._labels(state, token))
        self.states[row] = chosen

    def _extend(self, row: int, state: PrefixState, labels: tuple[int, ...]) -> PrefixState:
        for label in labels:
            state = self.scorers[row].extend(state, [label])[0]
        return state

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.start is None:
            self.start = input_ids.shape[1]
        out = scores.clone()
        for row, scorer in enumerate(self.scorers):
            if scorer is None or row in self.done:
                continue
            if input_ids.shape[1] > self.start:
                self._advance(row, int(input_ids[row, -1]))
                if row in self.done:
                    continue
            out[row] = self._rescored(row, scores[row])
        return out

    def _rescored(self, row: int, scores: torch.Tensor) -> torch.Tensor:
        state, scorer = self.states[row], self.scorers[row]
        llm = scores.float().log_softmax(-1)
        top = llm.topk(min(self.candidates, llm.shape[-1])).indices.tolist()
        singles = {token: self._labels(state, token) for token in top}
        plain = [t for t, labels in singles.items() if len(labels) == 1]
        extended = dict(zip(plain, scorer.extend(state, [singles[t][0] for t in plain])))
        for token, labels in singles.items():
            if len(labels) > 1:
                extended[token] = self._extend(row, state, labels)
        ctc: dict[int, float] = {}
        for token in top:
            if token in self.eos:
                ctc[token] = state.end_score - state.score
            elif token == self.blank:  # a lone space: as good as the best digit after it
                after = scorer.extend(state, self.digits) if self.digits else []
                ctc[token] = max((s.score for s in after), default=_NEG_INF) - state.score
            elif token in extended:
                ctc[token] = extended[token].score - state.score
        self.pending[row] = extended
        rescored = torch.full_like(scores, _NEG_INF)
        for token, delta in ctc.items():
            if math.isfinite(delta):
                rescored[token] = (1 - self.weight) * llm[token] + self.weight * delta
        if not torch.isfinite(rescored).any():  # nothing the frames allow: leave the LLM's choice
            return scores
        return rescored


def ctc_scorers(model: WavLLMForConditionalGeneration, tokenizer, encoded: EncoderOutputs,
                guided: list[bool]) -> list[CTCPrefixScorer | None]:
    """One scorer per clip of `encoded` that is `guided` (a transcription request), from its fused
    frames scored as the alignment loss trained them; None for the others."""
    blank = blank_token_id(tokenizer)
    with torch.no_grad():
        frames, lengths = model.bridge_frames(encoded, "fused")
        log_probs = token_logits(model, frames).log_softmax(-1)
    return [CTCPrefixScorer(log_probs[i, : int(lengths[i])], blank) if wanted else None
            for i, wanted in enumerate(guided)]


def ctc_guidance(model: WavLLMForConditionalGeneration, tokenizer, encoded: EncoderOutputs, guided: list[bool],
                 weight: float | None, config: GenerationConfig) -> LogitsProcessorList:
    """The logits processors for `generate` that guide the `guided` rows' transcripts by their
    frames at `weight`; none when no row is guided or the weight is 0 or None (plain decoding)."""
    if not weight or not any(guided):
        return LogitsProcessorList()
    eos = config.eos_token_id
    eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
    return LogitsProcessorList([CTCGuidance(ctc_scorers(model, tokenizer, encoded, guided), tokenizer, eos_ids, weight)])
