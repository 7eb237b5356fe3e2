"""A multi-step run as chat messages: one collapsible section per step, filling as it streams."""

from __future__ import annotations

from wavllm_core import cot

STRATEGIES = {
    "One prompt (as WavLLM was trained)": cot.ONE_PROMPT,
    "Chained steps (one generation each)": cot.CHAINED,
}
_EXPLAINED = {
    cot.ONE_PROMPT: "All steps were asked in one prompt, as WavLLM was trained; the answer is split where it marks the steps.",
    cot.CHAINED: "Each step was its own generation; earlier results were passed on, as text, in the next instruction.",
}
_PLACEHOLDER = {"waiting": "*waiting…*", "running": "…", "done": "*(no text for this step)*",
                "stopped": "*(stopped)*", "skipped": "*(skipped)*"}
_UNMARKED = "*(no text marked for this step yet: unmarked text is shown under the last step)*"
_TITLE_CHARS = 90


def strategy_from_label(label: str) -> str:
    return STRATEGIES.get(label, label)


def _title(index: int, count: int, instruction: str) -> str:
    text = instruction if len(instruction) <= _TITLE_CHARS else instruction[: _TITLE_CHARS - 1].rstrip() + "…"
    return f"Step {index}/{count}: {text}"


def step_messages(run: cot.CoTRun, group: str) -> list[dict]:
    """Chat messages for `run`: a section per step (open with a spinner while it streams), then notes."""
    messages = []
    count = len(run.steps)
    for index, step in enumerate(run.steps, 1):
        metadata: dict = {"title": _title(index, count, step.instruction), "id": f"{group}-step-{index}"}
        if step.status == "running":
            metadata["status"] = "pending"
        elif step.status in ("waiting", "stopped", "skipped"):
            metadata["log"] = step.status
        if step.answer is not None:
            metadata["duration"] = round(step.answer.total_s, 2)
        content = step.text + (" ▌" if step.status == "running" and step.text else "")
        if not content:
            content = _UNMARKED if run.strategy == cot.ONE_PROMPT and index < count else _PLACEHOLDER[step.status]
        messages.append({"role": "assistant", "content": content, "metadata": metadata})
    if run.finished:
        lines = [_EXPLAINED[run.strategy], *run.notes]
        messages.append({"role": "assistant", "content": "\n\n".join(f"*{line}*" for line in lines)})
    return messages
