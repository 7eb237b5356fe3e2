"""The trained parts of a model in one small safetensors file that loads on top of the base weights.

Only what training changed is stored (bridges, fusion, layer weights, LoRA, and the prompt adapter
after stage 2): megabytes, not the 30 GB of the whole model. The metadata records the stage and the
LoRA scale mode, so a stage-1 file is used with the constant scale it was trained with.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

FORMAT = "wavllm-trained-parts/1"


class TrainedPartsError(ValueError):
    """A trained-parts file that does not fit the model it is loaded into."""


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters that require grad, detached on CPU (what a stage trained)."""
    return {name: p.detach().cpu().contiguous() for name, p in model.named_parameters() if p.requires_grad}


def save_trained_parts(model: nn.Module, path: str | Path, metadata: dict | None = None) -> Path:
    """Write the trainable parameters and the LoRA scale mode (plus `metadata`) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {"format": FORMAT, "lora_scale_mode": model.config.lora_scale_mode, **(metadata or {})}
    staging = path.with_name(path.name + ".partial")
    save_file(trainable_state(model), staging, metadata={k: json.dumps(v) for k, v in info.items()})
    staging.replace(path)
    return path


def read_parts_metadata(path: str | Path) -> dict:
    with safe_open(str(path), framework="pt") as handle:
        raw = handle.metadata() or {}
    return {key: json.loads(value) for key, value in raw.items()}


def load_trained_parts(model: nn.Module, path: str | Path) -> list[str]:
    """Copy a trained-parts file into `model` (in place) and set its LoRA scale mode; return the
    names loaded. Every name and shape is checked first, so a mismatch changes nothing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"trained parts not found: {path}")
    try:
        metadata = read_parts_metadata(path)
    except Exception as error:  # safetensors raises its own error types for a damaged header
        raise TrainedPartsError(f"{path} is not a safetensors file: {error}") from None
    if metadata.get("format") != FORMAT:
        raise TrainedPartsError(f"{path} is not a WavLLM trained-parts file (format {metadata.get('format')!r})")
    params = dict(model.named_parameters())
    with safe_open(str(path), framework="pt") as handle:
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    unknown = sorted(set(tensors) - set(params))
    if unknown:
        raise TrainedPartsError(f"{path} has parameters this model lacks: {', '.join(unknown[:5])}")
    wrong = [f"{n} {tuple(t.shape)} vs {tuple(params[n].shape)}" for n, t in tensors.items() if t.shape != params[n].shape]
    if wrong:
        raise TrainedPartsError(f"{path} was trained for a model of another size: {'; '.join(wrong[:3])}")
    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].dtype))
    model.config.lora_scale_mode = metadata.get("lora_scale_mode", model.config.lora_scale_mode)
    return sorted(tensors)
