"""Speech for generated practice sets: the Debian `flite` synthesizer and its built-in voices.

flite runs offline, is fast (~0.02 s a sentence) and its voices are told apart easily, which is what
a two-speaker listening item needs. A missing program or voice is a user error with the install
command in the message, found before any set is half written.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from ..audio import SAMPLE_RATE

_LOG = logging.getLogger(__name__)

# kal is kal16 at 8 kHz (the same speaker) and awb_time only speaks clock times: neither is offered.
MALE_VOICES: tuple[str, ...] = ("rms", "awb", "kal16")
FEMALE_VOICES: tuple[str, ...] = ("slt",)
INSTALL_HINT = "install it with `sudo apt-get install flite` (or `make setup`, which installs system packages)"
# A call that stalls (a busy machine, a process paused and resumed) is tried again before a run of
# thousands of clips stops on it.
ATTEMPTS = 2


class TTSUnavailableError(FileNotFoundError):
    """No usable speech synthesizer or voice; the message says how to install one."""


class FliteTTS:
    """Synthesizes one line of text with one flite voice, as float32 samples at 16 kHz."""

    def __init__(self, binary: str = "flite", duration_stretch: float = 1.0, timeout_s: float = 60.0):
        self.binary = binary
        self.duration_stretch = duration_stretch
        self.timeout_s = timeout_s
        self._voices: tuple[str, ...] | None = None

    def _program(self) -> str:
        found = shutil.which(self.binary)
        if found is None:
            raise TTSUnavailableError(f"no TTS voice is installed: the speech synthesizer {self.binary!r} "
                                      f"was not found; {INSTALL_HINT}")
        return found

    def voices(self) -> tuple[str, ...]:
        """The voices this flite build has (`flite -lv`)."""
        if self._voices is None:
            listing = self._run([self._program(), "-lv"]).stdout
            self._voices = tuple(listing.split(":", 1)[-1].split())
        return self._voices

    def require(self, wanted: Sequence[str]) -> tuple[str, ...]:
        """The voices of `wanted` that are installed; an error naming them when none is."""
        have = [voice for voice in wanted if voice in self.voices()]
        if not have:
            raise TTSUnavailableError(f"no TTS voice is installed: flite has none of {', '.join(wanted)} "
                                      f"(it lists: {', '.join(self.voices()) or 'nothing'}); {INSTALL_HINT}")
        return tuple(have)

    def synthesize(self, text: str, voice: str, settings: Mapping[str, float] | None = None) -> np.ndarray:
        """`settings` are flite voice features (`--setf name=value`), e.g. duration_stretch or
        int_f0_target_mean (the mean pitch in Hz), overriding this synthesizer's own stretch."""
        if voice not in self.voices():
            raise TTSUnavailableError(f"flite has no voice {voice!r}; installed: {', '.join(self.voices())}")
        features = {"duration_stretch": self.duration_stretch} if self.duration_stretch != 1.0 else {}
        features.update(settings or {})
        with tempfile.TemporaryDirectory(prefix="wavllm-tts-") as folder:
            out = Path(folder) / "line.wav"
            command = [self._program(), "-voice", voice]
            for name, value in features.items():
                command += ["--setf", f"{name}={value}"]
            self._run(command + ["-t", text, "-o", str(out)])
            samples, rate = sf.read(out, dtype="float32", always_2d=True)
        mono = samples.mean(axis=1)
        if rate != SAMPLE_RATE:
            mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
        _LOG.debug("flite %s: %.2f s for %r", voice, len(mono) / SAMPLE_RATE, text)
        return np.ascontiguousarray(mono, dtype=np.float32)

    def _run(self, command: list[str]) -> subprocess.CompletedProcess:
        for _ in range(ATTEMPTS - 1):
            try:
                return self._run_once(command)
            except subprocess.TimeoutExpired:
                _LOG.warning("%s did not finish within %g s; trying again", self.binary, self.timeout_s)
        try:
            return self._run_once(command)
        except subprocess.TimeoutExpired as error:
            raise TTSUnavailableError(f"{self.binary} did not finish within {self.timeout_s:g} s, "
                                      f"{ATTEMPTS} times in a row") from error

    def _run_once(self, command: list[str]) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(command, capture_output=True, text=True, check=True, timeout=self.timeout_s)
        except FileNotFoundError as error:
            raise TTSUnavailableError(f"no TTS voice is installed: cannot run {self.binary!r}; {INSTALL_HINT}") from error
        except subprocess.CalledProcessError as error:
            raise TTSUnavailableError(f"{self.binary} failed ({error.returncode}): {error.stderr.strip()}") from error
