"""The quiz set format: a `quiz.json` manifest beside its audio, shaped like the Gaokao listening paper.

Section 1 holds short conversations with one question each, played once; section 2 holds longer
conversations or monologues with 2-4 questions each, played twice. Every question carries its
answer, its type and the evidence span; every conversation may carry its transcript with line
timings, so a review can highlight the sentence that holds the answer.

`load_quiz` validates everything a tab or the model run relies on (ids, options, answers, audio
that exists inside the set and can be decoded, spans inside the audio) and names the file, the
conversation or question and the field in each error, so a hand-edited set can be fixed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import soundfile as sf

FORMAT = "wavllm-quiz/1"
MANIFEST_NAME = "quiz.json"
LETTERS: tuple[str, ...] = ("A", "B", "C")
SOURCES = ("generated", "imported")
QUESTION_TYPES: tuple[str, ...] = (
    "time", "place", "number", "price", "intention", "relationship", "opinion",
    "reason", "identity", "activity", "topic", "meaning", "detail",
)
_TOLERANCE_S = 0.05  # rounding of recorded timings


@dataclass(frozen=True)
class SectionRule:
    """How a section of the paper works: how often its audio plays, how many questions each has."""

    number: int
    plays: int
    min_questions: int
    max_questions: int
    directions: str


SECTION_RULES: dict[int, SectionRule] = {
    1: SectionRule(1, 1, 1, 1, "Section 1: listen to each short conversation and answer the question "
                              "that follows. Each conversation is played once."),
    2: SectionRule(2, 2, 2, 4, "Section 2: listen to each longer conversation or monologue and answer "
                              "its questions. Each recording is played twice."),
}


class QuizFormatError(ValueError):
    """A quiz set that cannot be used; the message names the file, the item and the field."""


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None

    def overlaps(self, span: tuple[float, float]) -> bool:
        """Whether this line is (part of) the evidence: its timed extent overlaps the span."""
        if self.start is None or self.end is None:
            return False
        return self.start < span[1] - _TOLERANCE_S and self.end > span[0] + _TOLERANCE_S


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: dict[str, str]
    answer: str
    type: str
    evidence: tuple[float, float] | None = None

    def prompt(self) -> str:
        """The published one-line form: "What will the man do next? A. ...; B. ...; C. ..." """
        options = "; ".join(f"{letter}. {self.options[letter].rstrip('.')}" for letter in LETTERS)
        return f"{self.text} {options}."


@dataclass(frozen=True)
class Conversation:
    id: str
    section: int
    audio: Path
    questions: tuple[Question, ...]
    transcript: tuple[TranscriptLine, ...] = ()
    voices: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0

    def evidence_lines(self, question: Question) -> tuple[int, ...]:
        """Indices of the transcript lines inside the question's evidence span."""
        if question.evidence is None:
            return ()
        return tuple(i for i, line in enumerate(self.transcript) if line.overlaps(question.evidence))


@dataclass(frozen=True)
class QuizSet:
    id: str
    title: str
    source: str
    directory: Path
    conversations: tuple[Conversation, ...]
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST_NAME

    def sections(self) -> list[tuple[SectionRule, tuple[Conversation, ...]]]:
        numbers = sorted({c.section for c in self.conversations})
        return [(SECTION_RULES[n], tuple(c for c in self.conversations if c.section == n)) for n in numbers]

    def questions(self) -> Iterator[tuple[Conversation, Question]]:
        for conversation in self.conversations:
            for question in conversation.questions:
                yield conversation, question

    def find(self, question_id: str) -> tuple[Conversation, Question]:
        for conversation, question in self.questions():
            if question.id == question_id:
                return conversation, question
        raise ValueError(f"set {self.id!r} has no question {question_id!r}")

    @property
    def question_count(self) -> int:
        return sum(len(c.questions) for c in self.conversations)


# Writing -----------------------------------------------------------------------------------

def quiz_to_dict(quiz: QuizSet) -> dict[str, Any]:
    """The manifest as JSON-ready data; audio paths relative to the set directory."""
    sections = []
    for rule, conversations in quiz.sections():
        sections.append({"number": rule.number, "plays": rule.plays,
                         "conversations": [_conversation_to_dict(c, quiz.directory) for c in conversations]})
    data: dict[str, Any] = {"format": FORMAT, "id": quiz.id, "title": quiz.title, "source": quiz.source}
    if quiz.description:
        data["description"] = quiz.description
    if quiz.meta:
        data["meta"] = quiz.meta
    data["sections"] = sections
    return data


def _conversation_to_dict(conversation: Conversation, directory: Path) -> dict[str, Any]:
    audio = conversation.audio
    relative = audio.relative_to(directory) if audio.is_absolute() else audio
    data: dict[str, Any] = {"id": conversation.id, "audio": relative.as_posix()}
    if conversation.voices:
        data["voices"] = conversation.voices
    data["transcript"] = [
        {"speaker": line.speaker, "text": line.text, "start": line.start, "end": line.end}
        for line in conversation.transcript
    ]
    data["questions"] = [
        {"id": q.id, "text": q.text, "options": dict(q.options), "answer": q.answer, "type": q.type,
         "evidence": None if q.evidence is None else {"start": q.evidence[0], "end": q.evidence[1]}}
        for q in conversation.questions
    ]
    return data


def write_quiz(quiz: QuizSet) -> Path:
    """Write `quiz.json` into the set directory (atomically) and return its path."""
    quiz.directory.mkdir(parents=True, exist_ok=True)
    staging = quiz.directory / f".{MANIFEST_NAME}.partial"
    staging.write_text(json.dumps(quiz_to_dict(quiz), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    staging.replace(quiz.manifest_path)
    return quiz.manifest_path


# Reading and validation --------------------------------------------------------------------

def load_quiz(path: str | Path) -> QuizSet:
    """Read and validate a set from its directory or its `quiz.json`."""
    path = Path(path).expanduser()
    manifest = path / MANIFEST_NAME if path.is_dir() else path
    if not manifest.is_file():
        raise QuizFormatError(f"{manifest}: no quiz manifest here (expected a directory with {MANIFEST_NAME})")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QuizFormatError(f"{manifest}: not valid JSON ({error})") from error
    return _Reader(manifest).quiz(data)


class _Reader:
    """Validates one manifest; every error message starts with the file and the item's place."""

    def __init__(self, manifest: Path):
        self.manifest = manifest
        self.directory = manifest.parent.resolve()
        self.conversation_ids: set[str] = set()
        self.question_ids: set[str] = set()

    def fail(self, where: str, name: str | None, problem: str) -> QuizFormatError:
        place = f"{where}, field '{name}'" if name else where
        return QuizFormatError(f"{self.manifest}: {place}: {problem}")

    def get(self, obj: Any, name: str, kind: type | tuple[type, ...], where: str, optional: bool = False) -> Any:
        if not isinstance(obj, Mapping):
            raise self.fail(where, None, f"expected an object, found {type(obj).__name__}")
        if name not in obj or obj[name] is None:
            if optional:
                return None
            raise self.fail(where, name, "is missing")
        value = obj[name]
        if kind is float:
            kind = (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(where, name, f"expected {expected}, found {type(value).__name__}")
        return value

    def text(self, obj: Any, name: str, where: str) -> str:
        value = self.get(obj, name, str, where).strip()
        if not value:
            raise self.fail(where, name, "is empty")
        return value

    def quiz(self, data: Any) -> QuizSet:
        where = "set"
        fmt = self.get(data, "format", str, where)
        if fmt != FORMAT:
            raise self.fail(where, "format", f"{fmt!r} is not supported (expected {FORMAT!r})")
        source = self.text(data, "source", where)
        if source not in SOURCES:
            raise self.fail(where, "source", f"{source!r} is not one of {', '.join(SOURCES)}")
        sections = self.get(data, "sections", list, where)
        if not sections:
            raise self.fail(where, "sections", "has no sections")
        conversations: list[Conversation] = []
        seen_numbers: set[int] = set()
        for index, section in enumerate(sections):
            number = self.section_number(section, index, seen_numbers)
            conversations += self.section(section, number)
        return QuizSet(
            id=self.text(data, "id", where), title=self.text(data, "title", where), source=source,
            directory=self.directory, conversations=tuple(conversations),
            description=(self.get(data, "description", str, where, optional=True) or "").strip(),
            meta=dict(self.get(data, "meta", dict, where, optional=True) or {}),
        )

    def section_number(self, section: Any, index: int, seen: set[int]) -> int:
        where = f"section #{index + 1}"
        number = self.get(section, "number", int, where)
        if number not in SECTION_RULES:
            raise self.fail(where, "number", f"{number} is not a section of the paper (1 or 2)")
        if number in seen:
            raise self.fail(where, "number", f"section {number} appears twice")
        seen.add(number)
        rule = SECTION_RULES[number]
        plays = self.get(section, "plays", int, where, optional=True)
        if plays is not None and plays != rule.plays:
            raise self.fail(where, "plays", f"section {number} recordings are played {rule.plays} time(s), not {plays}")
        return number

    def section(self, section: Mapping, number: int) -> list[Conversation]:
        where = f"section {number}"
        items = self.get(section, "conversations", list, where)
        if not items:
            raise self.fail(where, "conversations", "has no conversations")
        return [self.conversation(item, number, i) for i, item in enumerate(items)]

    def claim_id(self, taken: set[str], value: str, kind: str, where: str) -> None:
        """Ids are unique within a set: a second use is an error naming it."""
        if value in taken:
            raise self.fail(where, "id", f"duplicate {kind} id {value!r}")
        taken.add(value)

    def conversation(self, item: Any, section: int, index: int) -> Conversation:
        where = f"section {section}, conversation #{index + 1}"
        cid = self.text(item, "id", where)
        where = f"section {section}, conversation {cid}"
        self.claim_id(self.conversation_ids, cid, "conversation", where)
        audio, duration = self.audio(item, where)
        voices = self.get(item, "voices", dict, where, optional=True) or {}
        transcript = tuple(self.line(line, f"{where}, transcript line {i + 1}", duration)
                           for i, line in enumerate(self.get(item, "transcript", list, where, optional=True) or []))
        rule = SECTION_RULES[section]
        questions = self.get(item, "questions", list, where)
        if not rule.min_questions <= len(questions) <= rule.max_questions:
            wanted = (str(rule.min_questions) if rule.min_questions == rule.max_questions
                      else f"{rule.min_questions}-{rule.max_questions}")
            raise self.fail(where, "questions", f"has {len(questions)} questions; section {section} "
                                                f"conversations have {wanted}")
        parsed = tuple(self.question(q, where, i, duration) for i, q in enumerate(questions))
        return Conversation(cid, section, audio, parsed, transcript, {str(k): str(v) for k, v in voices.items()}, duration)

    def audio(self, item: Mapping, where: str) -> tuple[Path, float]:
        relative = self.text(item, "audio", where)
        path = (self.directory / relative).resolve()
        if Path(relative).is_absolute() or not path.is_relative_to(self.directory):
            raise self.fail(where, "audio", f"{relative!r} must be a path inside the set directory")
        if not path.is_file():
            raise self.fail(where, "audio", f"audio file {relative!r} not found in {self.directory}")
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError) as error:
            raise self.fail(where, "audio", f"audio file {relative!r} cannot be read as audio ({error})") from error
        if info.frames <= 0 or info.samplerate <= 0:
            raise self.fail(where, "audio", f"audio file {relative!r} contains no samples")
        return path, info.frames / info.samplerate

    def seconds(self, obj: Mapping, name: str, where: str, duration: float) -> float | None:
        value = self.get(obj, name, float, where, optional=True)
        if value is None:
            return None
        if not math.isfinite(value) or value < 0:
            raise self.fail(where, name, f"{value} is not a time in seconds")
        if value > duration + _TOLERANCE_S:
            raise self.fail(where, name, f"{value} s is past the end of the audio ({duration:.2f} s)")
        return float(value)

    def span(self, obj: Mapping, where: str, duration: float) -> tuple[float | None, float | None]:
        start, end = self.seconds(obj, "start", where, duration), self.seconds(obj, "end", where, duration)
        if (start is None) != (end is None):
            raise self.fail(where, "start" if start is None else "end", "give both start and end, or neither")
        if start is not None and end is not None and end <= start:
            raise self.fail(where, "end", f"{end} s is not after the start ({start} s)")
        return start, end

    def line(self, line: Any, where: str, duration: float) -> TranscriptLine:
        speaker = (self.get(line, "speaker", str, where, optional=True) or "").strip()
        start, end = self.span(line, where, duration)
        return TranscriptLine(speaker, self.text(line, "text", where), start, end)

    def question(self, item: Any, conversation: str, index: int, duration: float) -> Question:
        where = f"{conversation}, question #{index + 1}"
        qid = self.text(item, "id", where)
        where = f"{conversation}, question {qid}"
        self.claim_id(self.question_ids, qid, "question", where)
        options = self.get(item, "options", dict, where)
        if sorted(options) != list(LETTERS):
            raise self.fail(where, "options", f"has options {', '.join(sorted(map(str, options))) or 'none'}; "
                                              f"a question has exactly three: {', '.join(LETTERS)}")
        texts = {letter: self.text(options, letter, f"{where}, options") for letter in LETTERS}
        if len({t.lower() for t in texts.values()}) < len(texts):
            raise self.fail(where, "options", "two options have the same text")
        answer = self.text(item, "answer", where).upper()
        if answer not in LETTERS:
            raise self.fail(where, "answer", f"{answer!r} is not one of the options {', '.join(LETTERS)}")
        kind = self.text(item, "type", where).lower()
        if kind not in QUESTION_TYPES:
            raise self.fail(where, "type", f"{kind!r} is not a known question type ({', '.join(QUESTION_TYPES)})")
        evidence = self.get(item, "evidence", dict, where, optional=True)
        span = None
        if evidence is not None:
            start, end = self.span(evidence, f"{where}, evidence", duration)
            if start is None or end is None:
                raise self.fail(where, "evidence", "needs start and end (or null when unknown)")
            span = (start, end)
        return Question(qid, self.text(item, "text", where), texts, answer, kind, span)
