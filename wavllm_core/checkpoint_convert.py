"""The released WavLLM checkpoint → a `from_pretrained` directory of this project.

Three jobs, in order: infer every size from tensor shapes (the release stores no numbers, and
hard-codes 32 LLM heads); map each release name to exactly one name of
`WavLLMForConditionalGeneration(config).state_dict()` (that set is the authority: anything left
over on either side is an error that lists it); write sharded safetensors one shard at a time
from the memory-mapped source, so memory stays near one shard whatever the checkpoint's size.

Meta's LLaMA interleaves rotary pairs (0,1), (2,3), ...; Hugging Face's LLaMA rotates halves.
The q and k rows are permuted as transformers' `convert_llama_weights_to_hf` does, the LoRA B
columns of q and k the same way, and the prompt scale r, which is indexed in the release's
channel order, is read through the same index by the model (`lora_scale_rotary_permuted`).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from tqdm.auto import tqdm
from transformers import LlamaConfig, WavLMConfig, WhisperConfig

from .checkpoint_reader import CheckpointError, MappedPages, read_checkpoint
from .config import WavLLMConfig
from .hub import is_model_dir
from .modeling import WavLLMForConditionalGeneration
from .prompt_lora import rotary_channel_permutation
from .tokenization import TOKENIZER_FILE, SentencePieceTokenizer

_LOG = logging.getLogger(__name__)

LLAMA = "gpt_model.model_llama."
WHISPER = "audio_encoder.model."
WAVLM = "wavlm_encoder.model."
RELEASE_PREFIXES = ("gpt_model.", "audio_encoder.", "wavlm_encoder.", "wavlm_audio_proj.")
DROPPED_PREFIXES = ("audio_proj.",)  # present in the release, used by nothing
RELEASE_LLM_HEADS = 32  # hard-coded in the release whatever the width
WHISPER_HEAD_DIM = 64  # every released Whisper size
WAV2VEC2_CONV_STRIDES = (5, 2, 2, 2, 2, 2, 2)  # the only layout WavLM was released with
WAVLM_MAX_BUCKET_DISTANCE = 800
RELEASE_CONSTANTS = {  # not visible in shapes; the published values
    "lora_dropout": 0.1,
    "prompt_scale_max": 3.0,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "max_position_embeddings": 2048,
}
INDEX_FILE = "model.safetensors.index.json"
DEFAULT_SHARD_BYTES = 1 << 30
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class OutputExistsError(ValueError):
    """The output directory is taken."""


class NotWavLLMError(CheckpointError):
    """A valid checkpoint of some other model."""


class CheckpointKeysError(CheckpointError):
    """Weights the model needs that the file lacks, or weights the file has that map to nothing."""

    def __init__(self, missing: list[str] = (), unexpected: list[str] = (), wrong_shape: list[str] = ()):
        self.missing, self.unexpected, self.wrong_shape = list(missing), list(unexpected), list(wrong_shape)
        parts = [
            f"{label} ({len(names)}): {_listing(names)}"
            for label, names in (
                ("missing", self.missing), ("unexpected", self.unexpected), ("wrong shape", self.wrong_shape)
            )
            if names
        ]
        super().__init__(
            "the checkpoint does not match the WavLLM release layout; " + "; ".join(parts)
            + ". Is this the official final.pt, complete and unmodified?"
        )


def _listing(names: list[str], limit: int = 40) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", and {len(names) - limit} more" if len(names) > limit else "")


# Names ----------------------------------------------------------------------------------------

_PLACEHOLDERS = {"n": r"\d+", "rest": r".+", "bridge": r"subsample|adapter|projector", "vo": "[vo]", "p": "[qkvo]"}


@dataclass(frozen=True)
class KeyRule:
    """One naming rule, usable both ways; `rotary` names the projection whose channels it permutes."""

    release: str
    target: str
    rotary: str | None = None  # "q_rows", "k_rows", "q_cols" or "k_cols"

    def apply(self, name: str, source: str, destination: str) -> str | None:
        pattern = re.escape(source)
        for placeholder, regex in _PLACEHOLDERS.items():
            pattern = pattern.replace(re.escape("{" + placeholder + "}"), f"(?P<{placeholder}>{regex})")
        match = re.fullmatch(pattern, name)
        return destination.format(**match.groupdict()) if match else None


def _rules() -> tuple[KeyRule, ...]:
    layer, ours = LLAMA + "layers.{n}.", "language_model.model.layers.{n}."
    rules = [
        KeyRule(LLAMA + "tok_embeddings.weight", "language_model.model.embed_tokens.weight"),
        KeyRule(LLAMA + "norm.weight", "language_model.model.norm.weight"),
        KeyRule(LLAMA + "output.weight", "language_model.lm_head.weight"),
    ]
    for p in "qk":
        rules += [
            KeyRule(layer + f"attention.w{p}.weight", ours + f"self_attn.{p}_proj.base_layer.weight", f"{p}_rows"),
            KeyRule(layer + f"attention.w{p}_lora_B", ours + f"self_attn.{p}_proj.lora_B", f"{p}_cols"),
        ]
    rules += [
        KeyRule(layer + "attention.w{vo}.weight", ours + "self_attn.{vo}_proj.base_layer.weight"),
        KeyRule(layer + "attention.w{vo}_lora_B", ours + "self_attn.{vo}_proj.lora_B"),
        KeyRule(layer + "attention.w{p}_lora_A", ours + "self_attn.{p}_proj.lora_A"),
        KeyRule(layer + "feed_forward.w1.weight", ours + "mlp.gate_proj.weight"),
        KeyRule(layer + "feed_forward.w3.weight", ours + "mlp.up_proj.weight"),
        KeyRule(layer + "feed_forward.w2.weight", ours + "mlp.down_proj.weight"),
        KeyRule(layer + "attention_norm.weight", ours + "input_layernorm.weight"),
        KeyRule(layer + "ffn_norm.weight", ours + "post_attention_layernorm.weight"),
        KeyRule(LLAMA + "scale_fc_1.{rest}", "prompt_adapter.fc1.{rest}"),
        KeyRule(LLAMA + "scale_fc_2.{rest}", "prompt_adapter.fc2.{rest}"),
        KeyRule(LLAMA + "scale_weight_attention.{rest}", "prompt_adapter.pool.{rest}"),
        KeyRule(WHISPER + "{rest}", "semantic_encoder.model.{rest}"),
        KeyRule("audio_encoder.{bridge}.{rest}", "semantic_bridge.{bridge}.{rest}"),
        # torch 2.0's weight norm (weight_g / weight_v) is a parametrization in current torch.
        KeyRule(WAVLM + "{rest}.weight_g", "acoustic_encoder.model.{rest}.parametrizations.weight.original0"),
        KeyRule(WAVLM + "{rest}.weight_v", "acoustic_encoder.model.{rest}.parametrizations.weight.original1"),
        KeyRule(WAVLM + "{rest}", "acoustic_encoder.model.{rest}"),
        KeyRule("wavlm_encoder.output_weights", "acoustic_encoder.layer_weights"),
        KeyRule("wavlm_encoder.{bridge}.{rest}", "acoustic_bridge.{bridge}.{rest}"),
        KeyRule("wavlm_audio_proj.{rest}", "fusion.proj.{rest}"),
    ]
    return tuple(rules)


KEY_RULES = _rules()


def target_name(release_name: str) -> tuple[str, str | None] | None:
    """This project's name for a release weight, and the rotary permutation it needs (if any)."""
    for rule in KEY_RULES:
        name = rule.apply(release_name, rule.release, rule.target)
        if name is not None:
            return name, rule.rotary
    return None


def release_name(target: str) -> str | None:
    """The release's name for one of this project's weights (for error messages)."""
    for rule in KEY_RULES:
        name = rule.apply(target, rule.target, rule.release)
        if name is not None:
            return name
    return None


# Sizes ----------------------------------------------------------------------------------------


def _shape(state: dict[str, torch.Tensor], key: str) -> tuple[int, ...]:
    if key not in state:
        raise CheckpointKeysError(missing=[key])
    return tuple(state[key].shape)


def _count(state: Iterable[str], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    indices = {int(m.group(1)) for key in state if (m := pattern.match(key))}
    return max(indices) + 1 if indices else 0


def _whisper_config(state: dict[str, torch.Tensor]) -> WhisperConfig:
    d_model, mels, _ = _shape(state, WHISPER + "conv1.weight")
    if d_model % WHISPER_HEAD_DIM:
        raise CheckpointError(f"Whisper width {d_model} is not a multiple of {WHISPER_HEAD_DIM}: not a released Whisper size")
    layers = _count(state, WHISPER + "layers.")
    ffn = _shape(state, WHISPER + "layers.0.fc1.weight")[0]
    heads = d_model // WHISPER_HEAD_DIM
    return WhisperConfig(
        d_model=d_model, encoder_layers=layers, encoder_attention_heads=heads, encoder_ffn_dim=ffn,
        decoder_layers=layers, decoder_attention_heads=heads, decoder_ffn_dim=ffn, num_mel_bins=mels,
        max_source_positions=_shape(state, WHISPER + "embed_positions.weight")[0],
    )


def _wavlm_config(state: dict[str, torch.Tensor]) -> WavLMConfig:
    convs = _count(state, WAVLM + "feature_extractor.conv_layers.")
    if convs != len(WAV2VEC2_CONV_STRIDES):
        raise CheckpointError(f"the WavLM feature encoder has {convs} conv layers; released WavLMs have 7")
    conv = [_shape(state, WAVLM + f"feature_extractor.conv_layers.{i}.conv.weight") for i in range(convs)]
    hidden = _shape(state, WAVLM + "feature_projection.projection.weight")[0]
    attention = WAVLM + "encoder.layers.0.attention."
    positional = _shape(state, WAVLM + "encoder.pos_conv_embed.conv.weight_v")  # (hidden, hidden / groups, kernel)
    layer_norm_everywhere = WAVLM + "feature_extractor.conv_layers.1.layer_norm.weight" in state
    masked = WAVLM + "masked_spec_embed" in state
    return WavLMConfig(
        hidden_size=hidden,
        num_hidden_layers=_count(state, WAVLM + "encoder.layers."),
        num_attention_heads=_shape(state, attention + "gru_rel_pos_const")[1],
        intermediate_size=_shape(state, WAVLM + "encoder.layers.0.feed_forward.intermediate_dense.weight")[0],
        conv_dim=tuple(shape[0] for shape in conv),
        conv_kernel=tuple(shape[2] for shape in conv),
        conv_stride=WAV2VEC2_CONV_STRIDES,
        conv_bias=WAVLM + "feature_extractor.conv_layers.0.conv.bias" in state,
        feat_extract_norm="layer" if layer_norm_everywhere else "group",
        do_stable_layer_norm=layer_norm_everywhere,
        num_conv_pos_embeddings=positional[2],
        num_conv_pos_embedding_groups=hidden // positional[1],
        num_buckets=_shape(state, attention + "rel_attn_embed.weight")[0],
        max_bucket_distance=WAVLM_MAX_BUCKET_DISTANCE,
        # The masking embedding exists only when masking is configured; it is never used at inference.
        mask_time_prob=0.05 if masked else 0.0,
        mask_feature_prob=0.0,
    )


def _llama_config(state: dict[str, torch.Tensor]) -> LlamaConfig:
    vocab, hidden = _shape(state, LLAMA + "tok_embeddings.weight")
    if hidden % RELEASE_LLM_HEADS:
        raise CheckpointError(f"LLM width {hidden} is not divisible by the release's {RELEASE_LLM_HEADS} heads")
    head_dim = hidden // RELEASE_LLM_HEADS
    return LlamaConfig(
        hidden_size=hidden,
        num_hidden_layers=_count(state, LLAMA + "layers."),
        num_attention_heads=RELEASE_LLM_HEADS,
        num_key_value_heads=_shape(state, LLAMA + "layers.0.attention.wk.weight")[0] // head_dim,
        intermediate_size=_shape(state, LLAMA + "layers.0.feed_forward.w1.weight")[0],
        vocab_size=vocab,
        rms_norm_eps=RELEASE_CONSTANTS["rms_norm_eps"],
        rope_theta=RELEASE_CONSTANTS["rope_theta"],
        max_position_embeddings=RELEASE_CONSTANTS["max_position_embeddings"],
        bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
    )


def infer_config(state: dict[str, torch.Tensor]) -> WavLLMConfig:
    """A WavLLMConfig whose every size comes from the release's tensor shapes."""
    if not any(key.startswith(RELEASE_PREFIXES) for key in state):
        preview = ", ".join(sorted(state)[:5])
        raise NotWavLLMError(
            "this is not a WavLLM checkpoint: it has none of the release's weights (gpt_model.model_llama.*, "
            f"audio_encoder.*, wavlm_encoder.*); it looks like another model (first keys: {preview})"
        )
    bridges = {}
    for branch in ("audio_encoder", "wavlm_encoder"):
        bridges[branch] = (
            tuple(_shape(state, f"{branch}.subsample.conv_layers.{i}.weight")[0] for i in (0, 1)),
            _shape(state, f"{branch}.adapter.down_layer.weight")[0],
            _shape(state, f"{branch}.projector.weight")[0],
        )
    if bridges["audio_encoder"][1:] != bridges["wavlm_encoder"][1:]:
        raise CheckpointError(f"the two bridges differ in adapter/projector sizes ({bridges}); the release's are equal")
    targets = [f"{p}_proj" for p in "qkvo" if f"{LLAMA}layers.0.attention.w{p}_lora_A" in state]
    if not targets:
        raise CheckpointKeysError(missing=[f"{LLAMA}layers.0.attention.wq_lora_A"])
    text = _llama_config(state)
    return WavLLMConfig(
        semantic_config=_whisper_config(state),
        acoustic_config=_wavlm_config(state),
        text_config=text,
        semantic_subsampler_channels=bridges["audio_encoder"][0],
        acoustic_subsampler_channels=bridges["wavlm_encoder"][0],
        adapter_bottleneck=bridges["audio_encoder"][1],
        projector_dim=bridges["audio_encoder"][2],
        lora_rank=_shape(state, f"{LLAMA}layers.0.attention.w{targets[0][0]}_lora_A")[1],
        lora_dropout=RELEASE_CONSTANTS["lora_dropout"],
        lora_targets=targets,
        lora_scale_mode="prompt",
        lora_scale_rotary_permuted=True,
        prompt_adapter_dim=_shape(state, LLAMA + "scale_fc_1.weight")[0],
        prompt_scale_max=RELEASE_CONSTANTS["prompt_scale_max"],
    )


# Plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorPlan:
    source: str
    target: str
    rotary: str | None


def plan_conversion(state: dict[str, torch.Tensor], config: WavLLMConfig) -> list[TensorPlan]:
    """One plan per target weight, in the release's order; every mismatch with the model is listed."""
    with torch.device("meta"):
        expected = {name: tuple(t.shape) for name, t in WavLLMForConditionalGeneration(config).state_dict().items()}
    plans, unexpected, wrong_shape, dropped = [], [], [], []
    for name, tensor in state.items():
        if name.startswith(DROPPED_PREFIXES):
            dropped.append(name)
            continue
        mapped = target_name(name)
        if mapped is None or mapped[0] not in expected:
            unexpected.append(name)
            continue
        target, rotary = mapped
        if tuple(tensor.shape) != expected[target]:
            wrong_shape.append(f"{name} {tuple(tensor.shape)} (needs {expected[target]})")
        plans.append(TensorPlan(name, target, rotary))
    produced = {plan.target for plan in plans}
    missing = [release_name(name) or name for name in expected if name not in produced]
    if missing or unexpected or wrong_shape:
        raise CheckpointKeysError(missing, unexpected, wrong_shape)
    if dropped:
        _LOG.info("dropping %d weights the model does not use: %s", len(dropped), _listing(dropped, 8))
    return plans


def _rotary_index(config: WavLLMConfig, projection: str) -> torch.Tensor:
    text = config.text_config
    head_dim = text.hidden_size // text.num_attention_heads
    heads = text.num_attention_heads if projection == "q" else text.num_key_value_heads
    return rotary_channel_permutation(heads, head_dim)


def _converted(tensor: torch.Tensor, rotary: str | None, config: WavLLMConfig, dtype: torch.dtype) -> torch.Tensor:
    """Meta's row q/k order → Hugging Face's: W rows and LoRA B columns, hf = meta[index]."""
    if rotary is not None:
        projection, axis = rotary.split("_")
        tensor = tensor.index_select(0 if axis == "rows" else 1, _rotary_index(config, projection))
    return tensor.to(dtype).contiguous()


# Writing --------------------------------------------------------------------------------------


def _nbytes(tensor: torch.Tensor, dtype: torch.dtype) -> int:
    return tensor.numel() * torch.empty((), dtype=dtype).element_size()


def _shards(plans: list[TensorPlan], sizes: dict[str, int], limit: int) -> list[list[TensorPlan]]:
    shards: list[list[TensorPlan]] = [[]]
    used = 0
    for plan in plans:
        if shards[-1] and used + sizes[plan.source] > limit:
            shards.append([])
            used = 0
        shards[-1].append(plan)
        used += sizes[plan.source]
    return shards


def write_shards(
    state: dict[str, torch.Tensor],
    plans: list[TensorPlan],
    config: WavLLMConfig,
    directory: Path,
    dtype: torch.dtype,
    shard_bytes: int,
    pages: MappedPages,
) -> int:
    """Sharded safetensors and their index; returns the total bytes written. At most one shard's
    tensors are resident at a time: each shard's source pages are handed back once it is written."""
    sizes = {plan.source: _nbytes(state[plan.source], dtype) for plan in plans}
    shards = _shards(plans, sizes, shard_bytes)
    weight_map: dict[str, str] = {}
    with tqdm(total=sum(sizes.values()), unit="B", unit_scale=True, desc="converting", disable=None) as progress:
        for number, shard in enumerate(shards, start=1):
            filename = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
            tensors = {}
            for plan in shard:
                source = state[plan.source]
                tensors[plan.target] = _converted(source, plan.rotary, config, dtype)
                if tensors[plan.target].data_ptr() != source.data_ptr():
                    pages.release(source)  # a converted copy: the source pages are done with now
                weight_map[plan.target] = filename
            save_file(tensors, directory / filename, metadata={"format": "pt"})
            (directory / filename).chmod(0o644)  # safetensors creates it owner-only; the rest of the directory is not
            for plan in shard:
                pages.release(state[plan.source])
            progress.update(sum(sizes[plan.source] for plan in shard))
            del tensors
    total = sum(sizes.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (directory / INDEX_FILE).write_text(json.dumps(index, indent=2) + "\n")
    return total


def _model_card(config: WavLLMConfig, source: str, parameters: int, dtype: str, dropped: int) -> str:
    text, semantic, acoustic = config.text_config, config.semantic_config, config.acoustic_config
    return f"""---
library_name: wavllm-studio
tags: [speech, audio-language-model, wavllm, llama-2, whisper, wavlm]
---
# WavLLM (converted)

WavLLM (Hu et al., 2024, arXiv 2404.00656): a Whisper encoder for content and a WavLM encoder for
the speaker, subsampling bridges, fusion, and LLaMA-2-chat with a prompt-aware LoRA.

Converted by WavLLM Studio from `{source}`, the authors' fairseq checkpoint (hosted in the
Hugging Face repository `v-sjhu/WavLLM`). {parameters / 1e9:.2f} B parameters, stored as {dtype}.

| part | sizes (from the checkpoint's shapes) |
|---|---|
| Whisper encoder | d={semantic.d_model}, {semantic.encoder_layers} layers, {semantic.num_mel_bins} mel bins |
| WavLM | d={acoustic.hidden_size}, {acoustic.num_hidden_layers} layers |
| LLaMA | d={text.hidden_size}, {text.num_hidden_layers} layers, {text.num_attention_heads} heads, vocab {text.vocab_size} |
| prompt-aware LoRA | rank {config.lora_rank} on {", ".join(config.lora_targets)}; prompt adapter {config.prompt_adapter_dim} |

Conversion: Meta-style LLaMA names → Hugging Face names; q/k rows and LoRA B columns permuted from
interleaved to half-split rotary layout, with the prompt scale read through the same permutation
(`lora_scale_rotary_permuted`); WavLM weight norm renamed to its parametrization; {dropped} unused
weight(s) (`audio_proj`) dropped. Nothing else is changed.

```python
from wavllm_core.hub import load_model
loaded = load_model("wavllm-7b", load_in_4bit=True)  # or the path of this directory
```
or `python -m wavllm_core ask --model wavllm-7b --4bit --audio clip.wav --prompt "..."`.

Licences: the WavLLM release (microsoft/SpeechT5, MIT); the LLaMA-2 weights are under the Llama 2
Community License, Whisper under MIT, WavLM under the terms of its release.
"""


@dataclass(frozen=True)
class ConversionResult:
    directory: Path
    config: WavLLMConfig
    tensors: int
    bytes_written: int


def _check_disk_space(directory: Path, needed: int) -> None:
    existing = directory
    while not existing.exists():
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    if free < needed:
        raise CheckpointError(
            f"converting needs {needed / 1e9:.1f} GB free in {existing}, but only {free / 1e9:.1f} GB are; "
            "free some space or pass --out on another disk"
        )


def load_tokenizer_for(tokenizer: str | Path | None, checkpoint: Path) -> SentencePieceTokenizer:
    """The given SentencePiece model, else a tokenizer.model beside the checkpoint."""
    path = Path(tokenizer).expanduser() if tokenizer else checkpoint.parent / TOKENIZER_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"no tokenizer at {path}: pass --tokenizer with the stock LLaMA SentencePiece model "
            "(tokenizer.model); `python -m wavllm_core download` fetches one"
        )
    try:
        return SentencePieceTokenizer.from_file(path)
    except RuntimeError as error:
        raise CheckpointError(f"{path} is not a SentencePiece model ({error})") from None


def convert_checkpoint(
    checkpoint: str | Path,
    out: str | Path,
    tokenizer: str | Path | None = None,
    dtype: str = "float32",
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    force: bool = False,
    source_label: str | None = None,
) -> ConversionResult:
    """Convert the release checkpoint into `out`, written in a side directory and moved in place at the end."""
    checkpoint, out = Path(checkpoint).expanduser(), Path(out).expanduser()
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if shard_bytes <= 0:
        raise ValueError("the shard size must be positive")
    if out.exists() and any(out.iterdir()):
        if not is_model_dir(out):
            raise OutputExistsError(f"{out} exists and is not a model directory; choose another --out")
        if not force:
            raise OutputExistsError(f"{out} already holds a model; pass --force to replace it")
    sp = load_tokenizer_for(tokenizer, checkpoint)
    release = read_checkpoint(checkpoint)
    pages = MappedPages(release.path)
    state = release.state_dict
    config = infer_config(state)
    config.dtype = DTYPES[dtype]
    if sp.vocab_size > config.text_config.vocab_size or (sp.bos_token_id, sp.eos_token_id) != (1, 2):
        raise CheckpointError(
            f"the tokenizer ({sp.vocab_size} pieces, BOS {sp.bos_token_id}, EOS {sp.eos_token_id}) does not fit the "
            f"model (vocabulary {config.text_config.vocab_size}, BOS 1, EOS 2): use the stock LLaMA tokenizer.model"
        )
    plans = plan_conversion(state, config)
    _check_disk_space(out.parent, sum(_nbytes(state[p.source], DTYPES[dtype]) for p in plans) + (1 << 20))

    staging = out.with_name(f".{out.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        written = write_shards(state, plans, config, staging, DTYPES[dtype], shard_bytes, pages)
        config.save_pretrained(staging)
        sp.save(staging)
        parameters = sum(state[p.source].numel() for p in plans)
        card = _model_card(config, source_label or checkpoint.name, parameters, dtype, len(state) - len(plans))
        (staging / "README.md").write_text(card)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a half-written model must not be mistaken for one
        raise
    if out.exists():
        shutil.rmtree(out)
    staging.replace(out)
    _LOG.info("wrote %d tensors (%.2f GB) to %s", len(plans), written / 1e9, out)
    return ConversionResult(out, config, len(plans), written)
