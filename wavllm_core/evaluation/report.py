"""An evaluation's results: the per-task table for the terminal, and JSON and CSV files that keep
every hypothesis, so any score can be checked row by row."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..training.tasks import TASK_NAMES
from .scoring import RowResult, TaskScore

_METRIC_LABELS = {"wer": "WER %", "bleu": "BLEU", "accuracy": "accuracy %"}


@dataclass
class EvalReport:
    model: str
    manifest: str
    settings: dict
    scores: dict[str, TaskScore]
    rows: list[RowResult]
    elapsed_s: float
    trained_parts: str | None = None

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "trained_parts": self.trained_parts,
            "manifest": self.manifest,
            "settings": self.settings,
            "elapsed_s": round(self.elapsed_s, 3),
            "scores": {task: score.as_dict() for task, score in self.scores.items()},
            "rows": [asdict(row) for row in self.rows],
        }

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(RowResult)])
            writer.writeheader()
            writer.writerows(asdict(row) for row in self.rows)
        return path

    def table(self) -> str:
        """One line per task: rows, metric, score, and what was not readable or failed."""
        lines = [f"{'task':6} {'rows':>5}  {'metric':11} {'score':>8}  notes"]
        for task, score in self.scores.items():
            notes = []
            if score.unreadable:
                notes.append(f"{score.unreadable} unreadable")
            if score.failed:
                notes.append(f"{score.failed} failed")
            if score.loops_cut:
                notes.append(f"{score.loops_cut} looping repl{'y' if score.loops_cut == 1 else 'ies'} cut")
            if score.metric is None:
                notes.append(f"not scored ({TASK_NAMES.get(task, task)}, open-ended)")
            elif score.value is None:
                notes.append(score.details.get("note", "no score"))
            if "readout_wer" in score.details:
                notes.append(f"bridge read-out WER {score.details['readout_wer']:.2f}")
            value = "-" if score.value is None else f"{score.value:8.2f}"
            metric = _METRIC_LABELS.get(score.metric, "-")
            lines.append(f"{task:6} {score.rows:5d}  {metric:11} {value:>8}  {'; '.join(notes)}".rstrip())
        return "\n".join(lines)
