"""Frozen-encoder features for training, and their on-disk cache.

The encoders never train, so their outputs can be computed once per clip and reused every epoch.
What is kept for the acoustic branch is every hidden state, not their mix (as `encode_audio` gives
them): the softmax layer weights that mix them are trained in stage 1, in `bridge_audio`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from ..modeling import AUDIO_INPUTS, EncoderOutputs, WavLLMForConditionalGeneration
from .manifest import ManifestRow

_LOG = logging.getLogger(__name__)


class ClipFeatures(NamedTuple):
    """One clip's frozen features: semantic (frames, dim), acoustic layers (layers + 1, frames, dim)."""

    semantic: torch.Tensor
    acoustic_layers: torch.Tensor


def extract_features(model: WavLLMForConditionalGeneration, batch: Mapping[str, torch.Tensor]) -> list[ClipFeatures]:
    """Run both frozen encoders once over a processor batch."""
    encoded = model.encode_batch(batch)
    return [ClipFeatures(s, a) for s, a in zip(encoded.semantic, encoded.acoustic)]


def as_encoder_outputs(features: list[ClipFeatures], device: torch.device) -> EncoderOutputs:
    """Cached features as `forward(encoder_outputs=...)` takes them."""
    return EncoderOutputs([f.semantic.to(device) for f in features], [f.acoustic_layers.to(device) for f in features])


def encoder_fingerprint(model: WavLLMForConditionalGeneration) -> str:
    """Identifies the encoders' weights cheaply (config plus a sample of every tensor), so a cache
    written for other encoder weights is never read."""
    digest = hashlib.sha1()
    for encoder in (model.semantic_encoder.model, model.acoustic_encoder.model):
        digest.update(json.dumps(encoder.config.to_dict(), sort_keys=True, default=str).encode())
        for name, tensor in encoder.state_dict().items():
            flat = tensor.detach().flatten()
            digest.update(name.encode())
            digest.update(flat[:64].float().cpu().numpy().tobytes())
            digest.update(flat[-64:].float().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def _stored(tensor: torch.Tensor) -> torch.Tensor:
    """fp16 on disk: half the space and read time of fp32, and well inside the encoders' own
    precision (the released encoders were fp16-trained Whisper / WavLM)."""
    return tensor.detach().to("cpu", torch.float16).contiguous()


class EncoderCache:
    """One safetensors file per clip (fp16), keyed by encoder weights, audio file (path, size, mtime) and span."""

    def __init__(self, directory: str | Path, fingerprint: str):
        self.directory = Path(directory) / fingerprint
        self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(row: ManifestRow) -> str:
        stat = row.audio.stat()
        text = f"{row.audio.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{row.start_frame}|{row.end_frame}"
        return hashlib.sha1(text.encode()).hexdigest()

    def _path(self, row: ManifestRow) -> Path:
        return self.directory / f"{self.key(row)}.safetensors"

    def has(self, row: ManifestRow) -> bool:
        return self._path(row).is_file()

    def get(self, row: ManifestRow) -> ClipFeatures | None:
        path = self._path(row)
        if not path.is_file():
            return None
        tensors = load_file(path)
        return ClipFeatures(tensors["semantic"].float(), tensors["acoustic_layers"].float())

    def put(self, row: ManifestRow, features: ClipFeatures) -> None:
        path = self._path(row)
        staging = path.with_name(path.name + ".partial")
        save_file({"semantic": _stored(features.semantic), "acoustic_layers": _stored(features.acoustic_layers)}, staging)
        staging.replace(path)

    def get_all(self, rows: list[ManifestRow]) -> list[ClipFeatures] | None:
        """Features for every row, or None when any is missing."""
        found = []
        for row in rows:
            features = self.get(row)
            if features is None:
                return None
            found.append(features)
        return found

    def fill(self, model: WavLLMForConditionalGeneration, processor, rows: Iterable[ManifestRow], progress: bool = True) -> int:
        """Compute and store the features of every audio row not cached yet; return how many."""
        todo = {self.key(row): row for row in rows if row.with_speech and not self.has(row)}
        device = next(model.parameters()).device
        for row in tqdm(list(todo.values()), desc="encoder cache", unit="clip", disable=not progress):
            batch = processor(row.load_clip(), "", response="")  # audio tensors only; no answer budget
            inputs = {name: batch[name].to(device) for name in AUDIO_INPUTS}
            self.put(row, extract_features(model, inputs)[0])
        if todo:
            _LOG.info("cached encoder features of %d clips in %s", len(todo), self.directory)
        return len(todo)
