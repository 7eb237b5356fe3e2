"""Assemble wavllm-mini-base: pretrained Whisper tiny.en, GE2E and SmolLM2, fresh bridges and LoRA.

The three parts come from PyPI packages (see `parts.py`); the bridges, fusion, LoRA (B zero, so the
LLM starts exactly as SmolLM2) and the prompt adapter are initialised from a fixed seed and still
need training. Sizes follow the published ratios, scaled to the parts: each subsampler's first
convolution keeps the encoder width, the adapters are 256 wide with a 128 bottleneck, and the two
projectors give 288 + 288 = 576 channels, SmolLM2's width, for the fusion, as 2048 + 2048 feed
LLaMA-2's 4096. The prompt follows SmolLM2's own ChatML template instead of LLaMA-2's.

Whisper runs on 8 s pieces instead of its native 30 s: the encoder's cost on a CPU is set by the
padded piece length (about 0.07 s against 0.36 s per clip), and keeping the first 400 rows of its
sinusoidal position table changes the output over the real frames very little (cosine ≥ 0.99).
"""

from __future__ import annotations

import json
import logging
import shutil
from importlib import metadata
from pathlib import Path

import torch
from transformers import LlamaConfig, PreTrainedConfig, WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from ..config import WavLLMConfig
from ..hub import is_model_dir, models_dir
from ..modeling import WavLLMForConditionalGeneration
from ..processing import WavLLMProcessor
from .ct2_whisper import load_whisper_encoder
from .ge2e import GE2EConfig, load_ge2e
from .parts import ALL_PARTS, GE2E_SPEAKER, WHISPER_TINY_EN, locate
from .smollm2 import end_of_turn_id, ensure_converted, load_converted

_LOG = logging.getLogger(__name__)

MINI_BASE_NAME = "wavllm-mini-base"
PROVENANCE_FILE = "wavllm-mini.json"
# Short: every training row carries it, and on a CPU each token of it costs training time.
MINI_SYSTEM_PROMPT = "You are a helpful speech assistant."
# SmolLM2's ChatML template, with the audio frames first in the user turn.
CHATML_PREFIX = "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n"
CHATML_SUFFIX = " {instruction}<|im_end|>\n<|im_start|>assistant\n"
CHATML_NEXT_TURN = "\n<|im_start|>user\n{instruction}<|im_end|>\n<|im_start|>assistant\n"
LORA_TARGET_SUFFIXES = ("lora_A", "lora_B")
# 400 encoder frames = 800 mel frames = 8 s pieces.
SEMANTIC_PIECE_POSITIONS = 400
# Raised whenever the built base changes, so an older build in the cache is rebuilt.
BUILD_VERSION = 3


def mini_config(
    semantic: WhisperConfig, acoustic: PreTrainedConfig, text: LlamaConfig, end_of_turn: int
) -> WavLLMConfig:
    """The wavllm-mini WavLLMConfig for these part configs; `end_of_turn` becomes EOS and pad."""
    text = LlamaConfig.from_dict({**text.to_dict(), "eos_token_id": end_of_turn, "pad_token_id": end_of_turn})
    half = text.hidden_size // 2
    return WavLLMConfig(
        semantic_config=semantic,
        acoustic_config=acoustic,
        text_config=text,
        semantic_subsampler_channels=(semantic.d_model, 512),
        acoustic_subsampler_channels=(acoustic.hidden_size, 512),
        adapter_bottleneck=128,
        projector_dim=half,
        lora_rank=8,
        lora_dropout=0.0,  # its random masks cost a quarter of a CPU step; ~1 epoch needs no dropout
        prompt_adapter_dim=256,
        prompt_bos=False,
        system_prompt=MINI_SYSTEM_PROMPT,
        prompt_prefix=CHATML_PREFIX,
        prompt_suffix=CHATML_SUFFIX,
        next_turn_template=CHATML_NEXT_TURN,
        audio_token_id=0,
    )


def shorten_whisper_pieces(encoder: WhisperEncoder, positions: int = SEMANTIC_PIECE_POSITIONS) -> WhisperEncoder:
    """The same encoder for pieces of `positions` frames: the first rows of its position table kept."""
    table = encoder.embed_positions.weight
    if positions > table.shape[0]:
        raise ValueError(f"the encoder has {table.shape[0]} positions; cannot use pieces of {positions}")
    config = WhisperConfig.from_dict({**encoder.config.to_dict(), "max_source_positions": positions})
    shorter = WhisperEncoder(config)
    state = {**encoder.state_dict(), "embed_positions.weight": table[:positions].detach().clone()}
    shorter.load_state_dict(state, strict=True)
    return shorter.eval()


def _load_llm_weights(model: WavLLMForConditionalGeneration, source: dict[str, torch.Tensor]) -> None:
    """SmolLM2's weights into the LoRA-wrapped LLM (q_proj.weight → q_proj.base_layer.weight)."""
    target = model.language_model
    wanted = [name for name in target.state_dict() if not name.endswith(LORA_TARGET_SUFFIXES)]
    missing = [name for name in wanted if name.replace(".base_layer.", ".") not in source]
    if missing:
        raise ValueError(f"the converted SmolLM2 lacks {len(missing)} weights, e.g. {missing[:3]}")
    target.load_state_dict({name: source[name.replace(".base_layer.", ".")] for name in wanted}, strict=False)


def _provenance() -> dict:
    def version(distribution: str) -> str | None:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return None

    return {
        "name": MINI_BASE_NAME,
        "build_version": BUILD_VERSION,
        "semantic_piece_seconds": SEMANTIC_PIECE_POSITIONS * 2 * 160 / 16_000,
        "parts": [
            {"part": part.title, "package": part.distribution, "version": version(part.distribution), "file": part.relative_path}
            for part in ALL_PARTS
        ],
        "acoustic_encoder": "GE2E speaker LSTM in WavLM's slot (no WavLM weights can be had without a model hub)",
        "untrained": ["semantic_bridge", "acoustic_bridge", "fusion", "lora (B = 0)", "prompt_adapter", "acoustic layer_weights"],
    }


def assemble_mini_base(parts_dir: str | Path | None = None, seed: int = 0) -> tuple[WavLLMForConditionalGeneration, WavLLMProcessor]:
    """The wavllm-mini model and processor in memory: pretrained parts loaded, the rest seeded."""
    semantic = shorten_whisper_pieces(load_whisper_encoder(locate(WHISPER_TINY_EN)))
    acoustic = load_ge2e(locate(GE2E_SPEAKER), GE2EConfig())
    llm, tokenizer = load_converted(ensure_converted(parts_dir))
    config = mini_config(semantic.config, acoustic.config, llm.config, end_of_turn_id(tokenizer))
    torch.manual_seed(seed)
    model = WavLLMForConditionalGeneration(config)
    model.semantic_encoder.model.load_state_dict(semantic.state_dict(), strict=True)
    model.acoustic_encoder.model.load_state_dict(acoustic.state_dict(), strict=True)
    _load_llm_weights(model, llm.state_dict())
    return model.eval(), WavLLMProcessor(config, tokenizer)


def is_current_build(directory: Path) -> bool:
    """A complete build whose provenance records this BUILD_VERSION (older ones lack or differ)."""
    try:
        recorded = json.loads((directory / PROVENANCE_FILE).read_text()).get("build_version")
    except (OSError, ValueError):
        return False
    return is_model_dir(directory) and recorded == BUILD_VERSION


def build_mini_base(
    out_dir: str | Path | None = None, force: bool = False, parts_dir: str | Path | None = None, seed: int = 0
) -> Path:
    """Write wavllm-mini-base (default: the model cache) once; a current build is kept unless `force`,
    one from an older BUILD_VERSION is replaced."""
    target = Path(out_dir).expanduser() if out_dir else models_dir() / MINI_BASE_NAME
    if is_current_build(target) and not force:
        _LOG.info("%s already exists; pass force to rebuild it", target)
        return target
    if is_model_dir(target):
        _LOG.info("%s is an older build; rebuilding it", target)
    for part in ALL_PARTS:  # every missing package is named before any slow step
        locate(part)
    model, processor = assemble_mini_base(parts_dir, seed)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    (staging / PROVENANCE_FILE).write_text(json.dumps(_provenance(), indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    _LOG.info("wrote %s", target)
    return target

