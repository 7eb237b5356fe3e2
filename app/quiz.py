"""The Listening quiz tab: Gaokao-style papers in practice or exam mode, scored per section, reviewed
with the transcript, the evidence audio and the model's reasoning; a student's progress over time.

The page never holds a key before it is earned. Before submission it is built from `student_view`
alone (questions and options); answers, evidence spans and transcripts are read from the set on the
server when a practice question is locked (that question, and a conversation's transcript once all
its questions are locked) or when the paper is submitted. The browser session's `QuizSession` holds
ids, answers, play counts and times, never the key.

Exam rules are enforced here, on the server: each conversation's questions are shown for a reading
time before its recording can be played, section 1 recordings play once and section 2 recordings
twice (counted per conversation per browser session), there is no 0.75× speed and no transcript
until the paper is submitted. Submitting with unanswered questions needs a second press: the first
one names them.

`QuizDesk` holds the rules and calls the library; the `ui_*` functions turn its results into page
updates, the `api_*` functions into JSON for gradio_client. Tests call all three without a browser.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import gradio as gr
import soundfile as sf

from wavllm_core.audio import SAMPLE_RATE, load_audio
from wavllm_core.quiz import (
    BUNDLED_DIR, LETTERS, MANIFEST_NAME, SECTION_RULES, Conversation, ProgressStore, QuizResult, QuizSet, ReviewItem,
    bundled_sets,
    clean_student_name, score_answers, student_view,
)
from wavllm_core.quiz.listening_audio import PRACTICE_SPEED, evidence_audio, slowed
from wavllm_core.quiz.model_takes_test import Explanation, ModelTestReport, explain_question, take_test
from wavllm_core.quiz.scoring import normalize_choice

from . import quiz_review as review
from .service import MODEL_QUEUE, ModelService, refusal

_LOG = logging.getLogger(__name__)

PRACTICE, EXAM = "Practice", "Exam"
MODES = (PRACTICE, EXAM)
READING_S_PER_QUESTION = 5  # the paper's own allowance before each recording
ANSWER_S_PER_QUESTION = 15  # added to reading and listening time for the exam's time allowed
SLOTS = max(rule.max_questions for rule in SECTION_RULES.values())
_TIMES = {1: "once", 2: "twice"}
INTRO = ("<p>Gaokao-style listening papers (original practice sets, synthetic voices). <b>Practice</b>: replay as "
         "often as you like, 0.75× speed, lock an answer to check it and see the transcript. <b>Exam</b>: reading "
         "time before each recording, section 1 plays once and section 2 twice, a timer, the transcript at the end. "
         "Progress is saved per student name on this computer.</p>")
EXAM_PLAYER_CSS = "<style>.quiz-exam-player { pointer-events: none; }</style>"


class QuizRuleError(ValueError):
    """Something the quiz's rules do not allow now; the message says what to do instead."""


@dataclass(frozen=True)
class QuizSession:
    """One browser session's quiz: ids, answers, play counts and times; never anything from the key."""

    set_id: str = ""
    mode: str = PRACTICE
    attempt_id: str = ""
    student: str = ""
    started_at: float = 0.0
    current: int = 0  # the conversation on screen (index in the paper)
    answers: Mapping[str, str] = field(default_factory=dict)
    locked: tuple[str, ...] = ()  # practice questions whose answer was checked
    plays: Mapping[str, int] = field(default_factory=dict)  # conversation id → times handed out
    opened: Mapping[str, float] = field(default_factory=dict)  # conversation id → when its questions were shown
    confirm: tuple[str, ...] | None = None  # unanswered ids named by a first Submit press
    submitted: bool = False
    finished_after_s: float | None = None
    done_sets: tuple[str, ...] = ()  # sets submitted in this session: their keys may be shown

    @property
    def active(self) -> bool:
        return bool(self.attempt_id) and not self.submitted


def audio_dirs(directory: Path = BUNDLED_DIR) -> list[str]:
    """The folders of the bundled sets' recordings: the only part of a set the server may hand out.

    A folder that also holds a set's quiz.json (its answers) is never served.
    """
    folders = {conversation.audio.parent for quiz in bundled_sets(directory) for conversation in quiz.conversations}
    served = sorted(str(folder) for folder in folders if not (folder / MANIFEST_NAME).exists())
    for folder in sorted(folders - {Path(f) for f in served}):
        _LOG.warning("not serving %s: it holds a quiz manifest; keep a set's audio in a subfolder", folder)
    return served


def clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class QuizDesk:
    """The quiz's rules over the bundled sets, the progress store and the shared model."""

    def __init__(self, service: ModelService, store: ProgressStore | None = None, sets: Sequence[QuizSet] | None = None,
                 clock: Callable[[], float] = time.monotonic, scratch: Path | None = None):
        self.service = service
        self.store = store if store is not None else ProgressStore()
        sets = bundled_sets() if sets is None else sets
        self._sets = {quiz.id: quiz for quiz in sets}
        self._views = {quiz.id: student_view(quiz) for quiz in sets}
        self._order = {quiz.id: [c for _, section in quiz.sections() for c in section] for quiz in sets}
        self.clock = clock
        self._scratch = Path(scratch) if scratch is not None else Path(tempfile.mkdtemp(prefix="wavllm-quiz-"))
        self._scratch_lock = threading.Lock()

    # The sets ------------------------------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        return [(f"{quiz.title} ({quiz.question_count} questions)", quiz.id) for quiz in self._sets.values()]

    def quiz(self, set_id: str | None) -> QuizSet:
        if not set_id:
            raise QuizRuleError("choose a practice set first")
        if set_id not in self._sets:
            raise QuizRuleError(f"there is no practice set {set_id!r}; choose one of {', '.join(self._sets)}")
        return self._sets[set_id]

    def view(self, set_id: str) -> dict:
        """The student view: questions and options only (see `student_view`)."""
        self.quiz(set_id)
        return self._views[set_id]

    def paper(self, set_id: str) -> list[tuple[dict, dict]]:
        """(section, conversation) of the student view, in paper order."""
        return [(section, conversation) for section in self.view(set_id)["sections"]
                for conversation in section["conversations"]]

    def ordered(self, quiz: QuizSet) -> list[Conversation]:
        """The conversations in paper order (the student view's): section 1, then section 2."""
        return self._order[quiz.id]

    def conversation(self, quiz: QuizSet, conversation_id: str) -> tuple[int, Conversation]:
        for index, conversation in enumerate(self.ordered(quiz)):
            if conversation.id == conversation_id:
                return index, conversation
        raise QuizRuleError(f"set {quiz.id!r} has no conversation {conversation_id!r}")

    def question_number(self, quiz: QuizSet, question_id: str) -> int:
        for number, (_, question) in enumerate(quiz.questions(), start=1):
            if question.id == question_id:
                return number
        raise QuizRuleError(f"set {quiz.id!r} has no question {question_id!r}")

    def time_allowed(self, quiz: QuizSet) -> float:
        """Reading, every play and answering time, rounded up to a whole minute."""
        seconds = sum(len(c.questions) * (READING_S_PER_QUESTION + ANSWER_S_PER_QUESTION)
                      + c.duration_s * SECTION_RULES[c.section].plays for c in quiz.conversations)
        return 60.0 * math.ceil(seconds / 60)

    # An attempt ----------------------------------------------------------------------------------

    def start(self, session: QuizSession, name: str | None, set_id: str | None, mode: str | None) -> QuizSession:
        """A new attempt; refused (and the session left as it was) without a name, a set or a mode."""
        quiz = self.quiz(set_id)
        if mode not in MODES:
            raise QuizRuleError(f"choose a mode: {' or '.join(MODES)}")
        student = clean_student_name(name)
        attempt_id = self.store.start_attempt(student, quiz)
        now = self.clock()
        return QuizSession(set_id=quiz.id, mode=mode, attempt_id=attempt_id, student=student, started_at=now,
                           opened={self.ordered(quiz)[0].id: now}, done_sets=session.done_sets)

    def require_open(self, session: QuizSession) -> QuizSet:
        if not session.attempt_id:
            raise QuizRuleError("press Start first (a name, a set and a mode)")
        if session.submitted:
            raise QuizRuleError("this attempt is submitted; press Start for a new one")
        return self.quiz(session.set_id)

    def open(self, session: QuizSession, index: int) -> QuizSession:
        """Show a conversation; its reading time starts the first time it is shown."""
        quiz = self.require_open(session)
        if not 0 <= index < len(quiz.conversations):
            raise QuizRuleError(f"the paper has conversations 1 to {len(quiz.conversations)}, not {index + 1}")
        opened = dict(session.opened)
        opened.setdefault(self.ordered(quiz)[index].id, self.clock())
        return replace(session, current=index, opened=opened)

    def reading_left(self, session: QuizSession, conversation: Conversation) -> float:
        """Exam seconds left before a conversation's first play (0 once played, and in practice)."""
        if session.mode != EXAM or session.plays.get(conversation.id, 0) or conversation.id not in session.opened:
            return 0.0
        allowance = READING_S_PER_QUESTION * len(conversation.questions)
        return max(0.0, session.opened[conversation.id] + allowance - self.clock())

    def plays_left(self, session: QuizSession, conversation: Conversation) -> int | None:
        """Exam plays left for a conversation; None in practice (unlimited)."""
        if session.mode != EXAM:
            return None
        return max(0, SECTION_RULES[conversation.section].plays - session.plays.get(conversation.id, 0))

    def play(self, session: QuizSession, conversation_id: str, slow: bool = False) -> tuple[QuizSession, str]:
        """Hand out a conversation's recording (a file path), counting the play; exam rules refuse extra plays."""
        quiz = self.require_open(session)
        index, conversation = self.conversation(quiz, conversation_id)
        if session.mode == EXAM:
            rule = SECTION_RULES[conversation.section]
            if slow:
                raise QuizRuleError("0.75× speed is for practice; in the exam recordings play at normal speed")
            if conversation.id not in session.opened:
                raise QuizRuleError(f"open conversation {index + 1} first: its questions are shown for "
                                    f"{READING_S_PER_QUESTION * len(conversation.questions)} s before it plays")
            left = self.reading_left(session, conversation)
            if left > 0:
                raise QuizRuleError(f"reading time: {math.ceil(left)} s left to read the questions of conversation "
                                    f"{index + 1} before it plays")
            if self.plays_left(session, conversation) == 0:
                raise QuizRuleError(f"section {rule.number} recordings are played {_TIMES[rule.plays]} in the exam, "
                                    f"and conversation {index + 1} has been played {_TIMES[rule.plays]}")
        audio = self._slowed_file(quiz, conversation) if slow else str(conversation.audio)
        plays = {**session.plays, conversation.id: session.plays.get(conversation.id, 0) + 1}
        return replace(session, plays=plays), audio

    def answer(self, session: QuizSession, question_id: str, letter: str | None) -> QuizSession:
        """Save an answer at once (a closed tab loses nothing); locked practice answers stay as they are."""
        quiz = self.require_open(session)
        number = self.question_number(quiz, question_id)
        if question_id in session.locked:
            raise QuizRuleError(f"question {number} is locked: its answer was already checked")
        choice = normalize_choice(letter)
        if choice is not None and choice not in LETTERS:
            raise QuizRuleError(f"{letter!r} is not an option of question {number}; choose {', '.join(LETTERS)}")
        self.store.record_answer(session.attempt_id, quiz, question_id, choice)
        answers = {k: v for k, v in session.answers.items() if k != question_id}
        if choice is not None:
            answers[question_id] = choice
        return replace(session, answers=answers, confirm=None)

    def lock(self, session: QuizSession, question_id: str) -> QuizSession:
        """Practice: check one answer now (it can no longer change)."""
        quiz = self.require_open(session)
        number = self.question_number(quiz, question_id)
        if session.mode != PRACTICE:
            raise QuizRuleError("in exam mode answers are checked when you submit the paper")
        if question_id not in session.answers:
            raise QuizRuleError(f"choose an answer to question {number} before locking it")
        if question_id in session.locked:
            return session
        return replace(session, locked=(*session.locked, question_id))

    def checked(self, session: QuizSession) -> dict[str, ReviewItem]:
        """Review items the student has earned: locked questions, or every question after submission."""
        if not session.attempt_id:
            return {}
        result = score_answers(self.quiz(session.set_id), session.answers)
        return {item.question_id: item for item in result.review
                if session.submitted or item.question_id in session.locked}

    def unanswered(self, session: QuizSession) -> tuple[str, ...]:
        quiz = self.quiz(session.set_id)
        return tuple(q.id for _, q in quiz.questions() if q.id not in session.answers)

    def submit(self, session: QuizSession) -> tuple[QuizSession, QuizResult | None, str]:
        """Score and store the attempt. With unanswered questions the first press only names them."""
        quiz = self.require_open(session)
        missing = self.unanswered(session)
        if missing and session.confirm != missing:
            numbers = ", ".join(str(self.question_number(quiz, qid)) for qid in missing)
            note = (f"{len(missing)} of {quiz.question_count} questions are unanswered (question {numbers}); they "
                    "would count as wrong. Answer them, or press Submit again to submit as it is.")
            return replace(session, confirm=missing), None, note
        result = self.store.finish_attempt(session.attempt_id, quiz, session.answers)
        elapsed = self.clock() - session.started_at
        done = session.done_sets if quiz.id in session.done_sets else (*session.done_sets, quiz.id)
        note = f"Submitted after {clock_text(elapsed)}" + (f" with {len(missing)} unanswered." if missing else ".")
        return replace(session, submitted=True, confirm=None, finished_after_s=elapsed, done_sets=done), result, note

    # After submission ----------------------------------------------------------------------------

    def result(self, session: QuizSession) -> QuizResult:
        if not session.submitted:
            raise QuizRuleError("the review opens when the paper is submitted")
        return score_answers(self.quiz(session.set_id), session.answers)

    def review_item(self, session: QuizSession, question_id: str | None) -> ReviewItem:
        for item in self.result(session).review:
            if item.question_id == question_id:
                return item
        raise QuizRuleError(f"choose a question of the paper to review, not {question_id!r}")

    def evidence(self, session: QuizSession, question_id: str | None) -> str:
        """A WAV of the span that holds the answer (after submission)."""
        item = self.review_item(session, question_id)
        quiz = self.quiz(session.set_id)
        conversation, question = quiz.find(item.question_id)
        if question.evidence is None:
            raise QuizRuleError(f"question {item.number} has no evidence span in this set")
        path = self._scratch / quiz.id / f"{question.id}-evidence.wav"
        return self._cached_wav(path, lambda: evidence_audio(conversation, question))

    def explain(self, session: QuizSession, question_id: str | None) -> tuple[Explanation, str, bool]:
        """The loaded model's transcribe → reason → letter answer (after submission); (it, model, untrained)."""
        item = self.review_item(session, question_id)
        quiz = self.quiz(session.set_id)
        with self.service.exclusive() as loaded:  # one generation at a time, like every model event
            explanation = explain_question(loaded, quiz, item.question_id)
            return explanation, loaded.name, loaded.untrained

    def model_test(self, session: QuizSession, set_id: str | None) -> tuple[ModelTestReport, bool]:
        """The loaded model sits the set; its report shows the key, so only for sets submitted in this session."""
        quiz = self.quiz(set_id)
        if quiz.id not in session.done_sets:
            raise QuizRuleError(f"submit {quiz.title} first: the model's results show the answer key "
                                "(an empty paper will do)")
        with self.service.exclusive() as loaded:
            return take_test(loaded, quiz), loaded.untrained

    # Progress ------------------------------------------------------------------------------------

    def progress(self, name: str | None):
        student = clean_student_name(name)
        return student, self.store.history(student), self.store.accuracy_by_type(student)

    def export(self, name: str | None) -> str:
        """The student's answers as CSV (a fresh file per export, so two exports never collide)."""
        student = clean_student_name(name)
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", student).strip("-") or "student"
        path = self._scratch / "exports" / uuid.uuid4().hex / f"quiz-progress-{slug}.csv"
        self.store.export_csv(path, student)
        return str(path)

    # Audio files -----------------------------------------------------------------------------------

    def _slowed_file(self, quiz: QuizSet, conversation: Conversation) -> str:
        path = self._scratch / quiz.id / f"{conversation.id}-{int(PRACTICE_SPEED * 100)}.wav"
        return self._cached_wav(path, lambda: slowed(load_audio(conversation.audio).samples, PRACTICE_SPEED))

    def _cached_wav(self, path: Path, make: Callable) -> str:
        with self._scratch_lock:
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".partial.wav")
                sf.write(partial, make(), SAMPLE_RATE, subtype="PCM_16")
                partial.replace(path)
        return str(path)


# The page: what each part shows -----------------------------------------------------------------------

@dataclass(frozen=True)
class QuizParts:
    """The tab's components, grouped by what updates them together."""

    session: gr.State
    status: gr.Markdown
    paper: gr.Column
    review: gr.Column
    submit_note: gr.Markdown
    nav: gr.Radio
    heading: gr.Markdown
    play: gr.Button
    play_slow: gr.Button
    player: gr.Audio
    groups: tuple[gr.Group, ...]
    question_ids: tuple[gr.Textbox, ...]  # hidden: which question each slot shows
    radios: tuple[gr.Radio, ...]
    locks: tuple[gr.Button, ...]
    feedbacks: tuple[gr.Markdown, ...]
    transcript: gr.HTML
    timer: gr.Timer
    score: gr.Markdown
    review_table: gr.Dataframe
    review_choice: gr.Dropdown
    review_item: gr.HTML
    evidence_player: gr.Audio
    explanation: gr.Markdown
    progress_text: gr.Markdown
    attempts: gr.Dataframe
    types: gr.Dataframe
    history: gr.LinePlot

    @property
    def screen(self) -> list:
        """Everything that follows the session, except the players (an update would stop a playing recording)."""
        return [self.status, self.paper, self.review, self.submit_note, self.nav, self.heading, self.play,
                self.play_slow, *self.groups, *self.question_ids, *self.radios, *self.locks, *self.feedbacks,
                self.transcript]

    @property
    def review_parts(self) -> list:
        return [self.score, self.review_table, self.review_choice, self.review_item, self.evidence_player,
                self.explanation]

    @property
    def progress_parts(self) -> list:
        return [self.progress_text, self.attempts, self.types, self.history]


def status_markdown(desk: QuizDesk, session: QuizSession) -> str:
    if not session.attempt_id:
        return "Enter your name, choose a set and a mode, then press **Start**."
    quiz = desk.quiz(session.set_id)
    parts = [f"**{session.mode}** · {quiz.title} · {session.student}",
             f"{len(session.answers)} of {quiz.question_count} answered"]
    if session.mode == PRACTICE and session.locked:
        parts.append(f"{len(session.locked)} checked")
    if session.submitted:
        parts.append(f"submitted after {clock_text(session.finished_after_s or 0)}; press Start for a new attempt")
    elif session.mode == EXAM:
        elapsed, allowed = desk.clock() - session.started_at, desk.time_allowed(quiz)
        timer = f"time {clock_text(elapsed)} of {clock_text(allowed)}"
        parts.append(timer + (" · **time is up: submit your paper**" if elapsed > allowed else ""))
    return " · ".join(parts)


def _nav_choices(desk: QuizDesk, session: QuizSession) -> list[tuple[str, str]]:
    choices = []
    for index, (section, conversation) in enumerate(desk.paper(session.set_id)):
        numbers = [q["number"] for q in conversation["questions"]]
        done = all(q["id"] in session.answers for q in conversation["questions"])
        span = f"Q{numbers[0]}" if len(numbers) == 1 else f"Q{numbers[0]}–{numbers[-1]}"
        choices.append((f"{index + 1} · {span}{' ✓' if done else ''}", str(index)))
    return choices


def _play_button(desk: QuizDesk, session: QuizSession, conversation: Conversation) -> dict:
    reading = desk.reading_left(session, conversation)
    left = desk.plays_left(session, conversation)
    if not session.active:
        return gr.update(value="▶ Play", interactive=False)
    if reading > 0:
        return gr.update(value=f"Reading time: {math.ceil(reading)} s", interactive=False)
    if left is None:
        return gr.update(value="▶ Play", interactive=True)
    if left == 0:
        return gr.update(value="Played (no plays left)", interactive=False)
    allowed = SECTION_RULES[conversation.section].plays
    return gr.update(value=f"▶ Play ({left} of {allowed} plays left)", interactive=True)


def _heading(desk: QuizDesk, session: QuizSession) -> str:
    section, conversation = desk.paper(session.set_id)[session.current]
    total = len(desk.quiz(session.set_id).conversations)
    played = session.plays.get(conversation["id"], 0)
    plays = (f"played {played} of {section['plays']} time(s)" if session.mode == EXAM
             else f"played {played} time(s); replay as often as you like")
    return f"{section['directions']}\n\n**Conversation {session.current + 1} of {total}** · {plays}"


def screen_updates(desk: QuizDesk, session: QuizSession, note: str = "") -> list:
    """Updates for `QuizParts.screen`, built from the student view plus what the student has earned."""
    if not session.attempt_id:
        hidden = [gr.update(visible=False)] * SLOTS
        return [status_markdown(desk, session), gr.update(visible=False), gr.update(visible=False), note,
                gr.update(choices=[], value=None), "", gr.update(), gr.update(), *hidden, *[""] * SLOTS,
                *[gr.update()] * (3 * SLOTS), ""]
    quiz = desk.quiz(session.set_id)
    conversation = desk.ordered(quiz)[session.current]
    _, shown = desk.paper(session.set_id)[session.current]
    checked = desk.checked(session)
    practice = session.mode == PRACTICE
    groups, question_ids, radios, locks, feedbacks = [], [], [], [], []
    for slot in range(SLOTS):
        if slot >= len(shown["questions"]):
            groups.append(gr.update(visible=False))
            question_ids.append("")
            radios.append(gr.update(choices=[], value=None))
            locks.append(gr.update(visible=False))
            feedbacks.append("")
            continue
        question = shown["questions"][slot]
        item = checked.get(question["id"])
        groups.append(gr.update(visible=True))
        question_ids.append(question["id"])
        radios.append(gr.update(label=f"{question['number']}. {question['text']}",
                                value=session.answers.get(question["id"]),
                                choices=[(f"{letter}. {text}", letter) for letter, text in question["options"].items()],
                                interactive=session.active and item is None))
        locks.append(gr.update(visible=practice and session.active, interactive=item is None,
                               value="Checked" if item is not None else "Lock and check"))
        feedbacks.append(review.feedback_markdown(item) if item is not None and item.chosen is not None else "")
    items = [checked[q.id] for q in conversation.questions if q.id in checked]
    transcript = review.conversation_transcript(items) if len(items) == len(conversation.questions) else ""
    return [status_markdown(desk, session), gr.update(visible=not session.submitted),
            gr.update(visible=session.submitted), note,
            gr.update(choices=_nav_choices(desk, session), value=str(session.current)), _heading(desk, session),
            _play_button(desk, session, conversation), gr.update(visible=practice, interactive=session.active),
            *groups, *question_ids, *radios, *locks, *feedbacks, transcript]


def review_updates(desk: QuizDesk, session: QuizSession) -> list:
    if not session.submitted:
        return ["", review.review_table_empty(), gr.update(choices=[], value=None), "", None, ""]
    result = desk.result(session)
    first = result.review[0]
    return [review.score_markdown(result, desk.quiz(session.set_id).title), review.review_table(result),
            gr.update(choices=review.review_choices(result), value=first.question_id),
            review.review_item_html(first), None, ""]


PROGRESS_OUTPUTS = 4  # QuizParts.progress_parts


def progress_updates(desk: QuizDesk, name: str | None) -> list:
    student, history, by_type = desk.progress(name)
    return [review.progress_markdown(student, history, by_type), review.attempts_table(history),
            review.types_table(by_type), review.history_frame(history)]


def _refused(handler: Callable) -> Callable:
    """Run a handler; a refusal becomes the page's error toast and changes nothing in the session."""
    @functools.wraps(handler)
    def run(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:
            raise refusal(error) from None
    return run


# UI handlers (the page's events) -------------------------------------------------------------------------

@_refused
def ui_start(desk: QuizDesk, session: QuizSession, name: str | None, set_id: str | None, mode: str | None):
    session = desk.start(session, name, set_id, mode)
    exam = session.mode == EXAM
    player = gr.update(value=None, elem_classes=["quiz-player", "quiz-exam-player"] if exam else ["quiz-player"])
    return [session, player, gr.Timer(active=exam), *screen_updates(desk, session), *review_updates(desk, session)]


@_refused
def ui_open(desk: QuizDesk, session: QuizSession, index: str | int | None):
    if index in (None, ""):
        return [session, gr.skip(), *screen_updates(desk, session)]
    session = desk.open(session, int(index))
    return [session, None, *screen_updates(desk, session)]


@_refused
def ui_next(desk: QuizDesk, session: QuizSession):
    quiz = desk.require_open(session)
    return ui_open(desk, session, (session.current + 1) % len(quiz.conversations))


@_refused
def ui_play(desk: QuizDesk, session: QuizSession, slow: bool = False):
    quiz = desk.require_open(session)
    conversation = desk.ordered(quiz)[session.current]
    session, audio = desk.play(session, conversation.id, slow)
    return [session, audio, _heading(desk, session), _play_button(desk, session, conversation),
            status_markdown(desk, session)]


def ui_player_ended(session: QuizSession):
    """In the exam a recording is gone once it has played: the player cannot replay it."""
    return None if session.mode == EXAM and session.active else gr.skip()


@_refused
def ui_answer(desk: QuizDesk, session: QuizSession, question_id: str | None, letter: str | None):
    """A click on an option. The question id comes from the page with the choice, so a click that
    crosses a change of conversation still lands on the question it was made on."""
    session = desk.answer(session, question_id or "", letter)
    return [session, status_markdown(desk, session), "", gr.update(choices=_nav_choices(desk, session))]


@_refused
def ui_lock(desk: QuizDesk, session: QuizSession, question_id: str | None, letter: str | None = None):
    """Lock a question with the choice the page shows (saved first, should its own event still be on its way)."""
    desk.require_open(session)
    session = desk.lock(_with_choices(desk, session, [(question_id, letter)]), question_id or "")
    return [session, *screen_updates(desk, session)]


def _with_choices(desk: QuizDesk, session: QuizSession, choices: Sequence[tuple[str | None, str | None]]) -> QuizSession:
    """The session with the (question id, choice) pairs the page shows, where they differ from it."""
    for question_id, letter in choices:
        if question_id and letter and question_id not in session.locked and session.answers.get(question_id) != letter:
            session = desk.answer(session, question_id, letter)
    return session


@_refused
def ui_submit(desk: QuizDesk, session: QuizSession, *shown: str | None):
    """Submit, with the choices the page shows (question ids, then letters), in case their events lag."""
    if session.active:
        session = _with_choices(desk, session, list(zip(shown[:SLOTS], shown[SLOTS:])))
    session, result, note = desk.submit(session)
    if result is None:
        gr.Warning(note, duration=12, title="Not submitted yet")
        unchanged = [gr.skip()] * (len(review_updates(desk, session)) + PROGRESS_OUTPUTS)
        return [session, gr.skip(), gr.skip(), *screen_updates(desk, session, note), *unchanged]
    return [session, None, gr.Timer(active=False), *screen_updates(desk, session, note),
            *review_updates(desk, session), *progress_updates(desk, session.student)]


def ui_tick(desk: QuizDesk, session: QuizSession):
    """Once a second in the exam: the timer and the reading-time countdown."""
    if not session.active:
        return gr.skip(), gr.skip()
    conversation = desk.ordered(desk.quiz(session.set_id))[session.current]
    return status_markdown(desk, session), _play_button(desk, session, conversation)


@_refused
def ui_review_item(desk: QuizDesk, session: QuizSession, question_id: str | None):
    return review.review_item_html(desk.review_item(session, question_id)), None, ""


@_refused
def evidence_file(desk: QuizDesk, session: QuizSession, question_id: str | None):
    return desk.evidence(session, question_id)


@_refused
def ui_explain(desk: QuizDesk, session: QuizSession, question_id: str | None):
    explanation, model, untrained = desk.explain(session, question_id)
    return review.explanation_markdown(explanation, model, untrained)


@_refused
def ui_export(desk: QuizDesk, name: str | None):
    return gr.update(value=desk.export(name), visible=True)


@_refused
def ui_progress(desk: QuizDesk, name: str | None):
    return progress_updates(desk, name)


@_refused
def export_csv(desk: QuizDesk, name: str | None):
    return desk.export(name)


@_refused
def ui_model_test(desk: QuizDesk, session: QuizSession, set_id: str | None):
    report, untrained = desk.model_test(session, set_id)
    title = desk.quiz(set_id).title
    return review.model_report_markdown(report, title, untrained), review.model_report_table(report)


# API endpoints (gradio_client): the same rules, JSON out ---------------------------------------------------

def _public_view(desk: QuizDesk, set_id: str) -> dict:
    """The student view without server paths (a client fetches audio through /quiz_play)."""
    view = desk.view(set_id)
    sections = [{**section, "conversations": [{k: v for k, v in c.items() if k != "audio"}
                                              for c in section["conversations"]]} for section in view["sections"]]
    return {**view, "sections": sections}


def api_sets(desk: QuizDesk) -> list[dict]:
    """Every practice set as the student sees it before answering (no answers, evidence or transcripts)."""
    return [_public_view(desk, set_id) for _, set_id in desk.choices()]


@_refused
def api_start(desk: QuizDesk, session: QuizSession, name: str | None, set_id: str | None, mode: str | None):
    """Start an attempt: {"attempt_id", "mode", "set": the student view}."""
    session = desk.start(session, name, set_id, mode)
    return session, {"attempt_id": session.attempt_id, "mode": session.mode, "set": _public_view(desk, session.set_id)}


@_refused
def api_open(desk: QuizDesk, session: QuizSession, conversation_id: str | None):
    """Show a conversation's questions (starts its exam reading time): {"conversation", "reading_s_left"}."""
    quiz = desk.require_open(session)
    index, conversation = desk.conversation(quiz, conversation_id or "")
    session = desk.open(session, index)
    return session, {"conversation": conversation.id, "reading_s_left": round(desk.reading_left(session, conversation), 1),
                     "plays_left": desk.plays_left(session, conversation)}


@_refused
def api_play(desk: QuizDesk, session: QuizSession, conversation_id: str | None, slow: bool):
    """A conversation's recording (exam: after its reading time, at most the section's number of plays)."""
    session, audio = desk.play(session, conversation_id or "", bool(slow))
    return session, audio


@_refused
def api_answer(desk: QuizDesk, session: QuizSession, question_id: str | None, letter: str | None):
    """Save an answer: {"answered", "questions"}."""
    session = desk.answer(session, question_id or "", letter)
    return session, {"answered": len(session.answers), "questions": desk.quiz(session.set_id).question_count}


@_refused
def api_lock(desk: QuizDesk, session: QuizSession, question_id: str | None):
    """Practice: check one answer: question, chosen, answer, correct, and the transcript once its conversation is done."""
    session = desk.lock(session, question_id or "")
    checked = desk.checked(session)
    item = checked[question_id]
    conversation, _ = desk.quiz(session.set_id).find(question_id)
    complete = all(q.id in checked for q in conversation.questions)
    return session, {"question": item.question_id, "chosen": item.chosen, "answer": item.answer, "correct": item.correct,
                     "transcript": [line.text for line in item.transcript] if complete else None}


@_refused
def api_submit(desk: QuizDesk, session: QuizSession):
    """Submit: the result with the review, or {"submitted": false, "unanswered", "message"} the first time."""
    session, result, note = desk.submit(session)
    if result is None:
        return session, {"submitted": False, "unanswered": list(session.confirm or ()), "message": note}
    return session, {"submitted": True, "message": note, **result.to_dict()}


@_refused
def api_explain(desk: QuizDesk, session: QuizSession, question_id: str | None):
    """After submission: the model's step-by-step answer to one question."""
    explanation, model, untrained = desk.explain(session, question_id)
    return {"model": model, "untrained": untrained, "text": explanation.text, "chosen": explanation.chosen,
            "answer": explanation.answer, "correct": explanation.correct}


@_refused
def api_progress(desk: QuizDesk, name: str | None):
    """A student's submitted attempts and accuracy per question type."""
    student, history, by_type = desk.progress(name)
    return {"student": student, "attempts": [a.to_dict() for a in history],
            "by_type": {t: {"correct": s.correct, "total": s.total} for t, s in by_type.items()}}


@_refused
def api_model_test(desk: QuizDesk, session: QuizSession, set_id: str | None):
    """The loaded model sits a set submitted in this session: accuracy and every reply."""
    report, untrained = desk.model_test(session, set_id)
    return {"model": report.model, "untrained": untrained, "accuracy": report.accuracy,
            "rows": [{"question": r.question_id, "prompt": r.prompt, "reply": r.reply, "chosen": r.chosen,
                      "answer": r.answer, "correct": r.correct, "error": r.error} for r in report.rows]}


# Layout and wiring ---------------------------------------------------------------------------------------

def _layout(desk: QuizDesk) -> tuple[QuizParts, dict]:
    choices = desk.choices()
    gr.HTML(INTRO, head=EXAM_PLAYER_CSS, elem_id="quiz-intro")
    with gr.Row(equal_height=True):
        name = gr.Textbox(label="Student name", placeholder="progress is kept per name", elem_id="quiz-name", scale=2)
        set_choice = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="Practice set",
                                 elem_id="quiz-set", scale=2)
        mode = gr.Radio(list(MODES), value=PRACTICE, label="Mode", elem_id="quiz-mode", scale=2)
        start = gr.Button("Start", variant="primary", elem_id="quiz-start", scale=1)
    status = gr.Markdown(status_markdown(desk, QuizSession()), elem_id="quiz-status")
    with gr.Column(visible=False, elem_id="quiz-paper") as paper:
        nav = gr.Radio([], label="Conversation", elem_id="quiz-nav")
        heading = gr.Markdown(elem_id="quiz-heading")
        with gr.Row():
            play = gr.Button("▶ Play", elem_id="quiz-play")
            play_slow = gr.Button(f"▶ Play at {PRACTICE_SPEED}× speed", elem_id="quiz-play-slow")
            next_btn = gr.Button("Next conversation →", elem_id="quiz-next")
        player = gr.Audio(label="Recording", type="filepath", interactive=False, autoplay=True, buttons=[],
                          elem_id="quiz-player", elem_classes=["quiz-player"])
        groups, question_ids, radios, locks, feedbacks = [], [], [], [], []
        for slot in range(SLOTS):
            with gr.Group(visible=False) as group:
                question_ids.append(gr.Textbox(visible=False, label="question id"))
                radios.append(gr.Radio([], label="Question", elem_id=f"quiz-q{slot}"))
                with gr.Row():
                    locks.append(gr.Button("Lock and check", size="sm", elem_id=f"quiz-lock{slot}", scale=0))
                    feedbacks.append(gr.Markdown(elem_id=f"quiz-feedback{slot}"))
            groups.append(group)
        transcript = gr.HTML(elem_id="quiz-transcript", css_template=review.REVIEW_CSS)
        submit = gr.Button("Submit the paper", variant="primary", elem_id="quiz-submit")
        submit_note = gr.Markdown(elem_id="quiz-submit-note")
    with gr.Column(visible=False, elem_id="quiz-review") as review_col:
        score = gr.Markdown(elem_id="quiz-score")
        review_table = gr.Dataframe(review.review_table_empty(), label="Every question", interactive=False,
                                    elem_id="quiz-review-table")
        review_choice = gr.Dropdown([], label="Review a question", elem_id="quiz-review-choice")
        review_item = gr.HTML(elem_id="quiz-review-item", css_template=review.REVIEW_CSS)
        with gr.Row():
            evidence_btn = gr.Button("▶ Play the evidence", elem_id="quiz-evidence")
            explain_btn = gr.Button("Ask the model to explain (step by step)", elem_id="quiz-explain")
        evidence_player = gr.Audio(label="Evidence span", type="filepath", interactive=False, autoplay=True,
                                   buttons=[], elem_id="quiz-evidence-player")
        explanation = gr.Markdown(elem_id="quiz-explanation")
    with gr.Accordion("My progress", open=True, elem_id="quiz-progress"):
        with gr.Row():
            progress_btn = gr.Button("Show my progress", elem_id="quiz-progress-show")
            export_btn = gr.Button("Export my answers (CSV)", elem_id="quiz-export")
        progress_text = gr.Markdown(elem_id="quiz-progress-text")
        with gr.Row(equal_height=False):
            attempts = gr.Dataframe(review.attempts_table([]), label="Attempts", interactive=False,
                                    elem_id="quiz-attempts")
            types = gr.Dataframe(review.types_table({}), label="Accuracy per question type", interactive=False,
                                 elem_id="quiz-types")
        history = gr.LinePlot(review.history_frame([]), x="attempt", y="percent", color="set", y_lim=[0, 100],
                              label="Score per submitted attempt (the line starts with the second)",
                              x_title="attempt", y_title="% right", height=260, x_axis_format="d",
                              elem_id="quiz-history")
        export_file = gr.File(label="CSV export", interactive=False, visible=False, elem_id="quiz-export-file")
    with gr.Accordion("The model takes the test", open=False, elem_id="quiz-model"):
        gr.Markdown("The loaded model answers every question of the chosen set (asked as the published set asks "
                    "it). Its results show the answer key, so they open for a set you have submitted.")
        model_btn = gr.Button("The model takes the test", elem_id="quiz-model-test")
        model_text = gr.Markdown(elem_id="quiz-model-text")
        model_table = gr.Dataframe(None, headers=review.MODEL_COLUMNS, label="The model's replies", interactive=False,
                                   wrap=True, elem_id="quiz-model-table")
    parts = QuizParts(
        session=gr.State(QuizSession()), status=status, paper=paper, review=review_col, submit_note=submit_note,
        nav=nav, heading=heading, play=play, play_slow=play_slow, player=player, groups=tuple(groups),
        question_ids=tuple(question_ids), radios=tuple(radios), locks=tuple(locks), feedbacks=tuple(feedbacks),
        transcript=transcript,
        timer=gr.Timer(1.0, active=False), score=score, review_table=review_table, review_choice=review_choice,
        review_item=review_item, evidence_player=evidence_player, explanation=explanation,
        progress_text=progress_text, attempts=attempts, types=types, history=history,
    )
    controls = dict(name=name, set_choice=set_choice, mode=mode, start=start, next=next_btn, submit=submit,
                    evidence=evidence_btn, explain=explain_btn, progress=progress_btn, export=export_btn,
                    export_file=export_file, model=model_btn, model_text=model_text, model_table=model_table)
    return parts, controls


def build_tab(service: ModelService, shared) -> None:
    """The Listening quiz tab's components and events, inside the caller's gr.Tab."""
    desk = QuizDesk(service)
    p, c = _layout(desk)
    bind = functools.partial
    s = p.session
    quick = {"api_visibility": "private", "concurrency_limit": None}  # queued (so refusals show), never waiting
    model_event = {"concurrency_id": MODEL_QUEUE, "concurrency_limit": 1}

    c["start"].click(bind(ui_start, desk), [s, c["name"], c["set_choice"], c["mode"]],
                     [s, p.player, p.timer, *p.screen, *p.review_parts], **quick)
    p.nav.input(bind(ui_open, desk), [s, p.nav], [s, p.player, *p.screen], **quick)
    c["next"].click(bind(ui_next, desk), s, [s, p.player, *p.screen], **quick)
    play_outputs = [s, p.player, p.heading, p.play, p.status]
    p.play.click(bind(ui_play, desk, slow=False), s, play_outputs, **quick)
    p.play_slow.click(bind(ui_play, desk, slow=True), s, play_outputs, **quick)
    p.player.stop(ui_player_ended, s, p.player, queue=False, api_visibility="private")
    for question_id, radio, lock in zip(p.question_ids, p.radios, p.locks):
        radio.input(bind(ui_answer, desk), [s, question_id, radio], [s, p.status, p.submit_note, p.nav], **quick)
        lock.click(bind(ui_lock, desk), [s, question_id, radio], [s, *p.screen], **quick)
    c["submit"].click(bind(ui_submit, desk), [s, *p.question_ids, *p.radios],
                      [s, p.player, p.timer, *p.screen, *p.review_parts, *p.progress_parts],
                      **quick)
    p.timer.tick(bind(ui_tick, desk), s, [p.status, p.play], queue=False, api_visibility="private",
                 show_progress="hidden")
    p.review_choice.input(bind(ui_review_item, desk), [s, p.review_choice],
                          [p.review_item, p.evidence_player, p.explanation], **quick)
    c["evidence"].click(bind(evidence_file, desk), [s, p.review_choice], p.evidence_player, **quick)
    c["explain"].click(bind(ui_explain, desk), [s, p.review_choice], p.explanation, api_visibility="private",
                       **model_event)
    c["progress"].click(bind(ui_progress, desk), c["name"], p.progress_parts, **quick)
    c["export"].click(bind(ui_export, desk), c["name"], c["export_file"], **quick)
    c["model"].click(bind(ui_model_test, desk), [s, c["set_choice"]], [c["model_text"], c["model_table"]],
                     api_visibility="private", **model_event)
    _api(desk, p, c)


def _api(desk: QuizDesk, p: QuizParts, c: dict) -> None:
    """Named endpoints for gradio_client, on hidden buttons; each client session has its own quiz."""
    s = p.session
    conversation_id = gr.Textbox(visible=False, label="conversation id (e.g. S1-1)")
    question_id = gr.Textbox(visible=False, label="question id (e.g. Q1)")
    letter = gr.Textbox(visible=False, label="answer letter (A, B or C)")
    slow = gr.Checkbox(False, visible=False, label=f"play at {PRACTICE_SPEED}× speed (practice only)")
    result = gr.JSON(visible=False, label="result")
    audio = gr.Audio(visible=False, type="filepath", label="recording")
    csv_file = gr.File(visible=False, label="CSV")
    bind = functools.partial
    endpoint = {"concurrency_limit": None}
    trigger = gr.Button(visible=False)
    trigger.click(bind(api_sets, desk), None, result, api_name="quiz_sets", **endpoint)
    trigger.click(bind(api_start, desk), [s, c["name"], c["set_choice"], c["mode"]], [s, result],
                  api_name="quiz_start", **endpoint)
    trigger.click(bind(api_open, desk), [s, conversation_id], [s, result], api_name="quiz_open", **endpoint)
    trigger.click(bind(api_play, desk), [s, conversation_id, slow], [s, audio], api_name="quiz_play", **endpoint)
    trigger.click(bind(api_answer, desk), [s, question_id, letter], [s, result], api_name="quiz_answer", **endpoint)
    trigger.click(bind(api_lock, desk), [s, question_id], [s, result], api_name="quiz_lock", **endpoint)
    trigger.click(bind(api_submit, desk), s, [s, result], api_name="quiz_submit", **endpoint)
    trigger.click(bind(evidence_file, desk), [s, question_id], audio, api_name="quiz_evidence", **endpoint)
    trigger.click(bind(api_explain, desk), [s, question_id], result, api_name="quiz_explain",
                  concurrency_id=MODEL_QUEUE, concurrency_limit=1)
    trigger.click(bind(api_progress, desk), c["name"], result, api_name="quiz_progress", **endpoint)
    trigger.click(bind(export_csv, desk), c["name"], csv_file, api_name="quiz_export", **endpoint)
    trigger.click(bind(api_model_test, desk), [s, c["set_choice"]], result, api_name="quiz_model_test",
                  concurrency_id=MODEL_QUEUE, concurrency_limit=1)
