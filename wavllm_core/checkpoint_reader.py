"""Reading the released fairseq pickle (`final.pt`) without running its code or loading it into RAM.

A pickle can name any Python callable, so a hostile or corrupted file could run code when loaded.
`torch.load(weights_only=True)` only rebuilds tensors and plain containers; on top of that, the few
configuration objects a fairseq checkpoint carries (argparse, omegaconf, numpy scalars) are
replaced by inert stand-ins that record their data and never import or run the real classes.
Everything else is refused, naming the global. The file is memory-mapped (`mmap=True`), so a 30 GB
checkpoint costs address space, not memory; `MappedPages.release` hands pages back after use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import mmap
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch

_LOG = logging.getLogger(__name__)

STATE_DICT_KEY = "model"  # where fairseq stores the weights
_SNIFF_BYTES = 1024
_ZIP_MAGIC = b"PK\x03\x04"
_MADV_DONTNEED = 4


class CheckpointError(ValueError):
    """A checkpoint file that cannot be converted; the message says why and what to do."""


class CheckpointNotFoundError(FileNotFoundError):
    """No file at the given path."""


class NotACheckpointError(CheckpointError):
    """The file is something else: a web page, text, an unrelated archive."""


class TruncatedCheckpointError(CheckpointError):
    """The file ends early, as after an interrupted download."""


class UnsafeCheckpointError(CheckpointError):
    """The pickle names Python objects that loading would have to construct or call."""

    def __init__(self, path: Path, refused: list[str]):
        self.refused = sorted(refused)
        super().__init__(
            f"refused to load {path}: its pickle asks for Python objects outside the allowed tensors, "
            f"containers and configuration values: {', '.join(self.refused)}. Nothing from it was run. "
            "A genuine WavLLM checkpoint does not need these; get the file again from the official "
            "release (`python -m wavllm_core download`)."
        )


class StandIn:
    """An inert placeholder for an allowed configuration object: it keeps the pickled arguments and
    state as plain data, and has no behaviour of the real class."""

    global_name: ClassVar[str] = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> StandIn:
        instance = object.__new__(cls)
        instance.args = args
        instance.state = None
        return instance

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<stand-in for {self.global_name}>"


# Configuration classes a fairseq checkpoint's `cfg` / `args` / metrics may hold. None of their
# behaviour is needed (sizes come from tensor shapes), only that the pickle can be read past them.
CONFIG_GLOBALS: tuple[str, ...] = (
    "argparse.Namespace",
    "omegaconf.dictconfig.DictConfig",
    "omegaconf.listconfig.ListConfig",
    "omegaconf.base.ContainerMetadata",
    "omegaconf.base.Metadata",
    "omegaconf.nodes.AnyNode",
    "omegaconf.nodes.StringNode",
    "omegaconf.nodes.IntegerNode",
    "omegaconf.nodes.FloatNode",
    "omegaconf.nodes.BooleanNode",
    "omegaconf.nodes.EnumNode",
    "omegaconf.nodes.BytesNode",
    "omegaconf.nodes.PathNode",
    "typing.Any",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "builtins.object",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.ndarray",
    "numpy.dtype",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
)


def _stand_in(global_name: str) -> type[StandIn]:
    return type(f"StandIn[{global_name}]", (StandIn,), {"global_name": global_name})


_STAND_INS: list[tuple[type[StandIn], str]] = [(_stand_in(name), name) for name in CONFIG_GLOBALS]


def check_checkpoint_file(path: str | Path) -> Path:
    """Fail fast, with a message a user can act on, when `path` is not a complete PyTorch zip checkpoint.

    Catches the two real-world failures of the original release links: an HTML error page saved as
    final.pt (pickle's "invalid load key, '<'") and a download cut short.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise CheckpointNotFoundError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise NotACheckpointError(f"{path} is a directory; pass the checkpoint file (final.pt)")
    size = path.stat().st_size
    if size == 0:
        raise TruncatedCheckpointError(f"{path} is empty (0 bytes): the download did not happen or was cut off")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path, size)
        return path
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in text:
        raise NotACheckpointError(
            f"{path} is a web page ({size} bytes of HTML), not a checkpoint: the link returned an error or "
            "sign-in page instead of the file. Delete it and fetch the release with `python -m wavllm_core download`."
        )
    if head.startswith(b"\x80"):
        raise NotACheckpointError(
            f"{path} is a bare pickle or a legacy (pre-1.6) torch.save file, not the zip format the release uses; "
            "it cannot be memory-mapped. Re-save it with a current PyTorch or use the official final.pt."
        )
    if _looks_like_text(head):
        preview = head[:80].decode("utf-8", "replace").strip()
        raise NotACheckpointError(f"{path} is a text file ({size} bytes), not a checkpoint; it starts with: {preview!r}")
    raise NotACheckpointError(f"{path} is not a PyTorch checkpoint (unrecognised first bytes {head[:8]!r})")


def _looks_like_text(head: bytes) -> bool:
    """No control bytes besides whitespace: binary formats have them within the first kilobyte."""
    return all(byte >= 32 or byte in b"\t\n\r" for byte in head)


def _check_zip(path: Path, size: int) -> None:
    truncated = TruncatedCheckpointError(
        f"{path} is incomplete ({size} bytes): the archive's end is missing, as after an interrupted "
        "download. Download it again (`python -m wavllm_core download` resumes where it stopped)."
    )
    if not zipfile.is_zipfile(path):
        raise truncated
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise TruncatedCheckpointError(f"{path} is a damaged archive ({error}); download it again") from None
    if any(member.header_offset + member.compress_size > size for member in members):
        raise truncated
    if not any(member.filename.endswith("/data.pkl") or member.filename == "data.pkl" for member in members):
        raise NotACheckpointError(f"{path} is a zip archive but not a PyTorch checkpoint (no data.pkl inside)")


@dataclass
class ReleaseCheckpoint:
    """The weights of a checkpoint (memory-mapped tensors) and its other entries (config, optimizer
    history...) as plain data and stand-ins."""

    path: Path
    state_dict: dict[str, torch.Tensor]
    extras: dict[str, Any] = field(default_factory=dict)


def read_checkpoint(path: str | Path) -> ReleaseCheckpoint:
    """Check, then memory-map a torch.save checkpoint with restricted unpickling.

    The weights are the `model` entry (fairseq) or, for a plain state dict, the top level.
    """
    path = check_checkpoint_file(path)
    with torch.serialization.safe_globals(_STAND_INS):
        try:
            # A static scan first, so that every refused global is named at once.
            refused = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        except pickle.UnpicklingError as error:
            raise UnsafeCheckpointError(path, [_refusal_detail(str(error))]) from None
        if refused:
            raise UnsafeCheckpointError(path, refused)
        try:
            loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except pickle.UnpicklingError as error:
            raise UnsafeCheckpointError(path, [_refusal_detail(str(error))]) from None
        except (RuntimeError, EOFError) as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise TruncatedCheckpointError(f"{path} could not be read ({detail}); download it again") from None
    return _split_weights(path, loaded)


def _refusal_detail(message: str) -> str:
    """The refused global, or the unpickler's own reason, out of torch's long advice text."""
    match = re.search(r"GLOBAL (\S+)", message)
    if match:
        return match.group(1)
    match = re.search(r"WeightsUnpickler error: *\n*\s*(.+)", message)
    return (match.group(1) if match else message.strip().splitlines()[-1]).strip()


def _split_weights(path: Path, loaded: Any) -> ReleaseCheckpoint:
    if not isinstance(loaded, dict):
        raise NotACheckpointError(f"{path} holds a {type(loaded).__name__}, not a dictionary of weights")
    if isinstance(loaded.get(STATE_DICT_KEY), dict):
        weights, extras = loaded[STATE_DICT_KEY], {str(k): v for k, v in loaded.items() if k != STATE_DICT_KEY}
    else:
        weights, extras = loaded, {}
    state = {str(k): v for k, v in weights.items() if isinstance(v, torch.Tensor)}
    if not state:
        raise NotACheckpointError(f"{path} holds no weight tensors (entries: {', '.join(map(str, loaded)) or 'none'})")
    skipped = sorted(str(k) for k, v in weights.items() if not isinstance(v, torch.Tensor))
    if skipped:
        _LOG.info("ignoring non-tensor entries of the state dict: %s", ", ".join(skipped))
    _LOG.info("read %d tensors from %s; other entries ignored: %s", len(state), path, ", ".join(extras) or "none")
    return ReleaseCheckpoint(path, state, extras)


class MappedPages:
    """Gives a memory-mapped file's pages back to the kernel once their tensors have been written out.

    Pages of a private, unmodified file mapping that have been read count towards the process's
    resident memory until dropped; dropping them (madvise MADV_DONTNEED) is safe because a later
    read faults them in from the file again. Only ranges inside the file's own mappings are ever
    touched, so an in-memory tensor can never be cleared by mistake. No-op where /proc or madvise
    is missing.
    """

    def __init__(self, path: Path):
        self._ranges = _mapped_ranges(Path(path).resolve())
        libc_name = ctypes.util.find_library("c")
        self._madvise = getattr(ctypes.CDLL(libc_name, use_errno=True), "madvise", None) if libc_name else None
        if self._madvise is not None:
            self._madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)

    def release(self, tensor: torch.Tensor) -> None:
        if self._madvise is None or not self._ranges:
            return
        storage = tensor.untyped_storage()
        start, end = storage.data_ptr(), storage.data_ptr() + storage.nbytes()
        start -= start % mmap.PAGESIZE
        for low, high in self._ranges:
            if low <= start and end <= high:
                self._madvise(start, end - start, _MADV_DONTNEED)
                return


def _mapped_ranges(path: Path) -> list[tuple[int, int]]:
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return []
    ranges = []
    for line in maps.read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5] == str(path):
            low, high = (int(value, 16) for value in parts[0].split("-"))
            ranges.append((low, high))
    return ranges
