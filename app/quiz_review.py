"""What the Listening quiz tab shows once answers are checked: scores, the review of each question with
its transcript (evidence highlighted), the model's explanation, progress tables and the model's run.

Everything here renders a `QuizResult` / `ReviewItem` (or the progress store's summaries), which only
exist after a question is locked or the paper is submitted, so nothing in this module can put a key
on the page early. All text is HTML-escaped: transcripts and model replies are not trusted markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

import pandas as pd

from wavllm_core import cot
from wavllm_core.quiz import AttemptSummary, QuizResult, ReviewItem, ReviewLine, TypeScore
from wavllm_core.quiz.model_takes_test import Explanation, ModelTestReport

REVIEW_CSS = """
.quiz-line { margin: 3px 0; line-height: 1.45; }
.quiz-line .who { font-weight: 600; margin-right: 4px; }
.quiz-line .when { color: #6b7280; font-size: 0.85em; margin-left: 6px; }
.quiz-line mark { background: #fde68a; padding: 1px 3px; border-radius: 3px; }
.quiz-line .tag { color: #92400e; font-size: 0.85em; margin-left: 6px; }
.quiz-options { list-style: none; padding-left: 0; margin: 6px 0; }
.quiz-options li { margin: 2px 0; padding: 2px 6px; border-radius: 4px; }
.quiz-options li.key { background: #dcfce7; }
.quiz-options li.wrong { background: #fee2e2; }
.quiz-verdict.right { color: #166534; } .quiz-verdict.wrong { color: #991b1b; }
"""
ATTEMPT_COLUMNS = ["#", "finished (UTC)", "set", "score", "%", "per section"]
TYPE_COLUMNS = ["question type", "right", "of", "accuracy %"]
PLOT_COLUMNS = ["attempt", "percent", "set"]
REVIEW_COLUMNS = ["#", "section", "type", "your answer", "right answer", "result"]
MODEL_COLUMNS = ["#", "question", "model's reply", "model's letter", "right answer", "result"]
STEP_NAMES = ("Transcribe", "Reason", "Answer")
UNTRAINED_NOTE = "⚠ **{name} has untrained random weights**, so {consequence}. Load a trained model in the Model tab."


def key_text(letter: str, option: str) -> str:
    """How the page names a question's answer (the one phrase that gives a key away)."""
    return f"Right answer: {letter}. {option}"


def evidence_text(span: tuple[float, float] | None) -> str:
    return "no evidence span in this set" if span is None else f"evidence {span[0]:.2f}–{span[1]:.2f} s"


def verdict(item: ReviewItem) -> str:
    if item.chosen is None:
        return "unanswered"
    return "right" if item.correct else "wrong"


# The transcript --------------------------------------------------------------------------------

def evidence_marks(items: Iterable[ReviewItem]) -> dict[int, list[int]]:
    """Transcript line → the question numbers it is evidence for."""
    marks: dict[int, list[int]] = {}
    for item in items:
        for index, line in enumerate(item.transcript):
            if line.evidence:
                marks.setdefault(index, []).append(item.number)
    return marks


def transcript_html(lines: Sequence[ReviewLine], marks: Mapping[int, Sequence[int]]) -> str:
    if not lines:
        return "<p><em>This conversation has no transcript in the set.</em></p>"
    rows = []
    for index, line in enumerate(lines):
        who = f"<span class='who'>{escape(line.speaker)}:</span>" if line.speaker else ""
        when = f"<span class='when'>{line.start:.1f}–{line.end:.1f} s</span>" if line.start is not None else ""
        text = escape(line.text)
        if index in marks:
            numbers = ", ".join(f"Q{n}" for n in marks[index])
            text = f"<mark>{text}</mark><span class='tag'>evidence for {numbers}</span>"
        rows.append(f"<p class='quiz-line'>{who}{text}{when}</p>")
    return "".join(rows)


def conversation_transcript(items: Sequence[ReviewItem]) -> str:
    """A whole conversation's transcript with every listed question's evidence highlighted."""
    return "<h4>Transcript</h4>" + transcript_html(items[0].transcript, evidence_marks(items)) if items else ""


# One question ------------------------------------------------------------------------------------

def feedback_markdown(item: ReviewItem) -> str:
    """The line under a locked practice question."""
    if item.correct:
        return f"✓ **Right.** {key_text(item.answer, item.options[item.answer])}"
    return f"✗ You chose **{item.chosen}**. **{key_text(item.answer, item.options[item.answer])}**"


def review_item_html(item: ReviewItem) -> str:
    options = []
    for letter, text in item.options.items():
        classes, notes = [], []
        if letter == item.answer:
            classes.append("key")
            notes.append("right answer")
        if letter == item.chosen:
            notes.append("your answer")
            if not item.correct:
                classes.append("wrong")
        note = f" <b>({', '.join(notes)})</b>" if notes else ""
        options.append(f"<li class='{' '.join(classes)}'>{letter}. {escape(text)}{note}</li>")
    state = verdict(item)
    css = "right" if state == "right" else "wrong"
    return (f"<h3>Question {item.number} <span class='quiz-verdict {css}'>· {state}</span></h3>"
            f"<p>Section {item.section} · {escape(item.type)} question · {evidence_text(item.evidence)}</p>"
            f"<p><b>{escape(item.text)}</b></p><ul class='quiz-options'>{''.join(options)}</ul>"
            f"<p>{escape(key_text(item.answer, item.options[item.answer]))}</p>"
            f"<h4>Transcript</h4>{transcript_html(item.transcript, evidence_marks([item]))}")


# Scores --------------------------------------------------------------------------------------------

def score_markdown(result: QuizResult, title: str) -> str:
    lines = [f"### {escape(title)}: {result.correct} / {result.total} right ({result.percent:.0f} %)", "",
             "| section | right | of | answered | % |", "|---|---|---|---|---|"]
    lines += [f"| {s.number} | {s.correct} | {s.total} | {s.answered} | {s.percent:.0f} |" for s in result.sections]
    lines += ["", "| question type | right | of |", "|---|---|---|"]
    lines += [f"| {escape(t.type)} | {t.correct} | {t.total} |" for t in result.by_type]
    return "\n".join(lines)


def review_table(result: QuizResult) -> pd.DataFrame:
    rows = [[item.number, item.section, item.type, item.chosen or "—", item.answer, verdict(item)]
            for item in result.review]
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def review_table_empty() -> pd.DataFrame:
    return pd.DataFrame([], columns=REVIEW_COLUMNS)


def review_choices(result: QuizResult) -> list[tuple[str, str]]:
    return [(f"Question {item.number} ({verdict(item)})", item.question_id) for item in result.review]


# The model's explanation and its run ---------------------------------------------------------------

def explanation_markdown(explanation: Explanation, model: str, untrained: bool) -> str:
    lines = [f"**{escape(model)}, step by step** (transcribe → reason → letter)"]
    if untrained:
        lines.append(UNTRAINED_NOTE.format(name=escape(model), consequence="this is random text, not reasoning: "
                                                                           "it says nothing about the question"))
    steps = cot.split_answer(explanation.text, len(STEP_NAMES))
    if steps is None:
        lines.append("*The reply marks no steps; here it is whole:*\n\n" + _quoted(explanation.text))
    else:
        lines += [f"{i}. **{name}:** {escape(step) or '*(nothing)*'}"
                  for i, (name, step) in enumerate(zip(STEP_NAMES, steps), start=1)]
    if explanation.chosen is None:
        outcome = f"The reply names no single option, so it counts as wrong (right answer: {explanation.answer})."
    else:
        result = "the model got it right" if explanation.correct else "the model got it wrong"
        outcome = f"The model chose **{explanation.chosen}**; the right answer is **{explanation.answer}**: {result}."
    lines.append(outcome)
    return "\n\n".join(lines)


def _quoted(text: str) -> str:
    return "\n".join(f"> {escape(line)}" for line in (text.strip() or "(empty reply)").splitlines())


def model_report_markdown(report: ModelTestReport, title: str, untrained: bool) -> str:
    asked = len(report.rows)
    lines = [f"### {escape(report.model)} took {escape(title)}: {report.result.correct} / {asked} right "
             f"({100 * report.accuracy:.0f} %)"]
    if untrained:
        lines.append(UNTRAINED_NOTE.format(name=escape(report.model),
                                           consequence="its replies are random text and its score is chance"))
    lines.append(" · ".join(f"section {s.number}: {s.correct}/{s.total}" for s in report.result.sections))
    notes = []
    if report.unreadable:
        notes.append(f"{report.unreadable} replies named no single option (counted as wrong)")
    if report.failed:
        notes.append(f"{report.failed} questions could not be asked (see the table)")
    if notes:
        lines.append("; ".join(notes) + ".")
    return "\n\n".join(lines)


def model_report_table(report: ModelTestReport) -> pd.DataFrame:
    numbers = {item.question_id: item.number for item in report.result.review}
    rows = [[numbers.get(row.question_id, ""), row.prompt, row.error or row.reply, row.chosen or "—", row.answer,
             "right" if row.correct else "wrong"] for row in report.rows]
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


# Progress --------------------------------------------------------------------------------------------

def attempts_table(history: Sequence[AttemptSummary]) -> pd.DataFrame:
    rows = []
    for number, attempt in enumerate(history, start=1):
        sections = " · ".join(f"{n}: {c}/{t}" for n, (c, t) in sorted(attempt.sections.items()))
        rows.append([number, attempt.finished_at[:16].replace("T", " "), attempt.set_title,
                     f"{attempt.correct}/{attempt.total}", round(attempt.percent, 1), sections])
    return pd.DataFrame(rows, columns=ATTEMPT_COLUMNS)


def types_table(by_type: Mapping[str, TypeScore]) -> pd.DataFrame:
    rows = [[s.type, s.correct, s.total, round(100 * s.accuracy, 1)] for s in by_type.values()]
    return pd.DataFrame(rows, columns=TYPE_COLUMNS)


def history_frame(history: Sequence[AttemptSummary]) -> pd.DataFrame:
    """One point per submitted attempt, for the history chart."""
    rows = [[number, round(a.percent, 1), a.set_title] for number, a in enumerate(history, start=1)]
    return pd.DataFrame(rows, columns=PLOT_COLUMNS).astype({"attempt": int, "percent": float, "set": str})


def progress_markdown(name: str, history: Sequence[AttemptSummary], by_type: Mapping[str, TypeScore]) -> str:
    if not history:
        return f"**{escape(name)}** has no submitted attempts yet."
    latest = history[-1]
    weakest = next(iter(by_type.values()), None)
    text = (f"**{escape(name)}**: {len(history)} submitted attempt(s); latest {latest.correct}/{latest.total} "
            f"({latest.percent:.0f} %) on {escape(latest.set_title)}.")
    if weakest is not None and weakest.total:
        text += f" Weakest question type so far: **{escape(weakest.type)}** ({100 * weakest.accuracy:.0f} % right)."
    return text
