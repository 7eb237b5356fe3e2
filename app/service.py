"""The loaded model every handler shares: one generation at a time, switching, and friendly errors.

Gradio's queue already runs one model event at a time (they share a concurrency group); the lock
here makes the same promise to any other caller, because the model holds per-request state while
decoding (the prompt-aware LoRA scale). Each browser session registers its running request so that
Stop reaches the right generation and a second Submit from the same session is refused.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import torch

from wavllm_core import cot, generation
from wavllm_core.audio import AudioClip, AudioError, load_audio, silence_like
from wavllm_core.generation import Answer, DecodingSettings
from wavllm_core.hub import (
    AUTO,
    OFFICIAL_NAME,
    RANDOM_PRESETS,
    LoadedModel,
    ModelNotFoundError,
    default_model_name,
    is_model_dir,
    load_model,
    models_dir,
    resolve_model_dir,
)
from wavllm_core.processing import InputTooLongError, Turn

_LOG = logging.getLogger(__name__)

_STILL_RUNNING = "An answer is still being generated; press Stop or wait for it to finish."
MODEL_QUEUE = "model"  # Gradio concurrency group of every event that uses the model: one at a time


class ServiceBusyError(RuntimeError):
    """Something the user asked for has to wait for, or be stopped before, a running generation."""


@dataclass(frozen=True)
class ModelInfo:
    """What the Model panel and the banner show about the loaded model."""

    name: str
    directory: str
    parameters: int
    quantization: str
    device: str
    memory_mb: float
    untrained: bool
    summary: str = ""


def friendly_error(error: BaseException) -> str:
    """One line a user can act on, whatever went wrong; never a traceback."""
    if isinstance(error, InputTooLongError):
        return f"Too long: {error}"
    if isinstance(error, AudioError):
        return f"Audio problem: {error}"
    if isinstance(error, ModelNotFoundError):
        return f"Model not found: {error}"
    if isinstance(error, ServiceBusyError):
        return str(error)
    if isinstance(error, (ValueError, FileNotFoundError)):
        return f"Cannot do that: {error}"
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return "Out of GPU memory: try a shorter recording, fewer new tokens, or load the model in 4-bit."
    _LOG.exception("unexpected error", exc_info=error)
    return f"Something went wrong ({type(error).__name__}: {error}). The server log has the details."


def refusal(error: BaseException) -> gr.Error:
    """The page's error toast for a refused request (a user mistake, so no server traceback)."""
    return gr.Error(friendly_error(error), duration=15, title="Not done", print_exception=False)


def _drained(iterator: Iterator) -> None:
    for _ in iterator:
        pass


class ModelService:
    """Owns the loaded model; every generation and every switch goes through here."""

    def __init__(
        self,
        model: str = AUTO,
        load_in_4bit: bool = False,
        device: str | None = None,
        loader: Callable[..., LoadedModel] = load_model,
    ):
        self._loader = loader
        self._device = device
        self._model_lock = threading.Lock()
        self._sessions_lock = threading.Lock()
        self._running: dict[str, threading.Event] = {}
        self.loaded: LoadedModel = loader(model, load_in_4bit=load_in_4bit, device=device)

    # The loaded model ----------------------------------------------------------------------

    def info(self) -> ModelInfo:
        loaded = self._current_model()
        return ModelInfo(
            name=loaded.name, directory=str(loaded.directory), parameters=loaded.parameters,
            quantization=loaded.quantization, device=loaded.device,
            memory_mb=loaded.model.get_memory_footprint() / 2**20, untrained=loaded.untrained,
            summary=loaded.summary,
        )

    def _current_model(self) -> LoadedModel:
        loaded = self.loaded
        if loaded is None:
            raise ServiceBusyError("A model is being loaded; try again in a moment.")
        return loaded

    @property
    def processor(self):
        return self._current_model().processor

    @property
    def busy(self) -> bool:
        return self._model_lock.locked()

    @staticmethod
    def choices() -> list[str]:
        """Names the Model panel offers: presets, the official model, and models in the cache."""
        cached = sorted(p.name for p in models_dir().glob("*") if is_model_dir(p)) if models_dir().is_dir() else []
        return list(dict.fromkeys([default_model_name(), *sorted(RANDOM_PRESETS), OFFICIAL_NAME, *cached]))

    def switch(self, name_or_dir: str, load_in_4bit: bool = False) -> ModelInfo:
        """Load another model. Refused while a generation runs; the current model stays on failure."""
        name_or_dir = (name_or_dir or "").strip() or AUTO
        resolve_model_dir(name_or_dir)  # a missing model fails here, before anything is unloaded
        if not self._model_lock.acquire(blocking=False):
            raise ServiceBusyError("A generation is running; the model was not switched. "
                                   "Wait for it to finish (or press Stop), then load the model again.")
        try:
            previous = self.loaded
            self.loaded = None  # type: ignore[assignment]  # let the old weights go before loading new ones
            self._release_memory()
            try:
                self.loaded = self._loader(name_or_dir, load_in_4bit=load_in_4bit, device=self._device)
            except BaseException:
                self.loaded = previous
                raise
            del previous
            self._release_memory()
            _LOG.info("switched to %s (%s)", self.loaded.name, self.loaded.quantization)
        finally:
            self._model_lock.release()
        return self.info()

    @staticmethod
    def _release_memory() -> None:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # Sessions: Stop and double submits ---------------------------------------------------

    def ensure_idle(self, session_id: str) -> None:
        """Refuse a second request from a session whose first one is still running."""
        if self.is_running(session_id):
            raise ServiceBusyError(_STILL_RUNNING)

    def begin(self, session_id: str) -> threading.Event:
        """Register a new request for this session; its Event is what Stop sets."""
        with self._sessions_lock:
            if session_id in self._running:
                raise ServiceBusyError(_STILL_RUNNING)
            event = self._running[session_id] = threading.Event()
            return event

    def stop(self, session_id: str) -> bool:
        """Stop this session's request (running or still waiting in the queue)."""
        with self._sessions_lock:
            event = self._running.get(session_id)
        if event is None:
            return False
        event.set()
        return True

    def finish(self, session_id: str) -> None:
        with self._sessions_lock:
            self._running.pop(session_id, None)

    def current(self, session_id: str) -> threading.Event | None:
        """The Stop event of this session's registered request, if any."""
        with self._sessions_lock:
            return self._running.get(session_id)

    def is_running(self, session_id: str) -> bool:
        with self._sessions_lock:
            return session_id in self._running

    # Generation ------------------------------------------------------------------------------

    @contextmanager
    def exclusive(self):
        """Hold the loaded model for one generation (or a series of them, e.g. a model taking a quiz)."""
        with self._model_lock:
            yield self.loaded

    def _guarded(self, make: Callable[[LoadedModel], Iterator], stop: threading.Event) -> Iterator:
        """Iterate `make(loaded)` holding the model; if abandoned, stop decoding and wait for it."""
        with self.exclusive() as loaded:
            inner = make(loaded)
            finished = False
            try:
                yield from inner
                finished = True
            finally:
                if not finished:
                    stop.set()
                    _drained(inner)

    def check(self, audio: object, instruction: str | None, settings: DecodingSettings,
              history: Sequence[Turn] = ()) -> AudioClip:
        """Everything that can be refused before queueing: the audio, the settings, the fit."""
        loaded = self._current_model()
        clip = load_audio(audio)
        settings.generation_config(loaded.model.generation_config)
        loaded.processor.check(clip, instruction, history=history, max_new_tokens=settings.max_new_tokens)
        return clip

    def stream(self, audio: object, instruction: str | None, settings: DecodingSettings,
               history: Sequence[Turn] = (), stop: threading.Event | None = None,
               silence: bool = False) -> Iterator[str | Answer]:
        """Text pieces then an `Answer`; with `silence`, the same request with the audio all zeros."""
        stop = stop or threading.Event()
        clip = load_audio(audio)
        if silence:
            clip = silence_like(clip)
        return self._guarded(
            lambda loaded: generation.stream_answer(loaded, clip, instruction, settings, history, stop), stop
        )

    def stream_steps(self, audio: object, plan: cot.StepPlan, strategy: str, settings: DecodingSettings,
                     history: Sequence[Turn] = (), stop: threading.Event | None = None) -> Iterator[cot.CoTRun]:
        stop = stop or threading.Event()
        clip = load_audio(audio)
        return self._guarded(
            lambda loaded: cot.run_steps(loaded, clip, plan, strategy, settings, history, stop), stop
        )

    def answer(self, audio: object, instruction: str | None, settings: DecodingSettings) -> Answer:
        *_, result = self.stream(audio, instruction, settings)
        return result


def sample_dir() -> Path:
    """The bundled example recordings (the only repository folder the app serves files from)."""
    return Path(__file__).resolve().parent.parent / "assets" / "samples"
