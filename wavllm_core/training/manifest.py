"""Manifests in the published TSV layout, checked row by row before any training or decoding.

Header row, tab-separated, columns matched by name (any order, extra columns kept):
id, audio (path relative to an audio root), n_frames (may be a placeholder, so not checked),
prompt, tgt_text, with_speech (True/False); optional start_frame / end_frame (sample offsets at
16 kHz into the loaded audio), task, transcript (what is said in the audio, for the
alignment loss) and voices (who speaks, comma-separated, for the voice contrast). Every problem names the file, the line and the column,
so a bad manifest fails at once and says what to fix, not an hour into a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..audio import AudioClip, load_audio
from .tasks import infer_task

REQUIRED_COLUMNS = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech")
OPTIONAL_COLUMNS = ("start_frame", "end_frame", "task", "transcript", "voices")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class ManifestError(ValueError):
    """A manifest problem, located: file, line (1 is the header) and column where there is one."""

    def __init__(self, path: Path, line: int | None, column: str | None, problem: str):
        where = str(path) + (f", line {line}" if line else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.column = path, line, column


@dataclass(frozen=True)
class ManifestRow:
    """One example. `audio` is resolved against the audio root; None for text-only rows."""

    id: str
    prompt: str
    target: str
    with_speech: bool
    audio: Path | None
    task: str
    source: Path
    line: int
    n_frames: int | None = None
    start_frame: int | None = None
    end_frame: int | None = None
    transcript: str | None = None
    voices: tuple[str, ...] = ()  # who speaks in the clip (the `voices` column), for the voice contrast

    def load_clip(self) -> AudioClip:
        """The row's audio, cut to [start_frame, end_frame) when the manifest gives them."""
        if self.audio is None:
            raise ValueError(f"{self.source}, line {self.line}: row {self.id!r} has no audio (with_speech is False)")
        clip = load_audio(self.audio)
        if self.start_frame is None and self.end_frame is None:
            return clip
        samples = clip.samples[self.start_frame or 0 : self.end_frame]
        if samples.size == 0:
            raise ManifestError(self.source, self.line, "start_frame", f"the span is empty in {self.audio}")
        return AudioClip(samples, clip.source_rate, clip.source_channels, clip.warnings, clip.sample_rate)


def _parse_bool(value: str, path: Path, line: int, column: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ManifestError(path, line, column, f"expected True or False, got {value!r}")


def _parse_offset(value: str, path: Path, line: int, column: str) -> int | None:
    if not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise ManifestError(path, line, column, f"expected a whole number of samples, got {value!r}") from None
    if number < 0:
        raise ManifestError(path, line, column, f"must not be negative, got {number}")
    return number


def _parse_placeholder_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise ManifestError(path, None, None, "manifest file not found")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise ManifestError(path, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def _header(path: Path, lines: list[str]) -> list[str]:
    if not lines or not lines[0].strip():
        raise ManifestError(path, 1, None, f"no header row; expected the columns {', '.join(REQUIRED_COLUMNS)}")
    columns = [name.strip() for name in lines[0].split("\t")]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ManifestError(
            path, 1, missing[0],
            f"missing column(s) {', '.join(repr(m) for m in missing)}; the header has {', '.join(repr(c) for c in columns)} "
            "(columns are tab-separated and matched by name)",
        )
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise ManifestError(path, 1, duplicated[0], "the column appears more than once")
    return columns


def read_manifest(path: str | Path, audio_root: str | Path | None = None, check_audio: bool = True) -> list[ManifestRow]:
    """Every row of a manifest, validated; audio paths resolved against `audio_root`
    (default: the manifest's folder) and, with `check_audio`, checked to exist."""
    path = Path(path)
    root = Path(audio_root) if audio_root is not None else path.parent
    lines = _read_lines(path)
    columns = _header(path, lines)
    rows: list[ManifestRow] = []
    first_line: dict[str, int] = {}
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != len(columns):
            raise ManifestError(path, number, None, f"{len(fields)} tab-separated fields, but the header has {len(columns)}")
        values = dict(zip(columns, fields))
        row_id = values["id"].strip()
        if not row_id:
            raise ManifestError(path, number, "id", "empty id")
        if row_id in first_line:
            raise ManifestError(path, number, "id", f"duplicate id {row_id!r} (first on line {first_line[row_id]})")
        first_line[row_id] = number
        with_speech = _parse_bool(values["with_speech"], path, number, "with_speech")
        audio = None
        if with_speech:
            if not values["audio"].strip():
                raise ManifestError(path, number, "audio", "empty audio path in a row with with_speech True")
            audio = root / values["audio"].strip()
            if check_audio and not audio.is_file():
                raise ManifestError(path, number, "audio", f"audio file not found: {audio}")
        start = _parse_offset(values.get("start_frame", ""), path, number, "start_frame")
        end = _parse_offset(values.get("end_frame", ""), path, number, "end_frame")
        if start is not None and end is not None and end <= start:
            raise ManifestError(path, number, "end_frame", f"end_frame {end} is not after start_frame {start}")
        prompt = values["prompt"].strip()
        rows.append(ManifestRow(
            id=row_id, prompt=prompt, target=values["tgt_text"].strip(), with_speech=with_speech, audio=audio,
            task=infer_task(row_id, prompt, values.get("task")), source=path, line=number,
            n_frames=_parse_placeholder_int(values["n_frames"]), start_frame=start, end_frame=end,
            transcript=values.get("transcript", "").strip() or None,
            voices=tuple(name.strip() for name in values.get("voices", "").split(",") if name.strip()),
        ))
    if not rows:
        raise ManifestError(path, None, None, "the manifest has a header but no rows")
    return rows
