"""CTranslate2 `model.bin` → transformers' WhisperEncoder, without the ctranslate2 runtime.

The file (binary version 6, as written by `ctranslate2.specs.ModelSpec._serialize`) is:
uint32 version, string spec name, uint32 revision, uint32 count, then per variable: string name,
uint8 rank, uint32 dims[rank], uint8 dtype id, uint32 byte count, raw little-endian data; then
uint32 alias count and (alias, target) string pairs. A string is uint16 length (NUL included),
UTF-8 bytes, NUL. CTranslate2 fuses each encoder self-attention's q/k/v into one `linear_0` with a
zero bias slice for k (Whisper's k projection has no bias); the conversion splits it back.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

SUPPORTED_BINARY_VERSIONS = (6,)
# Order of CTranslate2's DataType enum (include/ctranslate2/types.h).
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}
# Whisper tiny.en shapes that the file does not store as numbers.
_TINY_DECODER_POSITIONS = 448


class CT2FormatError(ValueError):
    """A model.bin this reader cannot use; the message says what was found."""


@dataclass
class CT2Model:
    """The variables of a CTranslate2 model.bin, as numpy arrays (views into the file's bytes)."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]

    def __contains__(self, name: str) -> bool:
        return self.aliases.get(name, name) in self.variables


class _Cursor:
    def __init__(self, data: bytes, path: Path):
        self.data, self.offset, self.path = data, 0, path

    def take(self, fmt: str):
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.offset)
        except struct.error:
            raise CT2FormatError(f"{self.path} ends early at byte {self.offset}: truncated or not a model.bin") from None
        self.offset += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string(self) -> str:
        length = self.take("H")
        raw = self.data[self.offset : self.offset + length - 1]
        self.offset += length
        return raw.decode("utf-8")

    def array(self, dtype_id: int, shape: tuple[int, ...], nbytes: int) -> np.ndarray:
        if dtype_id not in _DTYPES:
            raise CT2FormatError(f"{self.path}: unknown data type id {dtype_id} at byte {self.offset}")
        raw = np.frombuffer(self.data, dtype=np.uint8, count=nbytes, offset=self.offset)
        self.offset += nbytes
        dtype = _DTYPES[dtype_id]
        if dtype == "bfloat16":  # numpy has no bfloat16: widen the top 16 bits of a float32
            return (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32).reshape(shape)
        return raw.view(dtype).reshape(shape)


def read_ct2_model(path: str | Path) -> CT2Model:
    """Parse a CTranslate2 model.bin (a file, or the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.bin"
    if not path.is_file():
        raise FileNotFoundError(f"CTranslate2 model file not found: {path}")
    cursor = _Cursor(path.read_bytes(), path)
    version = cursor.take("I")
    if version not in SUPPORTED_BINARY_VERSIONS:
        raise CT2FormatError(
            f"{path} is CTranslate2 binary version {version}; this reader knows version(s) "
            f"{', '.join(map(str, SUPPORTED_BINARY_VERSIONS))}"
        )
    spec, revision = cursor.string(), cursor.take("I")
    variables = {}
    for _ in range(cursor.take("I")):
        name = cursor.string()
        shape = tuple(cursor.take("I") for _ in range(cursor.take("B")))
        dtype_id, nbytes = cursor.take("B"), cursor.take("I")
        variables[name] = cursor.array(dtype_id, shape, nbytes)
    aliases = {}
    for _ in range(cursor.take("I")):
        alias = cursor.string()
        aliases[alias] = cursor.string()
    return CT2Model(spec, revision, variables, aliases)


def _layer_count(model: CT2Model, prefix: str) -> int:
    count = 0
    while f"{prefix}/layer_{count}/ffn/linear_0/weight" in model:
        count += 1
    return count


def whisper_config_from_ct2(model: CT2Model) -> WhisperConfig:
    """A WhisperConfig with the file's shapes (sizes are read from tensor shapes, heads from num_heads)."""
    if model.spec != "WhisperSpec":
        raise CT2FormatError(f"expected a CTranslate2 Whisper model (WhisperSpec), got {model.spec!r}")
    d_model, mels, _ = model["encoder/conv1/weight"].shape
    return WhisperConfig(
        d_model=int(d_model),
        num_mel_bins=int(mels),
        encoder_layers=_layer_count(model, "encoder"),
        encoder_attention_heads=int(model["encoder/num_heads"]),
        encoder_ffn_dim=int(model["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        max_source_positions=int(model["encoder/position_encodings/encodings"].shape[0]),
        decoder_layers=_layer_count(model, "decoder"),
        decoder_attention_heads=int(model["decoder/num_heads"]),
        decoder_ffn_dim=int(model["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        max_target_positions=int(model["decoder/position_encodings/encodings"].shape[0])
        if "decoder/position_encodings/encodings" in model else _TINY_DECODER_POSITIONS,
        vocab_size=int(model["decoder/embeddings/weight"].shape[0]),
    )


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(array, dtype=np.float32))


def whisper_encoder_state_dict(model: CT2Model) -> dict[str, torch.Tensor]:
    """The encoder's weights under transformers' WhisperEncoder names, in float32."""
    state = {
        "conv1.weight": model["encoder/conv1/weight"], "conv1.bias": model["encoder/conv1/bias"],
        "conv2.weight": model["encoder/conv2/weight"], "conv2.bias": model["encoder/conv2/bias"],
        "embed_positions.weight": model["encoder/position_encodings/encodings"],
        "layer_norm.weight": model["encoder/layer_norm/gamma"], "layer_norm.bias": model["encoder/layer_norm/beta"],
    }
    for i in range(_layer_count(model, "encoder")):
        src, dst = f"encoder/layer_{i}", f"layers.{i}"
        qkv_weight = model[f"{src}/self_attention/linear_0/weight"]
        qkv_bias = model[f"{src}/self_attention/linear_0/bias"]
        q_w, k_w, v_w = np.split(qkv_weight, 3, axis=0)
        q_b, k_b, v_b = np.split(qkv_bias, 3)
        if np.any(k_b != 0):
            raise CT2FormatError(f"{src}: the fused key bias is not zero, so this is not a Whisper attention layer")
        state.update({
            f"{dst}.self_attn.q_proj.weight": q_w, f"{dst}.self_attn.q_proj.bias": q_b,
            f"{dst}.self_attn.k_proj.weight": k_w,
            f"{dst}.self_attn.v_proj.weight": v_w, f"{dst}.self_attn.v_proj.bias": v_b,
            f"{dst}.self_attn.out_proj.weight": model[f"{src}/self_attention/linear_1/weight"],
            f"{dst}.self_attn.out_proj.bias": model[f"{src}/self_attention/linear_1/bias"],
            f"{dst}.self_attn_layer_norm.weight": model[f"{src}/self_attention/layer_norm/gamma"],
            f"{dst}.self_attn_layer_norm.bias": model[f"{src}/self_attention/layer_norm/beta"],
            f"{dst}.fc1.weight": model[f"{src}/ffn/linear_0/weight"], f"{dst}.fc1.bias": model[f"{src}/ffn/linear_0/bias"],
            f"{dst}.fc2.weight": model[f"{src}/ffn/linear_1/weight"], f"{dst}.fc2.bias": model[f"{src}/ffn/linear_1/bias"],
            f"{dst}.final_layer_norm.weight": model[f"{src}/ffn/layer_norm/gamma"],
            f"{dst}.final_layer_norm.bias": model[f"{src}/ffn/layer_norm/beta"],
        })
    return {name: _tensor(value) for name, value in state.items()}


def load_whisper_encoder(path: str | Path) -> WhisperEncoder:
    """A float32 WhisperEncoder holding the CTranslate2 file's encoder weights, in eval mode."""
    model = read_ct2_model(path)
    encoder = WhisperEncoder(whisper_config_from_ct2(model))
    missing, unexpected = encoder.load_state_dict(whisper_encoder_state_dict(model), strict=False)
    if missing or unexpected:
        raise CT2FormatError(f"the converted encoder does not fit WhisperEncoder: missing {missing}, unexpected {unexpected}")
    return encoder.eval()
