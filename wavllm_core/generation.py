"""Answering one request: the prompt scale once, then streamed decoding, with the figures a
researcher wants per answer (latency, speed, memory, the scale vector).

`stream_answer` yields text pieces as they are decoded and finally an `Answer`; a threading.Event
stops decoding at once (the UI's Stop button). Errors raised in the decoding thread reach the caller.
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from transformers import GenerationConfig, StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

from . import prompts
from .audio import AudioClip, load_audio
from .ctc_guidance import ctc_guidance
from .hub import LoadedModel
from .loop_guard import LoopStop, cut_loop
from .processing import Turn, normalize_instruction

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecodingSettings:
    """Published defaults: sampling at temperature 0.5, no top-k, top-p 1, at most 512 new tokens."""

    max_new_tokens: int = 512
    temperature: float = 0.5
    top_p: float = 1.0
    greedy: bool = False
    seed: int | None = None
    use_cache: bool = True
    # Transcripts guided by the frames' CTC read-out (ctc_guidance.py): None = the model's own weight
    # (config.transcript_ctc_weight) for a plain transcript request (prompts.asks_for_transcript),
    # plain decoding otherwise; 0 = off; a weight above 0 guides this reply, whatever the instruction.
    ctc_weight: float | None = None
    # A reply that falls into a loop is stopped there and its repeats cut off (loop_guard.py).
    stop_loops: bool = True

    def generation_config(self, base: GenerationConfig) -> GenerationConfig:
        if self.max_new_tokens < 1:
            raise ValueError("max new tokens must be at least 1")
        if self.ctc_weight is not None and not 0 <= self.ctc_weight <= 1:
            raise ValueError("the CTC weight must be between 0 (off) and 1")
        if not self.greedy and not (0 < self.temperature <= 5):
            raise ValueError("temperature must be above 0 and at most 5 (use greedy for deterministic output)")
        if not 0 < self.top_p <= 1:
            raise ValueError("top-p must be above 0 and at most 1")
        sampling = {} if self.greedy else {"temperature": self.temperature, "top_p": self.top_p, "top_k": 0}
        return GenerationConfig(
            do_sample=not self.greedy,
            max_new_tokens=self.max_new_tokens,
            use_cache=self.use_cache,
            bos_token_id=base.bos_token_id,
            eos_token_id=base.eos_token_id,
            pad_token_id=base.pad_token_id,
            **sampling,
        )


@dataclass
class Answer:
    """A finished answer and its figures."""

    text: str
    rendered_prompt: str
    audio_seconds: float
    audio_frames: int
    prompt_tokens: int
    new_tokens: int
    time_to_first_token_s: float
    tokens_per_s: float
    total_s: float
    prompt_scale_s: float
    peak_rss_mb: float
    peak_gpu_mb: float | None
    lora_scale: np.ndarray | None = field(repr=False)
    scale_max: float = 3.0
    stopped: bool = False
    warnings: tuple[str, ...] = ()
    ctc_weight: float | None = None  # the weight the reply was guided by its frames' CTC read-out at
    loop_cut: bool = False  # the reply fell into a loop: stopped there, the repeats cut off the text

    @property
    def lora_scale_mean(self) -> float | None:
        return None if self.lora_scale is None else float(self.lora_scale.mean())

    def stats(self) -> dict:
        """Every figure as plain JSON-ready values (the scale vector summarised)."""
        scale = self.lora_scale
        return {
            "text": self.text,
            "audio_seconds": round(self.audio_seconds, 3),
            "audio_frames": self.audio_frames,
            "prompt_tokens": self.prompt_tokens,
            "new_tokens": self.new_tokens,
            "time_to_first_token_s": round(self.time_to_first_token_s, 4),
            "tokens_per_s": round(self.tokens_per_s, 2),
            "total_s": round(self.total_s, 4),
            "prompt_scale_s": round(self.prompt_scale_s, 4),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_gpu_mb": None if self.peak_gpu_mb is None else round(self.peak_gpu_mb, 1),
            "lora_scale_mean": None if scale is None else round(float(scale.mean()), 5),
            "lora_scale_zero_fraction": None if scale is None else round(float((scale == 0).mean()), 5),
            "lora_scale_clamped_fraction": None if scale is None else round(float((scale >= self.scale_max).mean()), 5),
            "stopped": self.stopped,
            "ctc_weight": self.ctc_weight,
            "loop_cut": self.loop_cut,
            "warnings": list(self.warnings),
            "rendered_prompt": self.rendered_prompt,
        }


class _StopOnEvent(StoppingCriteria):
    def __init__(self, event: threading.Event):
        self.event = event

    def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class _TokenCounter(StoppingCriteria):
    """Counts decoding steps and marks the first one's time (never stops anything)."""

    def __init__(self) -> None:
        self.steps = 0
        self.first_at: float | None = None

    def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
        self.steps += 1
        if self.first_at is None:
            self.first_at = time.perf_counter()
        return torch.zeros((input_ids.shape[0],), dtype=torch.bool, device=input_ids.device)


def request_ctc_weight(settings: DecodingSettings, instruction: str, config) -> float | None:
    """The weight this request's reply is guided by its frames' CTC read-out at (None: plain decoding)."""
    if settings.ctc_weight is not None:
        return settings.ctc_weight or None
    return getattr(config, "transcript_ctc_weight", None) if prompts.asks_for_transcript(instruction) else None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_answer(
    loaded: LoadedModel,
    audio: AudioClip | object,
    instruction: str | None,
    settings: DecodingSettings = DecodingSettings(),
    history: Sequence[Turn] = (),
    stop: threading.Event | None = None,
) -> Iterator[str | Answer]:
    """Yield text pieces as they are decoded, then one `Answer` with the figures."""
    model, processor = loaded.model, loaded.processor
    clip = load_audio(audio)
    instruction = normalize_instruction(instruction)
    config = settings.generation_config(model.generation_config)
    ctc_weight = request_ctc_weight(settings, instruction, model.config)
    if settings.seed is not None:
        torch.manual_seed(settings.seed)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()

    streamer = TextIteratorStreamer(processor.tokenizer, skip_prompt=True, skip_special_tokens=True)
    counter, stop = _TokenCounter(), stop or threading.Event()
    failure: list[BaseException] = []
    prepared: list = []  # the model inputs, r, the seconds r took, and the new token ids

    def decode() -> None:
        """All of the answer's torch work (the features too: the Whisper feature extractor uses
        torch), in this thread that ends with it (`threads.py`)."""
        try:
            batch = processor(clip, instruction, history=history, max_new_tokens=settings.max_new_tokens)
            batch = batch.to(loaded.device)
            scale_started = time.perf_counter()
            with torch.no_grad():
                scale = model.compute_prompt_scale(batch["scale_input_ids"], batch["scale_attention_mask"])
            prepared.extend((batch, scale, time.perf_counter() - scale_started))
            guided = {}
            if ctc_weight:
                encoded = model.encode_batch(batch)
                guidance = ctc_guidance(model, processor.tokenizer, encoded, [True], ctc_weight, config)
                guided = {"encoder_outputs": encoded, "logits_processor": guidance}
            criteria = [counter, _StopOnEvent(stop)] + ([LoopStop()] if settings.stop_loops else [])
            ids = model.generate(
                **batch, lora_scale=scale, generation_config=config, streamer=streamer,
                stopping_criteria=StoppingCriteriaList(criteria), **guided,
            )
            prepared.append(ids[0].tolist())
        except BaseException as error:  # re-raised in the caller's thread below
            failure.append(error)
            streamer.end()

    started = time.perf_counter()
    worker = threading.Thread(target=decode, name="wavllm-generate", daemon=True)
    worker.start()
    pieces, finished = [], False
    try:
        for piece in streamer:
            if piece:
                pieces.append(piece)
                yield piece
        finished = True
    finally:  # also when the consumer abandons the stream: stop decoding instead of running on
        if not finished:
            stop.set()
        worker.join()
    if failure:
        raise failure[0]
    batch, scale, prompt_scale_s, ids = prepared
    text = "".join(pieces).strip()
    kept, looped = cut_loop(ids) if settings.stop_loops else (ids, False)
    if looped:
        text = processor.decode(kept).strip()
    total = time.perf_counter() - started
    first = (counter.first_at or time.perf_counter()) - started
    new_tokens = counter.steps
    decode_time = max(total - first, 1e-9)
    yield Answer(
        text=text,
        rendered_prompt=processor.render_prompt(instruction, clip.num_samples, history),
        audio_seconds=clip.duration_s,
        audio_frames=int(batch["audio_mask"].sum()),
        prompt_tokens=int(batch["attention_mask"].sum()),
        new_tokens=new_tokens,
        time_to_first_token_s=first,
        tokens_per_s=(new_tokens - 1) / decode_time if new_tokens > 1 else 0.0,
        total_s=total,
        prompt_scale_s=prompt_scale_s,
        peak_rss_mb=peak_rss_mb(),
        peak_gpu_mb=torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
        lora_scale=None if scale is None else scale[0].float().cpu().numpy(),
        scale_max=model.config.prompt_scale_max,
        stopped=stop.is_set(),
        warnings=clip.warnings,
        ctc_weight=ctc_weight,
        loop_cut=looped,
    )


def answer(
    loaded: LoadedModel,
    audio: AudioClip | object,
    instruction: str | None,
    settings: DecodingSettings = DecodingSettings(),
    history: Sequence[Turn] = (),
) -> Answer:
    """The whole answer at once (the last item of `stream_answer`)."""
    *_, result = stream_answer(loaded, audio, instruction, settings, history)
    return result
