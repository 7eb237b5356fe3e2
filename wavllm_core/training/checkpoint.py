"""Checkpoints for exact resume: trained parameters, optimizer, scheduler, gradient scaler, every
RNG state and the data position. Resuming replays the same batches with the same dropout masks,
so the result equals the uninterrupted run's bit for bit (on the same machine and settings).

Layout: OUTPUT/checkpoints/step-0000100/{trainable.safetensors (a trained-parts file, loadable
with `load_trained_parts`), optimizer.pt, scheduler.pt, scaler.pt, rng-<rank>.pt, state.json}.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .parts import load_trained_parts, save_trained_parts

STATE_FILE = "state.json"


def capture_rng() -> dict:
    numpy_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict) -> None:
    random.setstate(state["python"])
    name, key, *rest = state["numpy"]
    np.random.set_state((name, np.array(key, dtype=np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def checkpoint_dir(output_dir: str | Path, step: int) -> Path:
    return Path(output_dir) / "checkpoints" / f"step-{step:07d}"


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    root = Path(output_dir) / "checkpoints"
    found = [p for p in root.glob("step-*") if (p / STATE_FILE).is_file()] if root.is_dir() else []
    return sorted(found)


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    found = list_checkpoints(output_dir)
    return found[-1] if found else None


def save_rng(directory: Path, rank: int) -> None:
    torch.save(capture_rng(), directory / f"rng-{rank}.pt")


def save_checkpoint(
    output_dir: str | Path, model: nn.Module, optimizer, scheduler, scaler, state: dict, metadata: dict
) -> Path:
    """Write a complete checkpoint from the main process (rank 0, whose RNG state goes in too;
    other processes add theirs with `save_rng`). Written into a staging folder and renamed, so a
    crash never leaves half a checkpoint behind."""
    target = checkpoint_dir(output_dir, state["step"])
    staging = target.with_name(target.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    save_trained_parts(model, staging / "trainable.safetensors", metadata)
    torch.save(optimizer.state_dict(), staging / "optimizer.pt")
    torch.save(scheduler.state_dict(), staging / "scheduler.pt")
    torch.save(scaler.state_dict(), staging / "scaler.pt")
    save_rng(staging, 0)
    (staging / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    if target.exists():
        shutil.rmtree(target)
    staging.replace(target)
    return target


def load_checkpoint(directory: str | Path, model: nn.Module, optimizer, scheduler, scaler) -> dict:
    """Restore the parameters, optimizer, scheduler and scaler; return the saved state (step,
    position, config). RNG states come back separately (`load_rng`), last before the first step."""
    directory = Path(directory)
    if not (directory / STATE_FILE).is_file():
        raise FileNotFoundError(f"{directory} is not a training checkpoint (no {STATE_FILE})")
    load_trained_parts(model, directory / "trainable.safetensors")
    optimizer.load_state_dict(torch.load(directory / "optimizer.pt", weights_only=True))
    scheduler.load_state_dict(torch.load(directory / "scheduler.pt", weights_only=True))
    scaler.load_state_dict(torch.load(directory / "scaler.pt", weights_only=True))
    return json.loads((directory / STATE_FILE).read_text())


def load_rng(directory: str | Path, rank: int) -> None:
    rng_file = Path(directory) / f"rng-{rank}.pt"
    if not rng_file.is_file():
        raise FileNotFoundError(f"{rng_file} is missing: resume with as many processes as the run that saved it")
    restore_rng(torch.load(rng_file, weights_only=True))


def prune_checkpoints(output_dir: str | Path, keep: int) -> None:
    for old in list_checkpoints(output_dir)[:-keep]:
        shutil.rmtree(old)
