"""The training configuration: one YAML file per run, checked for unknown keys and wrong types
before anything is loaded, so a typo fails in a second with the key's name, not as a silently
ignored setting. Relative paths are relative to the directory the command is run from."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PRECISIONS = ("no", "bf16", "fp16")
ALIGNMENT_VOCABULARIES = ("all", "transcripts")
ALIGNMENT_SOURCES = ("fused", "semantic")  # what the alignment loss scores (training/alignment.py)
VOICE_CONTRAST_SOURCES = ("acoustic", "fused")  # what the voice contrast scores (training/voice_contrast.py)
BASE_DTYPES = ("float32", "bfloat16", "float16")


class ConfigError(ValueError):
    """A training config that cannot be used; the message names the file and the key."""


@dataclass
class ManifestSpec:
    """One manifest of the mixture. `weight` is its share of each epoch's examples; `rows` keeps
    only the manifest's first rows (a shorter run on a prefix of a big generated set, whose
    encoder cache then covers only that prefix); `audio_only` drops the text-only rows (a
    bridge-only warm-up learns nothing from them)."""

    path: str
    weight: float = 1.0
    audio_root: str | None = None
    rows: int | None = None
    audio_only: bool = False


@dataclass
class TrainConfig:
    train: list[ManifestSpec]
    model: str = "tiny-random"
    output_dir: str = "artifacts/train"
    stage: int = 1
    # Stage 2 only: False trains plain LoRA (constant scale) instead, to measure the prompt adapter.
    prompt_aware: bool = True
    # False keeps the LoRA frozen: a bridge-only warm-up before LoRA joins (a separate run, then
    # init_from its trained parts).
    train_lora: bool = True
    # Weight of the auxiliary CTC loss on the fused audio frames (training/alignment.py); 0 is off.
    alignment_weight: float = 0.0
    # True: the loss is the alignment loss alone and the LLM never runs: bridge pretraining at a
    # fraction of a full step's cost per clip (stage 1 with train_lora: false; alignment_weight unused).
    alignment_only: bool = False
    # The tokens the alignment softmax runs over: "all", or "transcripts" (those the training
    # transcripts use, a fraction of the cost). Validation always scores all tokens.
    alignment_vocabulary: str = "all"
    # What the alignment loss scores: the "fused" frames, or only the "semantic" stream's part of
    # them, which leaves the acoustic part free to carry the voice (training/alignment.py).
    alignment_source: str = "fused"
    # Weight of the voice contrast (training/voice_contrast.py); 0 is off. Needs the manifests'
    # voices column.
    voice_contrast_weight: float = 0.0
    # What it scores: the "acoustic" part of the fused frames, or the "fused" frames themselves.
    voice_contrast_source: str = "acoustic"
    # Trained parts of an earlier stage (its trained.safetensors) loaded before training; a list is
    # loaded in order, a later file's tensors replacing an earlier's (e.g. a full model's parts,
    # then the bridges of an alignment_only run).
    init_from: str | list[str] | None = None
    validation: list[ManifestSpec] = field(default_factory=list)
    audio_root: str | None = None
    # task → instruction variants; "{prompt}" in a variant stands for the manifest's prompt.
    prompts: dict[str, list[str]] = field(default_factory=dict)
    seed: int = 0
    batch_size: int = 4
    grad_accum: int = 1
    max_steps: int = 1000
    # Examples per epoch of the mixture; default: the sum of the train manifests' rows.
    epoch_size: int | None = None
    # > 0: batches of similar length, drawn from windows of this many batches (less padding).
    length_buckets: int = 0
    learning_rate: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0
    scheduler: str = "linear"
    max_grad_norm: float | None = 1.0
    precision: str = "bf16"
    # The LLM's attention kernel for training ("eager", "sdpa"); None keeps the model's. On CPU,
    # eager is ~15 % faster than sdpa for the short bf16 sequences of a small model.
    attn_implementation: str | None = None
    base_dtype: str = "float32"
    device: str | None = None
    log_every: int = 10
    eval_every: int = 0
    # A chained run's step-0 validation repeats the previous run's last one (same parts, same rows).
    validate_at_start: bool = True
    save_every: int = 0
    keep_checkpoints: int = 2
    encoder_cache: str | None = None
    num_workers: int = 0

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"training config not found: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML: {error}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: object, source: str = "config") -> TrainConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping of settings at the top level")
        values = _checked(cls, data, source)
        for key in ("train", "validation"):
            specs = values.get(key, [])
            values[key] = [_checked_spec(spec, f"{source}: {key}[{i}]") for i, spec in enumerate(specs)]
        config = cls(**values)
        config.validate(source)
        return config

    def validate(self, source: str = "config") -> None:
        def fail(key: str, problem: str) -> None:
            raise ConfigError(f"{source}: {key}: {problem}")

        if not self.train:
            fail("train", "give at least one manifest")
        if self.stage not in (1, 2):
            fail("stage", f"must be 1 or 2, got {self.stage}")
        if self.precision not in PRECISIONS:
            fail("precision", f"must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.base_dtype not in BASE_DTYPES:
            fail("base_dtype", f"must be one of {', '.join(BASE_DTYPES)}, got {self.base_dtype!r}")
        for key in ("batch_size", "grad_accum", "max_steps"):
            if getattr(self, key) < 1:
                fail(key, "must be at least 1")
        for key in ("log_every", "eval_every", "save_every", "warmup_steps", "num_workers", "length_buckets"):
            if getattr(self, key) < 0:
                fail(key, "must not be negative")
        if self.keep_checkpoints < 1:
            fail("keep_checkpoints", "must be at least 1")
        if self.alignment_weight < 0:
            fail("alignment_weight", "must not be negative")
        if self.alignment_vocabulary not in ALIGNMENT_VOCABULARIES:
            fail("alignment_vocabulary", f"must be one of {', '.join(ALIGNMENT_VOCABULARIES)}, got {self.alignment_vocabulary!r}")
        if self.alignment_source not in ALIGNMENT_SOURCES:
            fail("alignment_source", f"must be one of {', '.join(ALIGNMENT_SOURCES)}, got {self.alignment_source!r}")
        if self.voice_contrast_source not in VOICE_CONTRAST_SOURCES:
            fail("voice_contrast_source",
                 f"must be one of {', '.join(VOICE_CONTRAST_SOURCES)}, got {self.voice_contrast_source!r}")
        if self.voice_contrast_weight < 0:
            fail("voice_contrast_weight", "must not be negative")
        if self.alignment_only and (self.train_lora or self.stage != 1):
            fail("alignment_only", "trains the bridges alone: set stage: 1 and train_lora: false")
        if isinstance(self.init_from, list) and not all(isinstance(path, str) and path for path in self.init_from):
            fail("init_from", "give a trained-parts path or a list of them")
        if self.learning_rate <= 0:
            fail("learning_rate", "must be above 0")
        for spec in self.train + self.validation:
            if spec.weight <= 0:
                fail("train", f"weight of {spec.path} must be above 0")
            if spec.rows is not None and spec.rows < 1:
                fail("train", f"rows of {spec.path} must be at least 1")
        for task, variants in self.prompts.items():
            if not variants or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in variants):
                fail(f"prompts.{task}", "give a list of one-line instruction variants")

    @property
    def init_paths(self) -> list[str]:
        if self.init_from is None:
            return []
        return [self.init_from] if isinstance(self.init_from, str) else list(self.init_from)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_yaml(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path


def _accepts(value: object, hint: object) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        return isinstance(value, list)
    if origin is dict:
        return isinstance(value, dict)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _checked(cls: type, data: dict, source: str) -> dict:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise ConfigError(f"{source}: missing setting(s) {', '.join(missing)}")
    values = {}
    for key, value in data.items():
        value = _yaml_float(value, hints[key])
        if not _accepts(value, hints[key]):
            raise ConfigError(f"{source}: {key}: expected {hints[key]}, got {value!r}")
        values[key] = float(value) if hints[key] is float else value
    return values


def _yaml_float(value: object, hint: object) -> object:
    """PyYAML reads 1e-4 (no dot) as a string: take it as the number it is meant to be."""
    wants_float = hint is float or float in typing.get_args(hint)
    if wants_float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _checked_spec(spec: object, source: str) -> ManifestSpec:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict):
        raise ConfigError(f"{source}: expected a manifest path or a mapping with path, weight, audio_root, rows, "
                          "audio_only")
    return ManifestSpec(**_checked(ManifestSpec, spec, source))
