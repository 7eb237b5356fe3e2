"""Importing the published Gaokao listening set (SQA) as a quiz set.

The published TSV has the columns id, audio, n_frames, prompt, tgt_text, with_speech; the prompt
is the question and its options in one line ("What will the man do next? A. ...; B. ...; C. ...")
and tgt_text the letter. Every row becomes a section-1 conversation with one question. Evidence
spans are not published, so they are null; transcripts (one `short_conv_N.txt` per item, published
apart) become untimed transcript lines when given. The audio is copied into the set, so the set
stands on its own.
"""

from __future__ import annotations

import csv
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
from tqdm import tqdm

from ..evaluation.answers import parse_options
from .format import LETTERS, MANIFEST_NAME, Conversation, Question, QuizSet, TranscriptLine, load_quiz, write_quiz
from .question_types import guess_question_type

_LOG = logging.getLogger(__name__)

TSV_COLUMNS = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech")
# "M: ...", "W: ...", "Man: ...", "Woman: ...", "A: ..." with an ASCII or a full-width colon.
_SPEAKER = re.compile(r"^\s*\(?(M|W|Man|Woman|Boy|Girl|A|B)\)?\s*[:：]\s*(.+)$", re.IGNORECASE)
_SPEAKER_CODES = {"m": "M", "man": "M", "boy": "M", "w": "W", "woman": "W", "girl": "W", "a": "A", "b": "B"}
_OPTIONS_START = re.compile(r"(?:^|\s)\(?A[.)]\s")


class TSVImportError(ValueError):
    """A TSV, audio or transcript that cannot be imported; names the file, the line and the item."""


@dataclass(frozen=True)
class ImportSummary:
    quiz: QuizSet
    items: int
    with_transcript: int
    missing_transcripts: tuple[str, ...]


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of the published TSV; an error naming the file and any missing column."""
    if not path.is_file():
        raise TSVImportError(f"{path}: TSV file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in TSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TSVImportError(f"{path}: missing column(s) {', '.join(missing)}; the published TSV has "
                                 f"{', '.join(TSV_COLUMNS)} (found: {', '.join(reader.fieldnames or []) or 'no header'})")
        rows = list(reader)
    if not rows:
        raise TSVImportError(f"{path}: the TSV has a header but no rows")
    return rows


def split_prompt(prompt: str) -> tuple[str, dict[str, str]]:
    """"What will ...? A. x; B. y; C. z." → ("What will ...?", {"A": "x", "B": "y", "C": "z"})."""
    start = _OPTIONS_START.search(prompt)
    options = parse_options(prompt)
    if start is None or sorted(options) != list(LETTERS):
        raise ValueError("expected a question followed by the options 'A. ...; B. ...; C. ...'")
    question = prompt[: start.start()].strip()
    if not question:
        raise ValueError("the question before the options is empty")
    return question, {letter: _sentence(options[letter]) for letter in LETTERS}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def read_transcript(path: Path) -> tuple[TranscriptLine, ...]:
    """Untimed lines of a published transcript; "M:"/"W:" prefixes become the speaker."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise TSVImportError(f"{path}: transcript is not UTF-8 text ({error})") from error
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        match = _SPEAKER.match(raw)
        if match:
            lines.append(TranscriptLine(_SPEAKER_CODES[match.group(1).lower()], match.group(2).strip()))
        else:
            lines.append(TranscriptLine("", raw.strip()))
    return tuple(lines)


def _audio_source(row: dict[str, str], audio_dir: Path) -> Path:
    """The row's audio: its path under audio_dir, or its file name directly in audio_dir."""
    relative = Path(row["audio"].strip())
    for candidate in (audio_dir / relative, audio_dir / relative.name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"audio {relative} not found in {audio_dir}")


def import_official(tsv: str | Path, audio_dir: str | Path, out_dir: str | Path,
                    transcripts_dir: str | Path | None = None, overwrite: bool = False,
                    title: str = "Gaokao English listening (official set)") -> ImportSummary:
    """Turn the published TSV (+ audio, + transcripts) into a quiz set in `out_dir`."""
    tsv, audio_dir, out = Path(tsv).expanduser(), Path(audio_dir).expanduser(), Path(out_dir).expanduser()
    transcripts = Path(transcripts_dir).expanduser() if transcripts_dir else None
    if (out / MANIFEST_NAME).exists() and not overwrite:
        raise FileExistsError(f"{out} already holds a quiz set; choose another folder or allow overwriting")
    if not audio_dir.is_dir():
        raise TSVImportError(f"{audio_dir}: audio directory not found")
    if transcripts is not None and not transcripts.is_dir():
        raise TSVImportError(f"{transcripts}: transcripts directory not found")
    rows = read_tsv(tsv)
    out.mkdir(parents=True, exist_ok=True)
    (out / "audio").mkdir(exist_ok=True)
    conversations, seen, missing = [], set(), []
    for line_number, row in enumerate(tqdm(rows, desc="importing", disable=None), start=2):
        item = (row.get("id") or "").strip()
        where = f"{tsv}: line {line_number} (id {item or '?'})"
        if not item:
            raise TSVImportError(f"{where}: the id is empty")
        if item in seen:
            raise TSVImportError(f"{where}: duplicate id {item!r}")
        seen.add(item)
        try:
            question, options = split_prompt(row["prompt"] or "")
        except ValueError as error:
            raise TSVImportError(f"{where}: field 'prompt': {error}; found {row['prompt']!r}") from error
        answer = (row["tgt_text"] or "").strip().upper().rstrip(".")
        if answer not in LETTERS:
            raise TSVImportError(f"{where}: field 'tgt_text': {row['tgt_text']!r} is not one of {', '.join(LETTERS)}")
        try:
            source = _audio_source(row, audio_dir)
            info = sf.info(str(source))
        except FileNotFoundError as error:
            raise TSVImportError(f"{where}: field 'audio': {error}") from error
        except (sf.LibsndfileError, RuntimeError) as error:
            raise TSVImportError(f"{where}: field 'audio': {source} cannot be read as audio ({error})") from error
        _check_frames(row, info.frames, where)
        target = out / "audio" / f"{item}{source.suffix.lower()}"
        shutil.copyfile(source, target)
        lines: tuple[TranscriptLine, ...] = ()
        if transcripts is not None:
            text_path = transcripts / f"{item}.txt"
            if text_path.is_file():
                lines = read_transcript(text_path)
            else:
                missing.append(item)
        conversations.append(Conversation(
            id=item, section=1, audio=target.resolve(), transcript=lines,
            questions=(Question(item, question, options, answer, guess_question_type(question), None),),
        ))
    if missing:
        _LOG.warning("%d of %d items have no transcript in %s (first: %s)", len(missing), len(rows), transcripts, missing[0])
    quiz = QuizSet(id="gaokao-official", title=title, source="imported", directory=out.resolve(),
                   conversations=tuple(conversations),
                   description="Imported from the published Gaokao listening TSV; evidence spans are not published.",
                   meta={"imported_from": tsv.name, "items": len(rows)})
    write_quiz(quiz)
    loaded = load_quiz(out)
    return ImportSummary(loaded, len(rows), len(rows) - len(missing) if transcripts else 0, tuple(missing))


def _check_frames(row: dict[str, str], actual: int, where: str) -> None:
    """n_frames is informative only: a mismatch is logged (the audio may have been re-encoded)."""
    try:
        frames = int((row.get("n_frames") or "").strip())
    except ValueError:
        _LOG.warning("%s: n_frames %r is not a number", where, row.get("n_frames"))
        return
    if frames != actual:
        _LOG.info("%s: n_frames says %d, the audio has %d", where, frames, actual)
