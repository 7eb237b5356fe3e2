"""Desktop recording from the default microphone: `python -m wavllm_core record --seconds 5 --out me.wav`.

sounddevice loads the PortAudio C library when it is imported, so it is imported only here, when a
recording is asked for: everything else works on machines without audio hardware. A missing library
or microphone ends in a `RecordingError` that says what to install or plug in.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import soundfile as sf

from .audio import SAMPLE_RATE

_LOG = logging.getLogger(__name__)

MAX_SECONDS = 600.0
_PORTAUDIO_HINT = "install PortAudio (Debian/Ubuntu: `sudo apt-get install libportaudio2`; macOS: `brew install portaudio`)"


class RecordingError(ValueError):
    """Recording is impossible here (no PortAudio, no microphone) or was asked for wrongly."""


def _sounddevice() -> ModuleType:
    try:
        return importlib.import_module("sounddevice")
    except OSError as error:  # raised by sounddevice when libportaudio cannot be loaded
        raise RecordingError(f"cannot record: the PortAudio library is missing ({error}); {_PORTAUDIO_HINT}") from error
    except ImportError as error:
        raise RecordingError("cannot record: the `sounddevice` package is not installed (`pip install sounddevice`)") from error


def record(seconds: float, out: str | Path, device: int | str | None = None) -> Path:
    """Record `seconds` of mono 16 kHz audio from the microphone into a PCM16 WAV file at `out`."""
    if not 0 < seconds <= MAX_SECONDS:
        raise RecordingError(f"--seconds must be above 0 and at most {MAX_SECONDS:.0f}, not {seconds}")
    out = Path(out)
    if not out.parent.is_dir():
        raise RecordingError(f"cannot write {out}: the folder {out.parent} does not exist")
    sd = _sounddevice()
    try:
        info = sd.query_devices(device, kind="input")
        _LOG.info("recording %.1f s from %s", seconds, info.get("name", "the default input"))
        samples = sd.rec(int(round(seconds * SAMPLE_RATE)), samplerate=SAMPLE_RATE, channels=1,
                         dtype="float32", device=device)
        sd.wait()
    except (sd.PortAudioError, ValueError) as error:
        raise RecordingError(
            f"cannot record: no usable microphone ({error}). Plug one in or pick one with --device "
            "(`python -m sounddevice` lists them)."
        ) from error
    sf.write(out, np.asarray(samples, dtype=np.float32).reshape(-1), SAMPLE_RATE, subtype="PCM_16")
    return out


def cmd_record(args: argparse.Namespace) -> int:
    path = record(args.seconds, args.out, args.device)
    sys.stdout.write(f"wrote {args.seconds:g} s to {path}\n")
    return 0


def _device(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("record", help="record from the microphone into a 16 kHz mono WAV file")
    parser.add_argument("--seconds", type=float, required=True, help=f"how long to record (at most {MAX_SECONDS:.0f})")
    parser.add_argument("--out", required=True, help="WAV file to write")
    parser.add_argument("--device", type=_device, default=None, help="input device number or name (default: the system's)")
    parser.set_defaults(run=cmd_record)
