"""Measured peak GPU memory per model and quantization, kept so `info` can show real figures
beside the estimates without loading a 7 B model just to print them."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from .hub import wavllm_home

_LOG = logging.getLogger(__name__)


def measurements_file() -> Path:
    return wavllm_home() / "measured_memory.json"


@dataclass(frozen=True)
class PeakMeasurement:
    model: str
    quantization: str
    device: str
    peak_gpu_mb: float
    audio_seconds: float

    def describe(self) -> str:
        return (f"{self.model} {self.quantization} on {self.device}: {self.peak_gpu_mb / 1024:.2f} GB peak "
                f"for a {self.audio_seconds:.0f} s clip")


def measured_peaks() -> list[PeakMeasurement]:
    path = measurements_file()
    if not path.is_file():
        return []
    try:
        return [PeakMeasurement(**row) for row in json.loads(path.read_text())]
    except (ValueError, TypeError) as error:
        _LOG.warning("ignoring unreadable %s: %s", path, error)
        return []


def record_peak(measurement: PeakMeasurement) -> None:
    """Keep the largest peak seen per (model, quantization, device)."""
    key = (measurement.model, measurement.quantization, measurement.device)
    rows = {(m.model, m.quantization, m.device): m for m in measured_peaks()}
    if key not in rows or rows[key].peak_gpu_mb < measurement.peak_gpu_mb:
        rows[key] = measurement
    path = measurements_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(m) for m in rows.values()], indent=1))
