"""The two-stage trainer (see README.md in this folder for the recipe and multi-GPU use).

One optimizer step = `grad_accum` micro-batches; loss is the model's own (response tokens only).
Mixed precision is our own autocast (bf16 on CPU or GPU, fp16 on GPU with a gradient scaler),
set in the config; accelerate provides the processes, devices and gradient all-reduce.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs, set_seed
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import get_scheduler

from ..hub import resolve_model_dir
from ..modeling import WavLLMForConditionalGeneration
from ..processing import WavLLMProcessor
from .alignment import alignment_targets, alignment_vocabulary, blank_token_id, ctc_alignment_loss, transcript_of
from .checkpoint import (
    checkpoint_dir, latest_checkpoint, list_checkpoints, load_checkpoint, load_rng, prune_checkpoints, save_checkpoint,
    save_rng,
)
from .config import ConfigError, ManifestSpec, TrainConfig
from .data import (
    Collator, FixedBatches, PlannedBatches, PromptVariants, TrainBatch, TrainingData, check_examples_fit, unbatched,
)
from .features import EncoderCache, as_encoder_outputs, encoder_fingerprint, extract_features
from .loss import response_loss
from .manifest import ManifestRow, read_manifest
from .parts import load_trained_parts, save_trained_parts
from .stages import configure_stage, stage_plan
from .voice_contrast import voice_contrast_loss

_LOG = logging.getLogger(__name__)
TRAINED_PARTS = "trained.safetensors"
LOG_FILE = "train_log.jsonl"
# Settings that must not change when a run is resumed: they decide the data order and the schedule.
RESUME_KEYS = ("model", "stage", "prompt_aware", "train_lora", "alignment_weight", "alignment_only", "alignment_vocabulary",
               "alignment_source", "voice_contrast_weight", "voice_contrast_source",
               "init_from", "train", "prompts", "seed", "batch_size", "grad_accum", "max_steps", "epoch_size", "length_buckets", "learning_rate", "weight_decay", "warmup_steps", "scheduler", "precision")
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware; without it (AVX2 only) torch emulates bf16
    matrix products, measured 80-140x slower than fp32 on one 2-core AVX2 machine (benchmarks/cpu_bf16.py)."""
    checks = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
    return any(check() for check in checks if check is not None)


@dataclass
class TrainResult:
    output_dir: Path
    step: int
    finished: bool
    trained_parts: Path | None
    last_loss: float | None
    val_loss: float | None
    main_process: bool = True


class TrainingLog:
    """JSONL, one record per log line; on resume, records after the checkpoint's step are dropped
    (the interrupted run's last steps are redone)."""

    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def start(self, resumed_step: int | None) -> None:
        if not self.enabled:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept = []
        if resumed_step is not None and self.path.is_file():
            kept = [line for line in self.path.read_text().splitlines() if json.loads(line)["step"] <= resumed_step]
        self.path.write_text("".join(line + "\n" for line in kept))

    def write(self, record: dict) -> None:
        if self.enabled:
            with self.path.open("a") as handle:
                handle.write(json.dumps(record) + "\n")


def load_sources(specs: list[ManifestSpec], audio_root: str | None, transcribed_only: bool = False) -> list[list[ManifestRow]]:
    """Each manifest's rows (its first `rows`; only those with audio where `audio_only`; only those
    with audio and a transcript where `transcribed_only`, for a run on the alignment loss alone)."""
    sources = []
    for spec in specs:
        rows = read_manifest(spec.path, spec.audio_root or audio_root)[: spec.rows]
        if spec.audio_only or transcribed_only:
            rows = [row for row in rows if row.with_speech and (not transcribed_only or transcript_of(row))]
        if not rows:
            kept = "audio and a transcript (alignment_only)" if transcribed_only else "audio (audio_only)"
            raise ConfigError(f"{spec.path}: no rows left to train on: none of the first {spec.rows or 'all'} rows has {kept}")
        sources.append(rows)
    return sources


class Trainer:
    def __init__(self, config: TrainConfig, progress: bool = True):
        self.config = config
        self.progress = progress
        self.output_dir = Path(config.output_dir)
        self._blank: int | None = None
        self._vocabulary: torch.Tensor | None = None
        # The last training batch's auxiliary terms, unweighted (alignment_loss, voice_contrast_loss).
        self.terms: dict[str, float] = {}

    # Setup -------------------------------------------------------------------------------

    def _accelerator(self, text_only_rows: bool) -> Accelerator:
        # A batch of text-only rows leaves the audio bridges unused, which DDP must be told of.
        accelerator = Accelerator(
            cpu=self.config.device == "cpu",
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=text_only_rows)],
        )
        if accelerator.mixed_precision != "no":
            raise ConfigError("set precision in the training config (precision: bf16, fp16 or no), "
                              "not with accelerate's --mixed_precision")
        kind = accelerator.device.type
        if self.config.alignment_only and accelerator.num_processes > 1:
            raise ConfigError("alignment_only runs in one process (the LLM never runs, so a step is cheap): "
                              "start it with python -m wavllm_core train, not accelerate launch")
        if self.config.precision == "fp16" and kind != "cuda":
            raise ConfigError("precision fp16 needs a CUDA GPU; use bf16 (or no) on CPU")
        if self.config.precision == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
            raise ConfigError("this GPU has no bf16; use precision fp16")
        wants_bf16 = self.config.precision == "bf16" or self.config.base_dtype == "bfloat16"
        if wants_bf16 and kind == "cpu" and not cpu_has_native_bf16():
            _LOG.warning("this CPU has no native bf16 (AVX512-BF16 or AMX): bf16 matrix products run tens of "
                         "times slower than fp32 here; for speed set precision: no and base_dtype: float32")
        return accelerator

    def _load_model(self) -> tuple[WavLLMForConditionalGeneration, WavLLMProcessor, list[str]]:
        directory = resolve_model_dir(self.config.model)
        model = WavLLMForConditionalGeneration.from_pretrained(directory, dtype=torch.float32)
        processor = WavLLMProcessor.from_pretrained(directory)
        if self.config.attn_implementation:
            model.language_model.set_attn_implementation(self.config.attn_implementation)
        for path in self.config.init_paths:
            load_trained_parts(model, path)
        names = configure_stage(model, stage_plan(self.config.stage, self.config.prompt_aware, self.config.train_lora))
        return model, processor, names

    def _cast_frozen(self, model: WavLLMForConditionalGeneration) -> None:
        """Frozen weights to base_dtype; after the encoder cache is filled, so cached features come
        from the full-precision encoders that inference uses (and the cache key stays the same)."""
        frozen_dtype = _DTYPES[self.config.base_dtype]
        for param in model.parameters():
            if not param.requires_grad:
                param.data = param.data.to(frozen_dtype)

    def _autocast(self, device: torch.device):
        precision = self.config.precision
        dtype = torch.float16 if precision == "fp16" else torch.bfloat16
        return torch.autocast(device.type, dtype=dtype, enabled=precision != "no")

    def _resume_dir(self, resume: str | Path | None) -> Path | None:
        if resume is None:
            if list_checkpoints(self.output_dir):
                raise ConfigError(f"{self.output_dir} has checkpoints of an earlier run: resume it with "
                                  "--resume auto, or choose another output_dir")
            if (self.output_dir / TRAINED_PARTS).exists():
                raise ConfigError(f"{self.output_dir} holds a finished run ({TRAINED_PARTS}): choose another "
                                  "output_dir, or remove it to train again")
            return None
        if str(resume) == "auto":
            found = latest_checkpoint(self.output_dir)
            if found is None:
                _LOG.info("no checkpoint in %s: starting from step 0", self.output_dir)
                return self._resume_dir(None)
            return found
        return Path(resume)

    def _check_resumable(self, saved: dict, where: Path) -> None:
        current = self.config.as_dict()
        changed = [key for key in RESUME_KEYS if saved.get(key) != current.get(key)]
        if changed:
            raise ConfigError(f"cannot resume {where}: these settings differ from the saved run: {', '.join(changed)}")

    # Steps -------------------------------------------------------------------------------

    def _loss(self, ddp_model, model, batch: TrainBatch, device: torch.device, alignment: bool = True) -> torch.Tensor:
        """The response loss; plus alignment_weight x the CTC alignment loss and
        voice_contrast_weight x the voice contrast (training only, so validation losses stay
        comparable across runs). With alignment_only, the alignment loss alone (over all tokens
        when validating)."""
        if self.config.alignment_only:
            return self._alignment_only_loss(model, batch, device, self._vocabulary if alignment else None)
        inputs = batch.text_inputs(device)
        if not batch.audio_rows:
            with self._autocast(device):
                return response_loss(ddp_model, inputs, inputs_embeds=model.get_input_embeddings()(inputs["input_ids"]))
        encoded = self._encoded(model, batch, device)
        with self._autocast(device):
            loss = response_loss(ddp_model, inputs, encoder_outputs=encoded)
            if alignment:
                loss = loss + self._auxiliary_losses(model, encoded, batch)
        return loss

    def _auxiliary_losses(self, model, encoded, batch: TrainBatch) -> torch.Tensor | float:
        """The weighted alignment and voice-contrast terms that apply to this batch (0 where none
        does); each term's unweighted value is kept in `self.terms` for the log."""
        cfg, total = self.config, 0.0
        self.terms = {}
        terms = []
        if cfg.alignment_weight and batch.transcripts:
            terms.append(("alignment_loss", cfg.alignment_weight, ctc_alignment_loss(
                model, encoded, batch.transcripts, self._blank, self._vocabulary, cfg.alignment_source)))
        if cfg.voice_contrast_weight:
            terms.append(("voice_contrast_loss", cfg.voice_contrast_weight,
                          voice_contrast_loss(model, encoded, [row.voices for row in batch.audio_rows],
                                              cfg.voice_contrast_source)))
        for name, weight, value in terms:
            if value is not None:
                total = total + weight * value
                self.terms[name] = round(float(value.detach()), 4)
        return total

    @staticmethod
    def _encoded(model, batch: TrainBatch, device: torch.device):
        """The batch's encoder outputs: from the cache where it had them, else from the frozen encoders."""
        features = batch.cached if batch.cached is not None else extract_features(model, batch.audio_inputs(device))
        return as_encoder_outputs(features, next(model.parameters()).device)

    def _alignment_only_loss(self, model, batch: TrainBatch, device: torch.device, vocabulary) -> torch.Tensor:
        """The CTC alignment loss of the batch's transcribed clips; a zero that trains nothing when
        none has a transcript that fits its frames."""
        encoded = self._encoded(model, batch, device)
        with self._autocast(device):
            loss = ctc_alignment_loss(model, encoded, batch.transcripts or [], self._blank, vocabulary,
                                      self.config.alignment_source)
        return loss if loss is not None else torch.zeros((), device=device)

    def _validate(self, accelerator: Accelerator, model, batches: FixedBatches) -> float:
        """Mean validation loss per labelled token: response tokens, or with alignment_only the
        transcripts' tokens."""
        model.eval()
        total = torch.zeros(2, device=accelerator.device)
        with torch.no_grad():
            for batch in DataLoader(batches, batch_size=None, collate_fn=unbatched, num_workers=self.config.num_workers):
                loss = self._loss(model, model, batch, accelerator.device, alignment=False)
                tokens = (sum(len(ids) for ids in batch.transcripts or [] if ids) if self.config.alignment_only
                          else batch.response_tokens)
                total += torch.stack([loss.float() * tokens, torch.tensor(float(tokens))])
        model.train()
        total = accelerator.reduce(total, "sum")
        return float(total[0] / total[1].clamp(min=1))

    def _prepare_data(self, model, processor, train_sources, val_rows, accelerator: Accelerator):
        """Check every row fits, fill the encoder cache (main process), build the batch plan."""
        cfg = self.config
        variants = PromptVariants(cfg.prompts)
        for rows in train_sources:
            check_examples_fit(rows, processor, variants)
        check_examples_fit(val_rows, processor, PromptVariants())
        cache = EncoderCache(cfg.encoder_cache, encoder_fingerprint(model)) if cfg.encoder_cache else None
        if cache is not None and accelerator.is_main_process:
            cache.fill(model, processor, [r for rows in train_sources for r in rows] + val_rows, self.progress)
        accelerator.wait_for_everyone()
        data = TrainingData(train_sources, [s.weight for s in cfg.train], cfg.batch_size, cfg.seed, variants,
                            cfg.epoch_size, cfg.length_buckets)
        collate = Collator(processor, cache)
        rank, world = accelerator.process_index, accelerator.num_processes
        val_batches = FixedBatches(val_rows, cfg.batch_size, collate, rank, world) if val_rows else None
        return data, collate, val_batches

    def _optimizer_step(self, accelerator, ddp_model, model, batches, optimizer, scheduler, scaler, params) -> tuple[float, int]:
        """grad_accum micro-batches (gradients all-reduced on the last only), then one update;
        returns the mean loss over processes and the examples seen by all processes."""
        cfg, device = self.config, accelerator.device
        losses, examples = [], 0
        for micro in range(cfg.grad_accum):
            batch = next(batches)
            sync = micro == cfg.grad_accum - 1
            with contextlib.nullcontext() if sync else accelerator.no_sync(ddp_model):
                loss = self._loss(ddp_model, model, batch, device)
                if loss.requires_grad:  # else nothing that trains touched this batch (text rows, frozen LoRA)
                    scaler.scale(loss / cfg.grad_accum).backward()
            losses.append(loss.detach().float())
            examples += batch.examples * accelerator.num_processes
        scaler.unscale_(optimizer)
        if cfg.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        return float(accelerator.reduce(torch.stack(losses).mean(), "mean")), examples

    # The run -----------------------------------------------------------------------------

    def run(self, resume: str | Path | None = None, stop_at_step: int | None = None) -> TrainResult:
        """Train to max_steps (or stop once `stop_at_step` is reached, with a checkpoint);
        `resume` is a checkpoint folder or "auto" (the latest in output_dir)."""
        cfg = self.config
        train_sources = load_sources(cfg.train, cfg.audio_root, cfg.alignment_only)
        val_rows = [row for rows in load_sources(cfg.validation, cfg.audio_root, cfg.alignment_only) for row in rows]
        accelerator = self._accelerator(any(not row.with_speech for rows in train_sources for row in rows))
        device, rank, world = accelerator.device, accelerator.process_index, accelerator.num_processes
        main = accelerator.is_main_process
        resume_dir = self._resume_dir(resume)
        model, processor, trainable = self._load_model()
        self._blank = blank_token_id(processor.tokenizer)
        if cfg.alignment_vocabulary == "transcripts":
            rows = [row for rows in train_sources for row in rows]
            self._vocabulary = alignment_vocabulary(alignment_targets(processor.tokenizer, rows), self._blank)
            _LOG.info("alignment softmax over the %d tokens the training transcripts use", len(self._vocabulary))
        set_seed(cfg.seed)
        model.to(device)
        _LOG.info("training %d tensors (%d parameters): %s", len(trainable),
                  sum(p.numel() for p in model.parameters() if p.requires_grad), ", ".join(trainable[:6]))

        data, collate, val_batches = self._prepare_data(model, processor, train_sources, val_rows, accelerator)
        self._cast_frozen(model)

        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        scheduler = get_scheduler(cfg.scheduler, optimizer, num_warmup_steps=cfg.warmup_steps,
                                  num_training_steps=cfg.max_steps)
        scaler = torch.amp.GradScaler(device.type, enabled=cfg.precision == "fp16")
        ddp_model = accelerator.prepare_model(model)

        step = position = 0
        rng_from = None
        if resume_dir is not None:
            state = load_checkpoint(resume_dir, model, optimizer, scheduler, scaler)
            self._check_resumable(state["config"], resume_dir)
            step, position, rng_from = state["step"], state["position"], resume_dir
        log = TrainingLog(self.output_dir / LOG_FILE, main)
        log.start(step if resume_dir is not None else None)
        if main:
            cfg.to_yaml(self.output_dir / "config.yaml")

        remaining = (cfg.max_steps - step) * cfg.grad_accum
        loader = DataLoader(
            PlannedBatches(data, collate, position, remaining, rank, world), batch_size=None, collate_fn=unbatched,
            num_workers=cfg.num_workers, generator=torch.Generator().manual_seed(cfg.seed),
        )
        batches = iter(loader)
        if rng_from is not None:
            load_rng(rng_from, rank)

        val_loss = None
        if val_batches is not None and cfg.eval_every and cfg.validate_at_start and step == 0:
            val_loss = self._validate(accelerator, model, val_batches)
            log.write({"step": 0, "val_loss": val_loss})
        model.train()
        bar = tqdm(total=cfg.max_steps, initial=step, unit="step", desc=f"stage {cfg.stage}",
                   disable=not (self.progress and main))
        window_examples, window_start, started = 0, time.perf_counter(), time.perf_counter()
        last_loss = None
        while step < cfg.max_steps:
            last_loss, examples = self._optimizer_step(
                accelerator, ddp_model, model, batches, optimizer, scheduler, scaler, params
            )
            window_examples += examples
            position += cfg.grad_accum * world
            step += 1
            elapsed = time.perf_counter() - window_start
            rate = window_examples / max(elapsed, 1e-9)
            bar.set_postfix(loss=f"{last_loss:.4f}", ex_s=f"{rate:.1f}")
            bar.update(1)
            if (cfg.log_every and step % cfg.log_every == 0) or step == cfg.max_steps:
                log.write({"step": step, "epoch": round(position / data.batches_per_epoch, 4), "loss": last_loss,
                           "lr": scheduler.get_last_lr()[0], "examples_per_s": round(rate, 3),
                           "elapsed_s": round(time.perf_counter() - started, 3), **self.terms})
                window_examples, window_start = 0, time.perf_counter()
            if val_batches is not None and cfg.eval_every and step % cfg.eval_every == 0:
                val_loss = self._validate(accelerator, model, val_batches)
                log.write({"step": step, "val_loss": val_loss})
            stopping = stop_at_step is not None and step >= stop_at_step and step < cfg.max_steps
            if (cfg.save_every and step % cfg.save_every == 0) or stopping:
                self._checkpoint(accelerator, model, optimizer, scheduler, scaler, step, position)
            if stopping:
                break
        bar.close()
        finished = step >= cfg.max_steps
        parts = None
        if finished and main:
            parts = save_trained_parts(model, self.output_dir / TRAINED_PARTS, self._metadata(step))
        accelerator.wait_for_everyone()
        return TrainResult(self.output_dir, step, finished, parts, last_loss, val_loss, main)

    def _metadata(self, step: int) -> dict:
        cfg = self.config
        return {"stage": cfg.stage, "prompt_aware": cfg.prompt_aware, "step": step, "base_model": cfg.model}

    def _checkpoint(self, accelerator, model, optimizer, scheduler, scaler, step: int, position: int) -> None:
        state = {"step": step, "position": position, "world_size": accelerator.num_processes,
                 "config": self.config.as_dict()}
        if accelerator.is_main_process:
            target = save_checkpoint(self.output_dir, model, optimizer, scheduler, scaler, state, self._metadata(step))
            prune_checkpoints(self.output_dir, self.config.keep_checkpoints)
        accelerator.wait_for_everyone()
        if not accelerator.is_main_process:
            save_rng(checkpoint_dir(self.output_dir, step), accelerator.process_index)
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            _LOG.info("checkpoint %s", target)


def train(config: TrainConfig, resume: str | Path | None = None, stop_at_step: int | None = None,
          progress: bool = True) -> TrainResult:
    return Trainer(config, progress).run(resume, stop_at_step)
