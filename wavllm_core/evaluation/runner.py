"""Running a model over a manifest: batched decoding, then per-task scoring.

Decoding goes through the model's own `generate` (r computed once per row and held for every
step), greedy by default so that a score is reproducible. `ablate_audio` replaces every clip by
silence of the same length (`audio.silence_like`): the drop from the normal score is what the
score owes to the audio. `readout` also reads each ASR clip's fused frames back by greedy CTC
(`training/alignment.py`): whether the words reach the LLM at all. `by_likelihood` answers each
multiple-choice row with audio by scoring its options (`option_scoring.py`) instead of decoding.
Under `accelerate launch`, each process decodes every n-th row and the main process gathers and
scores them all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from accelerate import PartialState
from accelerate.utils import gather_object
from tqdm.auto import tqdm
from transformers import BatchFeature, GenerationConfig, StoppingCriteriaList

from ..audio import AudioClip, AudioError, silence_like
from ..ctc_guidance import ctc_guidance
from ..generation import DecodingSettings
from ..hub import LoadedModel
from ..loop_guard import LoopStop, cut_loop
from ..modeling import EncoderOutputs
from ..option_scoring import score_options
from ..processing import InputTooLongError
from ..training.alignment import blank_token_id, ctc_readout, readout_text
from ..training.manifest import ManifestError, ManifestRow
from .answers import parse_options
from .report import EvalReport
from .scoring import RowResult, score_rows

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalSettings:
    max_new_tokens: int = 512
    greedy: bool = True
    temperature: float = 0.5
    top_p: float = 1.0
    seed: int = 0
    batch_size: int = 1
    ablate_audio: bool = False
    limit: int | None = None
    readout: str | None = None  # also read ASR rows' "fused" (or "semantic") frames back by greedy CTC
    by_likelihood: bool = False  # multiple-choice rows with audio: the likeliest option's reply
    ctc_weight: float | None = None  # ASR rows: transcripts decoded jointly with the frames' CTC read-out
    stop_loops: bool = True  # a reply that falls into a loop is stopped and its repeats cut (loop_guard.py)

    def decoding(self) -> DecodingSettings:
        return DecodingSettings(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, top_p=self.top_p,
            greedy=self.greedy, seed=self.seed, stop_loops=self.stop_loops,
        )


def select_rows(rows: Sequence[ManifestRow], limit: int | None, seed: int) -> list[ManifestRow]:
    """`limit` rows drawn at random with the seed (so every task can appear), kept in manifest order."""
    if limit is None or limit >= len(rows):
        return list(rows)
    if limit < 1:
        raise ValueError("--limit must be at least 1")
    keep = np.random.default_rng(seed).choice(len(rows), size=limit, replace=False)
    return [rows[i] for i in sorted(keep.tolist())]


@dataclass
class _Pending:
    index: int
    row: ManifestRow
    clip: AudioClip | None


def _new_tokens_text(loaded: LoadedModel, ids: torch.Tensor, cut_loops: bool) -> list[tuple[str, bool]]:
    """Each row's reply up to its end (or the padding of a row stopped early), and whether a
    trailing loop was cut off it."""
    tokenizer = loaded.processor.tokenizer
    ends = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
    texts = []
    for row in ids.tolist():
        row = row[: next((i for i, token in enumerate(row) if token in ends), len(row))]
        row, looped = cut_loop(row) if cut_loops else (row, False)
        texts.append((loaded.processor.decode(row).strip(), looped))
    return texts


def _stopping(settings: EvalSettings) -> dict:
    return {"stopping_criteria": StoppingCriteriaList([LoopStop()])} if settings.stop_loops else {}


def _audio_features(loaded: LoadedModel, batch: list[_Pending], config: GenerationConfig) -> BatchFeature:
    return loaded.processor(
        [p.clip for p in batch], [p.row.prompt for p in batch], max_new_tokens=config.max_new_tokens
    ).to(loaded.device)


def _generate_with_audio(loaded: LoadedModel, batch: list[_Pending], features: BatchFeature, config: GenerationConfig,
                         settings: EvalSettings, encoded: EncoderOutputs | None) -> list[tuple[str, bool]]:
    """Greedy (or sampled) replies; with a CTC weight, the ASR rows' transcripts are guided by their frames."""
    extra = {}
    if encoded is not None:
        guided = [p.row.task == "asr" for p in batch]
        extra = {"encoder_outputs": encoded, "logits_processor": ctc_guidance(
            loaded.model, loaded.processor.tokenizer, encoded, guided, settings.ctc_weight, config)}
    ids = loaded.model.generate(**features, generation_config=config, **extra, **_stopping(settings))
    return _new_tokens_text(loaded, ids, settings.stop_loops)


def _readouts(loaded: LoadedModel, batch: list[_Pending], encoded: EncoderOutputs,
              settings: EvalSettings) -> list[str | None]:
    """The bridge's CTC read-out of each ASR row's clip (None for other rows), from the encoder
    outputs that generation used."""
    if not any(p.row.task == "asr" for p in batch):
        return [None] * len(batch)
    tokenizer = loaded.processor.tokenizer
    ids = ctc_readout(loaded.model, encoded, blank_token_id(tokenizer), settings.readout)
    return [readout_text(tokenizer, row).strip() if p.row.task == "asr" else None for p, row in zip(batch, ids)]


def _generate_text_only(loaded: LoadedModel, batch: list[_Pending], config: GenerationConfig,
                        settings: EvalSettings) -> list[tuple[str, bool]]:
    """Rows without audio: the model's `generate` needs audio, so this does its steps on the
    token embeddings alone (r once, held for every step)."""
    model = loaded.model
    features = loaded.processor.text_only([p.row.prompt for p in batch], max_new_tokens=config.max_new_tokens)
    features = features.to(loaded.device)
    with torch.no_grad():
        scale = model.compute_prompt_scale(features["scale_input_ids"], features["scale_attention_mask"])
        embeds = model.get_input_embeddings()(features["input_ids"])
        with model.lora_scale.using(scale):
            ids = model.language_model.generate(
                inputs_embeds=embeds, attention_mask=features["attention_mask"], generation_config=config,
                **_stopping(settings),
            )
    return _new_tokens_text(loaded, ids, settings.stop_loops)


def _prepare(loaded: LoadedModel, index: int, row: ManifestRow, settings: EvalSettings) -> tuple[_Pending | None, str | None]:
    """Load and check one row; a row that cannot be used gets an error instead of stopping the run."""
    processor = loaded.processor
    try:
        if not row.with_speech:
            processor.text_only(row.prompt, max_new_tokens=settings.max_new_tokens)
            return _Pending(index, row, None), None
        clip = row.load_clip()
        limit = processor.max_audio_seconds(row.prompt, settings.max_new_tokens)
        if clip.duration_s > limit:
            raise InputTooLongError(f"the audio is {clip.duration_s:.1f} s; with this prompt the model takes {limit:.1f} s")
        return _Pending(index, row, silence_like(clip) if settings.ablate_audio else clip), None
    except (AudioError, ManifestError, InputTooLongError) as error:
        return None, f"{row.source}, line {row.line}: {error}"


def _options_of(item: _Pending) -> dict[str, str] | None:
    """The row's lettered options, when it is a multiple-choice question about audio."""
    options = parse_options(item.row.prompt) if item.clip is not None else {}
    return options if len(options) >= 2 else None


def _batches(pending: list[_Pending], size: int) -> list[list[_Pending]]:
    """Batches of one kind (with audio, or text only), so each goes through one decoding path."""
    out = []
    for with_speech in (True, False):
        group = [p for p in pending if p.row.with_speech == with_speech]
        out += [group[i : i + size] for i in range(0, len(group), size)]
    return out


def decode_rows(
    loaded: LoadedModel, rows: Sequence[ManifestRow], settings: EvalSettings, state: PartialState | None = None,
    progress: bool = True,
) -> list[RowResult]:
    """Hypotheses for every row (this process's share under accelerate, gathered on all)."""
    state = state or PartialState()
    config = settings.decoding().generation_config(loaded.model.generation_config)
    mine = list(enumerate(rows))[state.process_index :: state.num_processes]
    results: list[RowResult] = []
    pending: list[_Pending] = []
    for index, row in mine:
        item, error = _prepare(loaded, index, row, settings)
        if item is None:
            _LOG.warning("skipping %s: %s", row.id, error)
            results.append(RowResult(index, row.id, row.task, row.prompt, row.target, "", error=error))
        else:
            pending.append(item)
    bar = tqdm(total=len(mine), desc="eval", unit="row", disable=not progress or not state.is_main_process)
    bar.update(len(results))
    if settings.by_likelihood:
        to_decode = []
        for item in pending:
            options = _options_of(item)
            if options is None:
                to_decode.append(item)
                continue
            reply = score_options(loaded, item.clip, item.row.prompt, options).reply
            results.append(RowResult(item.index, item.row.id, item.row.task, item.row.prompt, item.row.target, reply))
            bar.update(1)
        pending = to_decode
    for batch in _batches(pending, max(settings.batch_size, 1)):
        torch.manual_seed(settings.seed + batch[0].index)
        readouts: list[str | None] = [None] * len(batch)
        if batch[0].clip is None:
            texts = _generate_text_only(loaded, batch, config, settings)
        else:
            features = _audio_features(loaded, batch, config)
            wants_frames = settings.readout or (settings.ctc_weight and any(p.row.task == "asr" for p in batch))
            encoded = loaded.model.encode_batch(features) if wants_frames else None
            texts = _generate_with_audio(loaded, batch, features, config, settings, encoded)
            if settings.readout:
                readouts = _readouts(loaded, batch, encoded, settings)
        for item, (text, looped), readout in zip(batch, texts, readouts):
            results.append(RowResult(item.index, item.row.id, item.row.task, item.row.prompt, item.row.target, text,
                                     readout=readout, loop_cut=looped))
        bar.update(len(batch))
    bar.close()
    if state.num_processes > 1:
        results = [row for part in gather_object([results]) for row in part]
    return sorted(results, key=lambda r: r.index)


def evaluate(
    loaded: LoadedModel, rows: Sequence[ManifestRow], settings: EvalSettings = EvalSettings(),
    manifest: str = "", state: PartialState | None = None, progress: bool = True,
) -> EvalReport:
    """Decode, read and score: the report holds the per-task scores and every hypothesis."""
    started = time.perf_counter()
    chosen = select_rows(rows, settings.limit, settings.seed)
    results = decode_rows(loaded, chosen, settings, state, progress)
    scores = score_rows(results)
    trained = str(loaded.trained_parts) if loaded.trained_parts else None
    return EvalReport(loaded.name, manifest, asdict(settings), scores, results, time.perf_counter() - started, trained)
