"""An auxiliary CTC loss that pulls the fused audio frames toward the LLM's own token embeddings.

Why: with a small LLM and a few CPU hours, the language-model loss alone teaches the bridges only
slowly which frames carry which words (a first try learned the sentence templates, not the words).
CTC over the LLM's vocabulary, scored by the LLM's frozen output embeddings, asks each fused
12.5 Hz frame to look like the token being spoken or like a blank, so the LLM comes to read the
bridge output much as it reads text. The blank is the token of a lone space where the tokenizer
has one (a frame that looks like extra whitespace does the LLM little harm), else the pad token.
Frames are scored by direction only (cosine similarity to each token's embedding), and a second
term holds their norm at the token embeddings' mean norm: CTC on raw frames drove their norm to 8x
the token embeddings' (26 vs 3.2 in wavllm-mini v0), so the LLM saw inputs unlike any text and
learnt to ignore them even where the frames read back as the right words.
Only rows with a transcript (the manifest's `transcript` column, or the answer of an ASR row)
take part; at inference nothing of this runs. The softmax may run over a subset of the vocabulary,
the tokens the training transcripts use (`alignment_vocabulary`): the projection onto all 49k
tokens is nearly all of this loss's cost, and a bridge-only run on this loss alone (no LLM forward)
is then several times faster per clip. `ctc_readout` reads the fused frames back the same
way (greedy CTC): `eval --readout` reports its WER beside the model's, which tells apart a bridge
that does not carry the words from an LLM that does not use them.
With `alignment_source: semantic` the loss reads only what the semantic stream adds to the fused
frames (Fusion.parts): pulling the whole fused frame toward a token embedding left no room in it
for the voice (wavllm-mini v2: a probe told one voice from two at 85 % AUC after the acoustic
bridge, at 49 % in the fused frames), while the acoustic part added on top stays free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch.nn import functional as F

from ..modeling import EncoderOutputs, WavLLMForConditionalGeneration
from .manifest import ManifestRow


# Frames are scored against each token by cosine similarity at this temperature: sharp enough for
# CTC to commit over a 49k vocabulary, whatever the scale of the LLM's embeddings.
CTC_TEMPERATURE = 30.0


def blank_token_id(tokenizer) -> int:
    """The CTC blank: a lone space's token where there is one, else the pad token."""
    space = tokenizer.encode(" ")
    return space[0] if len(space) == 1 else tokenizer.pad_token_id


def transcript_of(row: ManifestRow) -> str | None:
    if row.transcript:
        return row.transcript
    return row.target if row.task == "asr" else None


def alignment_targets(tokenizer, rows: Sequence[ManifestRow]) -> list[list[int] | None]:
    """Token ids of what is said in each audio row (None where the row has no transcript); the
    blank's id is dropped from a target, since CTC cannot emit it as a label."""
    blank = blank_token_id(tokenizer)
    targets: list[list[int] | None] = []
    for row in rows:
        text = transcript_of(row)
        ids = [i for i in tokenizer.encode(" " + text) if i != blank] if text else []
        targets.append(ids or None)
    return targets


def alignment_vocabulary(targets: Iterable[list[int] | None], blank: int) -> torch.Tensor:
    """The token ids the targets use, and the blank, in ascending order."""
    used = {blank}
    for ids in targets:
        used.update(ids or ())
    return torch.tensor(sorted(used), dtype=torch.long)


def token_logits(model: WavLLMForConditionalGeneration, frames: torch.Tensor,
                 vocabulary: torch.Tensor | None = None) -> torch.Tensor:
    """How much each frame looks like each token (of `vocabulary` only, in its order, when given):
    cosine similarity to the LLM's output embeddings, times CTC_TEMPERATURE (float32)."""
    table = model.get_output_embeddings().weight
    if vocabulary is not None:
        table = table[vocabulary.to(table.device)]
    return F.normalize(frames.float(), dim=-1) @ F.normalize(table.float(), dim=-1).T * CTC_TEMPERATURE


def ctc_alignment_loss(
    model: WavLLMForConditionalGeneration, encoded: EncoderOutputs, targets: Sequence[list[int] | None], blank: int,
    vocabulary: torch.Tensor | None = None, source: str = "fused",
) -> torch.Tensor | None:
    """Mean CTC loss (per target token) of the `source` frames against the targets, plus the mean
    squared log ratio of each frame's norm to the token embeddings' mean norm; None when no clip
    has a target that fits its frames. With a `vocabulary` (from `alignment_vocabulary`), the
    softmax runs over its tokens alone, and a clip whose target uses another token is left out."""
    audio, lengths = model.bridge_frames(encoded, source)
    if vocabulary is not None:
        position = {int(token): i for i, token in enumerate(vocabulary.tolist())}
        targets = [[position[t] for t in ids] if ids and all(t in position for t in ids) else None for ids in targets]
        blank = position[blank]
    keep = [i for i, ids in enumerate(targets) if ids and len(ids) <= int(lengths[i])]
    if not keep:
        return None
    frames = audio[keep]
    log_probs = token_logits(model, frames, vocabulary).log_softmax(-1).transpose(0, 1)
    flat = torch.tensor([t for i in keep for t in targets[i]], dtype=torch.long, device=audio.device)
    target_lengths = torch.tensor([len(targets[i]) for i in keep], dtype=torch.long, device=audio.device)
    ctc = F.ctc_loss(log_probs, flat, lengths[keep], target_lengths, blank=blank, reduction="mean", zero_infinity=True)
    token_norm = model.get_output_embeddings().weight.detach().float().norm(dim=-1).mean()
    valid = torch.arange(frames.shape[1], device=audio.device)[None] < lengths[keep][:, None]
    drift = (frames.float().norm(dim=-1).clamp_min(1e-6) / token_norm).log().square()[valid].mean()
    return ctc + drift


def ctc_readout(model: WavLLMForConditionalGeneration, encoded: EncoderOutputs, blank: int,
                source: str = "fused") -> list[list[int]]:
    """Greedy CTC decoding of each clip's `source` frames (as the parts were trained): the most
    likely token per frame (scored as in training), repeats merged, blanks dropped."""
    with torch.no_grad():
        audio, lengths = model.bridge_frames(encoded, source)
        best = token_logits(model, audio).argmax(-1)
    clips = []
    for ids, length in zip(best.tolist(), lengths.tolist()):
        merged = [token for i, token in enumerate(ids[:length]) if i == 0 or token != ids[i - 1]]
        clips.append([token for token in merged if token != blank])
    return clips


def readout_text(tokenizer, ids: Sequence[int]) -> str:
    """A read-out's text, with the space before a number put back: the tokenizer writes that
    space as a lone space token, the blank, so greedy CTC cannot emit it ("needs6"); between a
    token that ends in a letter and one that starts with a digit, the space was there."""
    pieces = [tokenizer.decode([token], skip_special_tokens=True) for token in ids]
    cuts = [i for i in range(1, len(ids)) if pieces[i - 1][-1:].isalpha() and pieces[i][:1].isdigit()]
    bounds = [0, *cuts, len(ids)]
    return " ".join(tokenizer.decode(list(ids[a:b]), skip_special_tokens=True).strip() for a, b in zip(bounds, bounds[1:]))
