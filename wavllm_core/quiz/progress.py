"""A student's practice history in a local SQLite file: attempts, answers, scores, weak question types.

Every answer is saved as it is given, so a closed tab or a crash loses nothing. Two browser tabs can
answer the same set at once: each tab has its own attempt id, every write is one short
`BEGIN IMMEDIATE` transaction, and the database runs in WAL mode so readers never block writers.
Each call opens its own connection, which makes the store safe to share between threads.
"""

from __future__ import annotations

import csv
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..hub import wavllm_home
from .format import QuizSet
from .scoring import QuizResult, TypeScore, check_answers, score_answers

STORE_NAME = "quiz_progress.sqlite3"
MAX_NAME_LENGTH = 60
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id),
    set_id TEXT NOT NULL,
    set_title TEXT NOT NULL,
    questions INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    correct INTEGER,
    total INTEGER
);
CREATE TABLE IF NOT EXISTS attempt_sections (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    section INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, section)
);
CREATE TABLE IF NOT EXISTS answers (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    question_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    section INTEGER NOT NULL,
    question_type TEXT NOT NULL,
    chosen TEXT,
    answer TEXT NOT NULL,
    is_correct INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);
CREATE INDEX IF NOT EXISTS attempts_by_student ON attempts(student_id, finished_at);
"""
CSV_COLUMNS = ("student", "attempt_id", "set_id", "set_title", "finished_at", "question_id", "section",
               "question_type", "chosen", "answer", "correct")


class ProgressError(ValueError):
    """A request the store cannot carry out (no name, an unknown or already submitted attempt)."""


@dataclass(frozen=True)
class AttemptSummary:
    attempt_id: str
    set_id: str
    set_title: str
    started_at: str
    finished_at: str
    correct: int
    total: int
    sections: dict[int, tuple[int, int]]

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {"attempt_id": self.attempt_id, "set_id": self.set_id, "set_title": self.set_title,
                "started_at": self.started_at, "finished_at": self.finished_at, "correct": self.correct,
                "total": self.total, "percent": round(self.percent, 1),
                "sections": {str(k): {"correct": c, "total": t} for k, (c, t) in self.sections.items()}}


def clean_student_name(name: str | None) -> str:
    """The name as stored: trimmed, inner spaces collapsed; empty or overlong names are refused."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ProgressError("enter a student name first: progress is kept per name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ProgressError(f"the student name is {len(cleaned)} characters long; the limit is {MAX_NAME_LENGTH}")
    return cleaned


def default_store_path() -> Path:
    return wavllm_home() / STORE_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class ProgressStore:
    """The progress file. Cheap to create; every method opens and closes its own connection."""

    def __init__(self, path: str | Path | None = None, timeout_s: float = 30.0):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.timeout_s = timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise ProgressError(f"{self.path} was written by a newer version (schema {version}); update WavLLM Studio")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except sqlite3.Error as error:
            raise ProgressError(f"cannot open the progress file {self.path}: {error}") from error
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys=ON")
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock at once, so concurrent writers queue, never fail midway."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # Writing --------------------------------------------------------------------------------

    def start_attempt(self, student: str, quiz: QuizSet) -> str:
        """A new attempt for this student at this set; its id is unique (one per browser tab session)."""
        name = clean_student_name(student)
        attempt_id = uuid.uuid4().hex
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO students(name, created_at) VALUES (?, ?)", (name, _now()))
            student_id = db.execute("SELECT id FROM students WHERE name = ?", (name,)).fetchone()[0]
            db.execute("INSERT INTO attempts(id, student_id, set_id, set_title, questions, started_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (attempt_id, student_id, quiz.id, quiz.title, quiz.question_count, _now()))
        return attempt_id

    def _open_attempt(self, db: sqlite3.Connection, attempt_id: str, quiz: QuizSet) -> None:
        row = db.execute("SELECT set_id, finished_at FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise ProgressError(f"no attempt {attempt_id!r} in {self.path}")
        if row["finished_at"] is not None:
            raise ProgressError("this attempt was already submitted; start a new attempt to answer again")
        if row["set_id"] != quiz.id:
            raise ProgressError(f"attempt {attempt_id} is for set {row['set_id']!r}, not {quiz.id!r}")

    @staticmethod
    def _save_answer(db: sqlite3.Connection, attempt_id: str, quiz: QuizSet, question_id: str, chosen: str | None) -> None:
        conversation, question = quiz.find(question_id)
        db.execute(
            "INSERT INTO answers(attempt_id, question_id, conversation_id, section, question_type, chosen, answer, "
            "is_correct, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(attempt_id, question_id) DO UPDATE SET chosen = excluded.chosen, "
            "is_correct = excluded.is_correct, answered_at = excluded.answered_at",
            (attempt_id, question_id, conversation.id, conversation.section, question.type, chosen, question.answer,
             int(chosen == question.answer), _now()),
        )

    def record_answer(self, attempt_id: str, quiz: QuizSet, question_id: str, chosen: str | None) -> None:
        """Save (or change) one answer while the attempt is open."""
        letter = check_answers(quiz, {question_id: chosen})[question_id]
        with self._write() as db:
            self._open_attempt(db, attempt_id, quiz)
            self._save_answer(db, attempt_id, quiz, question_id, letter)

    def finish_attempt(self, attempt_id: str, quiz: QuizSet, answers: Mapping[str, str | None]) -> QuizResult:
        """Submit: score the answers (saved ones, updated by `answers`), store the scores, return the review."""
        given = check_answers(quiz, answers)
        with self._write() as db:
            self._open_attempt(db, attempt_id, quiz)
            saved = {row["question_id"]: row["chosen"] for row in
                     db.execute("SELECT question_id, chosen FROM answers WHERE attempt_id = ?", (attempt_id,))}
            final = {q.id: given.get(q.id, saved.get(q.id)) for _, q in quiz.questions()}
            result = score_answers(quiz, final)
            for question_id, chosen in final.items():
                self._save_answer(db, attempt_id, quiz, question_id, chosen)
            db.executemany("INSERT INTO attempt_sections(attempt_id, section, correct, total) VALUES (?, ?, ?, ?)",
                           [(attempt_id, s.number, s.correct, s.total) for s in result.sections])
            db.execute("UPDATE attempts SET finished_at = ?, correct = ?, total = ? WHERE id = ?",
                       (_now(), result.correct, result.total, attempt_id))
        return result

    # Reading --------------------------------------------------------------------------------

    def students(self) -> list[str]:
        with self._connection() as db:
            return [row[0] for row in db.execute("SELECT name FROM students ORDER BY name COLLATE NOCASE")]

    def history(self, student: str) -> list[AttemptSummary]:
        """The student's submitted attempts, oldest first: one point per attempt for a progress chart."""
        name = clean_student_name(student)
        with self._connection() as db:
            attempts = db.execute(
                "SELECT a.* FROM attempts a JOIN students s ON s.id = a.student_id "
                "WHERE s.name = ? AND a.finished_at IS NOT NULL ORDER BY a.finished_at, a.rowid", (name,)).fetchall()
            sections: dict[str, dict[int, tuple[int, int]]] = {}
            for row in db.execute(
                    "SELECT x.* FROM attempt_sections x JOIN attempts a ON a.id = x.attempt_id "
                    "JOIN students s ON s.id = a.student_id WHERE s.name = ? ORDER BY x.section", (name,)):
                sections.setdefault(row["attempt_id"], {})[row["section"]] = (row["correct"], row["total"])
        return [AttemptSummary(a["id"], a["set_id"], a["set_title"], a["started_at"], a["finished_at"], a["correct"],
                               a["total"], sections.get(a["id"], {})) for a in attempts]

    def accuracy_by_type(self, student: str) -> dict[str, TypeScore]:
        """Over all submitted attempts: how often each question type was answered right (weakest first)."""
        name = clean_student_name(student)
        with self._connection() as db:
            rows = db.execute(
                "SELECT x.question_type AS type, SUM(x.is_correct) AS correct, COUNT(*) AS total FROM answers x "
                "JOIN attempts a ON a.id = x.attempt_id JOIN students s ON s.id = a.student_id "
                "WHERE s.name = ? AND a.finished_at IS NOT NULL GROUP BY x.question_type", (name,)).fetchall()
        scores = [TypeScore(r["type"], int(r["correct"]), int(r["total"])) for r in rows]
        return {s.type: s for s in sorted(scores, key=lambda s: (s.accuracy, s.type))}

    def saved_answers(self, attempt_id: str) -> dict[str, str | None]:
        """The answers saved so far in an attempt (to restore a tab after a reload)."""
        with self._connection() as db:
            return {r["question_id"]: r["chosen"] for r in
                    db.execute("SELECT question_id, chosen FROM answers WHERE attempt_id = ?", (attempt_id,))}

    def export_csv(self, destination: str | Path, student: str | None = None) -> int:
        """One row per submitted answer (of one student, or everyone); returns the number of rows."""
        query = ("SELECT s.name, a.id, a.set_id, a.set_title, a.finished_at, x.question_id, x.section, x.question_type, "
                 "x.chosen, x.answer, x.is_correct FROM answers x JOIN attempts a ON a.id = x.attempt_id "
                 "JOIN students s ON s.id = a.student_id WHERE a.finished_at IS NOT NULL")
        parameters: tuple = ()
        if student is not None:
            query += " AND s.name = ?"
            parameters = (clean_student_name(student),)
        with self._connection() as db:
            rows = db.execute(query + " ORDER BY s.name, a.finished_at, x.section, x.rowid", parameters).fetchall()
        path = Path(destination).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(tuple(row) for row in rows)
        return len(rows)
