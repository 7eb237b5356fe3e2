"""From hypotheses to per-task scores: what part of an answer is scored, how it is read, which metric.

- asr: corpus WER after Whisper's English normalisation, with the recall of content words (names,
  places, numbers: words a model gets right only by hearing them) and the exactly right rows;
  with `--readout`, also the WER of the bridge's CTC read-out (`readout_wer`).
- st: corpus BLEU (sacrebleu; its "zh" tokenizer for CJK targets).
- cot: BLEU of the final step only: the answer's last non-empty line, without a leading
  "Label:" (the target is the last step's output, e.g. the German summary).
- sv, er, sqa: accuracy; the answer is read with `answers.py` (yes/no, the emotion label among
  the set's labels, the option letter from the options in the prompt). Unreadable answers count
  as wrong and are reported apart.
- sqqa, ii, other: open-ended answers; kept in the report, not scored.
A row whose audio could not be used has an empty hypothesis and its error in the report.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from . import metrics
from .answers import normalize_label, parse_options, read_choice, read_label, read_one_speaker

METRICS = {"asr": "wer", "st": "bleu", "cot": "bleu", "sv": "accuracy", "er": "accuracy", "sqa": "accuracy"}
_LABEL_PREFIX = re.compile(r"^\s*(?:step\s*\d+|\d+[.)]|[A-Za-z][\w ]{0,30}):\s*", re.I)


@dataclass
class RowResult:
    """One row's answer and how it was scored (every field goes to the JSON and CSV reports)."""

    index: int
    id: str
    task: str
    prompt: str
    reference: str
    hypothesis: str
    scored_text: str = ""
    read: str | None = None
    expected: str | None = None
    correct: bool | None = None
    error: str | None = None
    readout: str | None = None  # the fused frames read back by greedy CTC (`eval --readout`, ASR rows)
    loop_cut: bool = False  # the reply fell into a loop: stopped, and its repeats cut off (loop_guard.py)


@dataclass
class TaskScore:
    task: str
    rows: int
    metric: str | None
    value: float | None
    unreadable: int = 0
    failed: int = 0
    loops_cut: int = 0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def final_step(text: str) -> str:
    """The last non-empty line of a multi-step answer, a leading "Step 3:" / "Translation:" removed."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return _LABEL_PREFIX.sub("", lines[-1]).strip() if lines else ""


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def read_row(result: RowResult, labels: set[str]) -> RowResult:
    """Fill scored_text, read, expected and correct for the row's task."""
    hypothesis, reference, task = result.hypothesis, result.reference, result.task
    result.scored_text = final_step(hypothesis) if task == "cot" else hypothesis
    if task == "sv":
        result.read, result.expected = _yes_no(read_one_speaker(hypothesis)), _yes_no(read_one_speaker(reference))
    elif task == "er":
        result.read, result.expected = read_label(hypothesis, labels), normalize_label(reference)
    elif task == "sqa":
        options = parse_options(result.prompt)
        result.read, result.expected = read_choice(hypothesis, options), read_choice(reference, options)
    if task in ("sv", "er", "sqa"):
        result.correct = result.read is not None and result.read == result.expected
    return result


def score_task(task: str, rows: list[RowResult]) -> TaskScore:
    metric = METRICS.get(task)
    failed = sum(row.error is not None for row in rows)
    score = TaskScore(task, len(rows), metric, None, failed=failed, loops_cut=sum(row.loop_cut for row in rows))
    references = [row.reference for row in rows]
    hypotheses = [row.scored_text for row in rows]
    if metric == "wer":
        try:
            errors = metrics.word_error_rate(references, hypotheses)
        except ValueError as error:  # references without words: nothing to measure against
            score.details = {"note": str(error)}
            return score
        score.value = errors.wer
        content = metrics.content_word_recall(references, hypotheses)
        score.details = {**{k: v for k, v in asdict(errors).items() if k != "wer"},
                         "content_word_recall": content.recall, "content_words": content.content_words,
                         "exact_rows": content.exact_rows}
        readouts = [row.readout for row in rows if row.readout is not None]
        if readouts and len(readouts) == len(rows):
            score.details["readout_wer"] = metrics.word_error_rate(references, readouts).wer
    elif metric == "bleu":
        tokenize = metrics.bleu_tokenizer(references)
        score.value = metrics.bleu(references, hypotheses, tokenize)
        score.details = {"tokenize": tokenize}
    elif metric == "accuracy":
        score.value = metrics.accuracy([bool(row.correct) for row in rows])
        score.unreadable = sum(row.read is None for row in rows)
    return score


def score_rows(rows: list[RowResult]) -> dict[str, TaskScore]:
    """Read every row for its task, then one score per task (tasks in first-seen order)."""
    labels = {normalize_label(row.reference) for row in rows if row.task == "er"}
    by_task: dict[str, list[RowResult]] = {}
    for row in rows:
        by_task.setdefault(row.task, []).append(read_row(row, labels))
    return {task: score_task(task, task_rows) for task, task_rows in by_task.items()}
