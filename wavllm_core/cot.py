"""Multi-step ("chain-of-thought") instructions: find the steps, run them, report each step's text.

WavLLM was trained on CoT prompts written in one line ("First of all, …; Additionally, …; Lastly, …")
whose target is the final result alone. So there are two ways to run such a request:

- `ONE_PROMPT`: every step in one instruction, as trained. The streamed answer is split into the steps
  where it marks them ("1." / "Step 2:" / "Additionally, …"); otherwise it is reported whole under
  the last step, with a note saying so.
- `CHAINED`: each step is its own generation; earlier steps' results are passed on, as text, in the
  next step's (one-line) instruction. Step i samples with seed + i.

`run_steps` yields the same `CoTRun` after every change, so a UI can redraw it as it streams.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from .audio import AudioClip, load_audio
from .generation import Answer, DecodingSettings, stream_answer
from .hub import LoadedModel
from .processing import Turn, normalize_instruction

_LOG = logging.getLogger(__name__)
LOOP_NOTE = "{what} began repeating itself: it was stopped there and the repeats removed."

# The published CoT-task prompt of the WavLLM release (its target is the German summary alone).
PUBLISHED_PROMPT = (
    "First of all, transcribe the audio recording into text, capturing every spoken word; Additionally given "
    "this audio clip and text, can you condense it into a clear, concise summary, no more than 20 words?; "
    "Lastly disregarding the sound, translate this English summary into German."
)
ONE_PROMPT = "one-prompt"
CHAINED = "chained"
STRATEGIES = (ONE_PROMPT, CHAINED)
MAX_RESULT_CHARS = 500  # an earlier result passed to the next chained step is cut to this

_FIRST_CUE = r"first of all|first(?:ly)?|to begin with|to start with"
_LATER_CUE = r"additionally|second(?:ly)?|third(?:ly)?|next|then|after that|furthermore|moreover|also"
_LAST_CUE = r"lastly|finally|last of all"
# Answers are prose: only cue words that rarely open an ordinary sentence mark a step there.
_ANSWER_CUES = (r"first of all|firstly|first", r"additionally|secondly|second|thirdly|third|next", r"lastly|finally")
_CUE_START = re.compile(rf"^\s*(?P<cue>{_FIRST_CUE}|{_LATER_CUE}|{_LAST_CUE})\b[\s,:]*", re.IGNORECASE)
_FIRST_ONLY = re.compile(rf"^(?:{_FIRST_CUE})$", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]\s+|(?:step\s*)?\(?\d{1,2}\s*[.):]\s*|step\s*\d{1,2}\s*[-:.]?\s*)", re.IGNORECASE)
_INLINE_NUMBER = re.compile(r"(?:^|(?<=\s))(?:step\s*)?\(?(\d{1,2})[.):]\s+", re.IGNORECASE)
_CLAUSE_END = re.compile(r";\s*|(?<=[.!?])\s+")
_STOPPED_NOTE = "Stopped: the steps after the one that was running were not answered."

StepStatus = Literal["waiting", "running", "done", "stopped", "skipped"]
Strategy = Literal["one-prompt", "chained"]


@dataclass(frozen=True)
class StepPlan:
    """The steps of a multi-step instruction and the one-line instruction that asks for all of them."""

    steps: tuple[str, ...]
    one_line: str
    style: Literal["cues", "numbered", "lines"]


@dataclass
class Step:
    """One step as the user sees it: its instruction, its text so far and where it stands."""

    instruction: str
    text: str = ""
    status: StepStatus = "waiting"
    sent_instruction: str | None = None  # chained: what this step's generation was asked
    answer: Answer | None = None  # chained: this step's own figures


@dataclass
class CoTRun:
    """A multi-step answer in progress (the same object is yielded after each change)."""

    strategy: Strategy
    plan: StepPlan
    steps: list[Step]
    answers: list[Answer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    finished: bool = False
    stopped: bool = False

    @property
    def summary_text(self) -> str:
        """Every step's result on one numbered line each, e.g. for a chat history turn."""
        return "\n".join(f"{i}. {step.text.strip()}" for i, step in enumerate(self.steps, 1) if step.text.strip())


# Parsing ------------------------------------------------------------------------------------

def plan_steps(text: str | None) -> StepPlan:
    """Find the steps in an instruction: one per line, numbered, or "First of all, …; Additionally, …".

    Raises ValueError (with a message for the user) when there are fewer than two steps.
    """
    raw = (text or "").strip()
    for finder, style in ((_steps_from_lines, "lines"), (_steps_from_numbers, "numbered"), (_steps_from_cues, "cues")):
        steps = finder(raw)
        if len(steps) >= 2:
            one_line = normalize_instruction(raw) if style == "cues" else one_line_instruction(steps)
            return StepPlan(tuple(steps), one_line, style)
    raise ValueError(
        "step-by-step mode needs at least two steps: write them one per line, numbered (1. … 2. …), "
        "or as 'First of all, …; Additionally, …; Lastly, …'"
    )


def _clean_step(text: str) -> str:
    step = normalize_instruction(text).strip(" ;,")
    return step[:1].upper() + step[1:]


def _steps_from_lines(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    steps = [_clean_step(_strip_markers(line)) for line in lines]
    return [step for step in steps if step]


def _strip_markers(line: str) -> str:
    """"- Step 2: translate" → "translate": a bullet, a number and a "Step N" label may be stacked."""
    while (match := _LIST_MARKER.match(line)) and match.end() > 0:
        line = line[match.end():]
    return line


def _steps_from_numbers(text: str) -> list[str]:
    """"1. a 2. b 3. c" (or "(1) …", "Step 1: …"): numbers must run 1, 2, 3, … in order."""
    starts: list[re.Match] = []
    for match in _INLINE_NUMBER.finditer(text):
        if int(match.group(1)) == len(starts) + 1:
            starts.append(match)
    if len(starts) < 2:
        return []
    preamble = text[: starts[0].start()].strip()
    ends = [m.start() for m in starts[1:]] + [len(text)]
    steps = [_clean_step(text[m.end():end]) for m, end in zip(starts, ends)]
    if preamble and not preamble.endswith(":"):
        steps[0] = _clean_step(f"{preamble} {steps[0]}")
    return [step for step in steps if step]


def _steps_from_cues(text: str) -> list[str]:
    """Clauses opened by "First of all" / "Additionally" / "Lastly" (and the like) start steps."""
    clauses = [c for c in _CLAUSE_END.split(normalize_instruction(text)) if c.strip()]
    first = _CUE_START.match(clauses[0]) if clauses else None
    if first is None or not _FIRST_ONLY.match(first.group("cue")):
        return []
    steps: list[str] = []
    for clause in clauses:
        cue = _CUE_START.match(clause)
        if cue is not None:
            steps.append(clause[cue.end():])
        else:
            steps[-1] = f"{steps[-1]}; {clause}" if not steps[-1].endswith((".", "?", "!")) else f"{steps[-1]} {clause}"
    return [_clean_step(step) for step in steps if step.strip()]


def one_line_instruction(steps: Sequence[str]) -> str:
    """The published CoT wording for a list of steps: "First of all, a; Additionally, b; Lastly, c."."""
    cues = ["First of all"] + ["Additionally"] * (len(steps) - 2) + ["Lastly"]
    parts = []
    for index, (cue, step) in enumerate(zip(cues, steps)):
        body = _lower_first(step.strip())
        last = index == len(steps) - 1
        body = body.rstrip(".;") if not last else (body if body.endswith((".", "?", "!")) else body + ".")
        parts.append(f"{cue}, {body}")
    return "; ".join(parts)


def _lower_first(text: str) -> str:
    """Lower-case a sentence's first word unless it looks like a name or an acronym."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].islower():
        return word[0].lower() + text[1:]
    return text


def split_answer(text: str, count: int) -> list[str] | None:
    """Split an answer into `count` steps where it marks them; None when it marks fewer than two."""
    position, starts = 0, []
    for index in range(1, count + 1):
        match = _step_marker(index, count).search(text, position)
        if match is None:
            break
        starts.append(match)
        position = match.end()
    if len(starts) < 2:
        return None
    ends = [m.start() for m in starts[1:]] + [len(text)]
    parts = [text[m.end():end].strip() for m, end in zip(starts, ends)]
    preamble = text[: starts[0].start()].strip()
    if preamble:
        parts[0] = f"{preamble} {parts[0]}".strip()
    return parts + [""] * (count - len(parts))


def _step_marker(index: int, count: int) -> re.Pattern:
    """"2." / "(2)" / "Step 2:" after a space, or a cue word ("Additionally") opening a sentence."""
    first, later, last = _ANSWER_CUES
    cue = first if index == 1 else (f"{later}|{last}" if index == count else later)
    number = rf"(?:step\s*{index}\b|\(?{index}[.)](?!\d))"
    boundary = r"(?:^|(?<=[\n.!?;:])\s*)"
    return re.compile(
        rf"(?:(?:^|(?<=\s)){number}|{boundary}(?:\*\*)?(?:{cue})\b)(?:\*\*)?[\s,:.)-]*",
        re.IGNORECASE,
    )


def chained_instruction(step: str, earlier: Sequence[tuple[str, str]], max_chars: int = MAX_RESULT_CHARS) -> tuple[str, bool]:
    """One line asking for `step`, given earlier steps' (instruction, result); True when a result was cut."""
    if not earlier:
        return normalize_instruction(step), False
    cut = False
    quoted = []
    for number, (instruction, result) in enumerate(earlier, 1):
        result = normalize_instruction(result)
        if len(result) > max_chars:
            result, cut = result[:max_chars].rstrip() + "…", True
        quoted.append(f'step {number} ({normalize_instruction(instruction).rstrip(".?!")}): "{result}"')
    context = "; ".join(quoted)
    return normalize_instruction(f"Earlier results: {context}. Now: {step}"), cut


# Running ------------------------------------------------------------------------------------

def run_steps(
    loaded: LoadedModel,
    audio: AudioClip | object,
    plan: StepPlan,
    strategy: Strategy = ONE_PROMPT,
    settings: DecodingSettings = DecodingSettings(),
    history: Sequence[Turn] = (),
    stop: threading.Event | None = None,
) -> Iterator[CoTRun]:
    """Answer every step of `plan`, yielding the run after each streamed piece and each step's end."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown step strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    clip = load_audio(audio)
    stop = stop or threading.Event()
    run = CoTRun(strategy, plan, [Step(instruction) for instruction in plan.steps])
    runner = _run_one_prompt if strategy == ONE_PROMPT else _run_chained
    yield from runner(run, loaded, clip, settings, history, stop)
    run.finished = True
    yield run


def _run_one_prompt(run, loaded, clip, settings, history, stop) -> Iterator[CoTRun]:
    text = ""
    for step in run.steps:
        step.status = "running"
    yield run
    for item in stream_answer(loaded, clip, run.plan.one_line, settings, history, stop):
        if isinstance(item, Answer):
            run.answers.append(item)
            run.stopped = item.stopped
            _distribute(run, item.text, final=True)
            if item.loop_cut:
                run.notes.append(LOOP_NOTE.format(what="The answer"))
        else:
            text += item
            _distribute(run, text, final=False)
        yield run


def _distribute(run: CoTRun, text: str, final: bool) -> None:
    """Give each step its part of the answer so far; unmarked text goes under the last step."""
    parts = split_answer(text, len(run.steps))
    marked = parts is not None
    if parts is None:
        parts = [""] * (len(run.steps) - 1) + [text.strip()]
    last_marked = max((i for i, part in enumerate(parts) if part), default=len(parts) - 1)
    for index, (step, part) in enumerate(zip(run.steps, parts)):
        step.text = part
        if final:
            step.status = "stopped" if run.stopped and index >= last_marked else "done"
        elif not marked or index == last_marked:
            step.status = "running"
        else:
            step.status = "done" if index < last_marked else "waiting"
    if final:
        if not marked:
            run.notes.append(
                "The answer does not mark the steps, so it is shown whole under the last step "
                "(WavLLM was trained to answer a multi-step prompt with the final result only)."
            )
        elif not all(parts):
            missing = [str(i) for i, part in enumerate(parts, 1) if not part]
            run.notes.append(f"The answer marked no text for step(s) {', '.join(missing)}.")
        if run.stopped:
            run.notes.append("Stopped before the answer was complete.")


def _run_chained(run, loaded, clip, settings, history, stop) -> Iterator[CoTRun]:
    earlier: list[tuple[str, str]] = []
    for index, step in enumerate(run.steps):
        if stop.is_set():
            _skip_rest(run, index)
            break
        step.sent_instruction, cut = chained_instruction(step.instruction, earlier)
        if cut:
            run.notes.append(f"Step {index + 1} was given earlier results cut to {MAX_RESULT_CHARS} characters each.")
        step.status = "running"
        yield run
        for item in stream_answer(loaded, clip, step.sent_instruction, step_settings(settings, index), history, stop):
            if isinstance(item, Answer):
                step.answer, step.text = item, item.text
                run.answers.append(item)
                step.status = "stopped" if item.stopped else "done"
                if item.loop_cut:
                    run.notes.append(LOOP_NOTE.format(what=f"Step {index + 1}"))
            else:
                step.text += item
            yield run
        if step.status == "stopped":
            _skip_rest(run, index + 1)
            break
        earlier.append((step.instruction, step.text))
        _LOG.debug("chained step %d done: %d characters", index + 1, len(step.text))


def step_settings(settings: DecodingSettings, index: int) -> DecodingSettings:
    """A chained step's settings: seed + step index, so steps do not all replay one random stream."""
    return settings if settings.seed is None else replace(settings, seed=settings.seed + index)


def _skip_rest(run: CoTRun, start: int) -> None:
    run.stopped = True
    for step in run.steps[start:]:
        step.status = "skipped"
    run.notes.append(_STOPPED_NOTE)
