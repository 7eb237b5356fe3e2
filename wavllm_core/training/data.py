"""Training data: manifests mixed by weight, instruction variants per task, batches by position.

Every batch is a pure function of (seed, global batch position): epoch e's order is drawn from
(seed, e), and the instruction variant of each example from (seed, position, slot). So resuming
at a saved position replays exactly the batches an uninterrupted run would have seen, on any
number of processes (process k of n takes positions k, k + n, ...).

Rows with audio and text-only rows (with_speech False) can share a batch: the processor lays out
the audio rows, `processor.text_only` the others, and `merge_features` pads both to one width,
audio rows first, which is the order the model writes audio frames into (row-major audio slots).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import Dataset

from ..audio import SAMPLE_RATE
from ..processing import IGNORE_INDEX, InputTooLongError, WavLLMProcessor
from .alignment import alignment_targets
from .features import AUDIO_INPUTS, ClipFeatures, EncoderCache
from .manifest import ManifestError, ManifestRow

TEXT_INPUTS = ("input_ids", "attention_mask", "audio_mask", "labels", "scale_input_ids", "scale_attention_mask")


class PromptVariants:
    """Instruction phrasings per task, so the model does not learn one wording. A variant may hold
    "{prompt}" for the manifest's own prompt (e.g. to keep an SQA question and its options);
    tasks without variants keep the manifest's prompt."""

    def __init__(self, variants: Mapping[str, Sequence[str]] | None = None):
        self.variants = {task.lower(): list(texts) for task, texts in (variants or {}).items()}

    def choices(self, row: ManifestRow) -> list[str]:
        texts = self.variants.get(row.task)
        return [text.replace("{prompt}", row.prompt) for text in texts] if texts else [row.prompt]

    def pick(self, row: ManifestRow, rng: np.random.Generator) -> str:
        choices = self.choices(row)
        return choices[int(rng.integers(len(choices)))] if len(choices) > 1 else choices[0]


@dataclass(frozen=True)
class Example:
    row: ManifestRow
    instruction: str


def epoch_counts(sizes: Sequence[int], weights: Sequence[float], epoch_size: int) -> list[int]:
    """Examples per manifest in one epoch: shares by weight, rounded so they add up to epoch_size."""
    total = sum(weights)
    exact = [epoch_size * w / total for w in weights]
    counts = [math.floor(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[: epoch_size - sum(counts)]:
        counts[i] += 1
    return counts


class TrainingData:
    """The mixture: which examples make up the batch at each global position."""

    def __init__(
        self, sources: Sequence[Sequence[ManifestRow]], weights: Sequence[float], batch_size: int, seed: int,
        variants: PromptVariants | None = None, epoch_size: int | None = None, length_buckets: int = 0,
    ):
        self.sources = [list(rows) for rows in sources]
        self.weights = list(weights)
        self.batch_size = batch_size
        self.seed = seed
        self.variants = variants or PromptVariants()
        self.epoch_size = epoch_size or sum(len(rows) for rows in self.sources)
        if self.epoch_size < batch_size:
            raise ValueError(f"an epoch has {self.epoch_size} examples, fewer than one batch of {batch_size}")
        self.batches_per_epoch = self.epoch_size // batch_size
        self.length_buckets = length_buckets

    @lru_cache(maxsize=2)
    def epoch_order(self, epoch: int) -> list[tuple[int, int]]:
        """(manifest, row) pairs of one epoch: each manifest's share drawn by whole permutations, then shuffled."""
        rng = np.random.default_rng([self.seed, epoch])
        order: list[tuple[int, int]] = []
        counts = epoch_counts([len(rows) for rows in self.sources], self.weights, self.epoch_size)
        for source, (rows, count) in enumerate(zip(self.sources, counts)):
            if count == 0:
                continue
            picks = np.concatenate([rng.permutation(len(rows)) for _ in range(-(-count // len(rows)))])[:count]
            order += [(source, int(i)) for i in picks]
        order = [order[i] for i in rng.permutation(len(order))]
        return self._bucketed(order, rng) if self.length_buckets else order

    def _bucketed(self, order: list[tuple[int, int]], rng: np.random.Generator) -> list[tuple[int, int]]:
        """Each window of `length_buckets` batches sorted by length and cut into batches, the
        batches then shuffled within the window: less padding, and every window still mixes."""
        window = self.length_buckets * self.batch_size
        out: list[tuple[int, int]] = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start : start + window], key=lambda pick: approximate_tokens(self.sources[pick[0]][pick[1]]))
            batches = [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
            for b in rng.permutation(len(batches)):
                out += batches[b]
        return out

    def examples(self, position: int) -> list[Example]:
        epoch, index = divmod(position, self.batches_per_epoch)
        chosen = self.epoch_order(epoch)[index * self.batch_size : (index + 1) * self.batch_size]
        out = []
        for slot, (source, i) in enumerate(chosen):
            row = self.sources[source][i]
            out.append(Example(row, self.variants.pick(row, np.random.default_rng([self.seed, position, slot]))))
        return out


def approximate_tokens(row: ManifestRow) -> float:
    """A row's rough prompt length for bucketing: its audio frames at 12.5 Hz (from the manifest's
    n_frames) plus about four characters a text token."""
    audio = (row.n_frames or 0) / SAMPLE_RATE * 12.5 if row.with_speech else 0.0
    return audio + (len(row.prompt) + len(row.target)) / 4


def check_examples_fit(rows: Sequence[ManifestRow], processor: WavLLMProcessor, variants: PromptVariants) -> None:
    """Fail before training on a row that cannot be read or does not fit the model with any of its
    instruction variants (a training run must not die on row 90 000)."""
    for row in rows:
        answer_tokens = len(processor.tokenizer.encode(row.target)) + 1
        for instruction in variants.choices(row):
            try:
                if not row.with_speech:
                    processor.text_only(instruction, response=row.target)
                    continue
                seconds = _duration_s(row)
                limit = processor.max_audio_seconds(instruction, max_new_tokens=answer_tokens)
                if seconds > limit:
                    raise InputTooLongError(
                        f"the audio is {seconds:.1f} s, but with this instruction and answer the model takes {limit:.1f} s"
                    )
            except InputTooLongError as error:
                raise ManifestError(row.source, row.line, None, str(error)) from None


def _duration_s(row: ManifestRow) -> float:
    try:
        info = sf.info(str(row.audio))
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ManifestError(row.source, row.line, "audio", f"cannot read {row.audio}: {error}") from None
    samples = math.ceil(info.frames * SAMPLE_RATE / info.samplerate)
    end = min(row.end_frame, samples) if row.end_frame is not None else samples
    return (end - (row.start_frame or 0)) / SAMPLE_RATE


@dataclass
class TrainBatch:
    """Model inputs for one step: text tensors for every row, audio tensors for the audio rows
    (which come first), and their cached encoder features when the cache had them all."""

    features: dict[str, torch.Tensor]
    audio_rows: list[ManifestRow]
    examples: int
    cached: list[ClipFeatures] | None = None
    # Token ids of what each audio row says (None without a transcript), for the alignment loss.
    transcripts: list[list[int] | None] | None = None

    @property
    def response_tokens(self) -> int:
        return int((self.features["labels"][:, 1:] != IGNORE_INDEX).sum())

    def text_inputs(self, device: torch.device | str) -> dict[str, torch.Tensor]:
        return {name: self.features[name].to(device) for name in TEXT_INPUTS}

    def audio_inputs(self, device: torch.device | str) -> dict[str, torch.Tensor]:
        return {name: self.features[name].to(device) for name in AUDIO_INPUTS}


def _pad(tensor: torch.Tensor, width: int, fill: int | bool) -> torch.Tensor:
    extra = width - tensor.shape[1]
    if extra == 0:
        return tensor
    return torch.cat([tensor, torch.full((tensor.shape[0], extra), fill, dtype=tensor.dtype)], dim=1)


def merge_features(audio: Mapping[str, torch.Tensor] | None, text: Mapping[str, torch.Tensor] | None, pad_id: int) -> dict:
    """One right-padded batch from an audio batch and a text-only batch (either may be None)."""
    parts = [p for p in (audio, text) if p is not None]
    merged = dict(audio) if audio is not None else {}
    fills = {"input_ids": pad_id, "attention_mask": 0, "audio_mask": False, "labels": IGNORE_INDEX,
             "scale_input_ids": pad_id, "scale_attention_mask": 0}
    for name, fill in fills.items():
        width = max(p[name].shape[1] for p in parts)
        merged[name] = torch.cat([_pad(p[name], width, fill) for p in parts], dim=0)
    return merged


class Collator:
    """Examples → TrainBatch via the processor (the template and labels are the processor's)."""

    def __init__(self, processor: WavLLMProcessor, cache: EncoderCache | None = None):
        self.processor = processor
        self.cache = cache

    def __call__(self, examples: Sequence[Example]) -> TrainBatch:
        with_audio = [e for e in examples if e.row.with_speech]
        text_only = [e for e in examples if not e.row.with_speech]
        audio = text = None
        if with_audio:
            audio = self.processor(
                [e.row.load_clip() for e in with_audio], [e.instruction for e in with_audio],
                response=[e.row.target for e in with_audio],
            )
        if text_only:
            text = self.processor.text_only([e.instruction for e in text_only], response=[e.row.target for e in text_only])
        features = merge_features(audio, text, self.processor.tokenizer.pad_token_id)
        rows = [e.row for e in with_audio]
        cached = self.cache.get_all(rows) if self.cache is not None and rows else None
        return TrainBatch(features, rows, len(examples), cached, alignment_targets(self.processor.tokenizer, rows))


class PlannedBatches(Dataset):
    """This process's batches from global position `start` on, for a DataLoader (workers load audio)."""

    def __init__(self, data: TrainingData, collate: Collator, start: int, count: int, rank: int = 0, world: int = 1):
        self.data, self.collate = data, collate
        self.start, self.count, self.rank, self.world = start, count, rank, world

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> TrainBatch:
        return self.collate(self.data.examples(self.start + i * self.world + self.rank))


class FixedBatches(Dataset):
    """Validation: the rows in manifest order with their own prompts, this process's share."""

    def __init__(self, rows: Sequence[ManifestRow], batch_size: int, collate: Collator, rank: int = 0, world: int = 1):
        batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
        self.batches = batches[rank::world]
        self.collate = collate

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> TrainBatch:
        return self.collate([Example(row, row.prompt) for row in self.batches[i]])


def unbatched(item: TrainBatch) -> TrainBatch:
    """DataLoader collate_fn for datasets that already return whole batches."""
    return item
