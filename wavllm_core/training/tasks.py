"""Which task a manifest row is: from an explicit `task` column, else its id prefix, else its prompt.

The published manifests carry no task column, so the task is read the way their ids and prompts
are written: ids start with a task or corpus name (`asr_…`, `librispeech-…`, `short_conv_12`),
and where they do not, the instruction's wording decides (see `task_from_prompt`).
Training uses the task to pick prompt variants; evaluation to pick the metric.
"""

from __future__ import annotations

import re

from ..evaluation.answers import parse_options

TASKS = ("asr", "st", "sv", "er", "sqa", "sqqa", "ii", "cot", "other")
TASK_NAMES = {
    "asr": "speech recognition",
    "st": "speech translation",
    "sv": "speaker verification",
    "er": "emotion recognition",
    "sqa": "spoken question answering (options in the prompt)",
    "sqqa": "spoken question, empty prompt",
    "ii": "independent instructions in one prompt",
    "cot": "chain-of-thought task",
    "other": "unrecognised task",
}
# id prefixes (task or corpus names) → task; matched as a prefix followed by a separator or digit.
ID_PREFIXES = {
    **{task: task for task in TASKS if task != "other"},
    "librispeech": "asr", "ls": "asr", "covost": "st", "voxceleb": "sv", "iemocap": "er",
    "meld": "er", "short_conv": "sqa", "gaokao": "sqa", "ii_task": "ii", "cot_task": "cot",
}
# Task words, in the order they decide; "speaker" is last as many other prompts mention one.
_KEYWORDS = {
    "er": re.compile(r"\bemotion", re.I),
    "st": re.compile(r"\btranslat", re.I),
    "asr": re.compile(r"\btranscri", re.I),
    "sv": re.compile(r"\bspeakers?\b", re.I),
}
_COT = re.compile(r"\bfirst(?: of all)?\b.*\b(?:lastly|finally)\b", re.I)


def task_from_id(row_id: str) -> str | None:
    """The task named by the id's prefix, longest prefix first ("sqqa_3" is sqqa, not sqa)."""
    lowered = row_id.lower()
    for prefix in sorted(ID_PREFIXES, key=len, reverse=True):
        if lowered.startswith(prefix):
            rest = lowered[len(prefix) :]
            if not rest or not rest[0].isalpha():
                return ID_PREFIXES[prefix]
    return None


def task_from_prompt(prompt: str) -> str:
    """From the wording: empty → sqqa (the question is spoken); "First … Lastly …" → cot;
    lettered options → sqa; two of emotion / translate / transcribe → ii; then emotion → er,
    translate → st, transcribe → asr, speaker → sv; anything else → other."""
    text = (prompt or "").strip()
    if not text:
        return "sqqa"
    if _COT.search(text):
        return "cot"
    if parse_options(text):
        return "sqa"
    named = [task for task, pattern in _KEYWORDS.items() if pattern.search(text)]
    if len([task for task in named if task != "sv"]) > 1:
        return "ii"
    return named[0] if named else "other"


def infer_task(row_id: str, prompt: str, explicit: str | None = None) -> str:
    """Explicit column, else id prefix, else prompt wording."""
    if explicit:
        return explicit.strip().lower()
    return task_from_id(row_id) or task_from_prompt(prompt)
