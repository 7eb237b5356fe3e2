"""Multiple choice by likelihood: `score_options` (the shared prompt through the LLM once, its key/value
cache copied to every option's row) against scoring all the options' full rows in one batch (as
before 2026-12-03), side by side on the same questions, with the largest difference of their scores and how often
they pick the same option.

    .venv/bin/python benchmarks/option_scoring.py [--model wavllm-mini] [--set assets/quiz/practice-1] [--questions 6]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_seconds  # noqa: E402
from wavllm_core.audio import load_audio  # noqa: E402
from wavllm_core.hub import load_model  # noqa: E402
from wavllm_core.option_scoring import option_replies, score_options  # noqa: E402
from wavllm_core.quiz.format import load_quiz  # noqa: E402
from wavllm_core.training.loss import labelled_logits  # noqa: E402


def score_in_one_batch(loaded, clip, prompt: str, options) -> dict[str, float]:
    """The comparison: every option's whole row (prompt and reply) through the LLM in one batch."""
    replies = option_replies(options)
    batch = dict(loaded.processor([clip] * len(replies), [prompt] * len(replies), response=list(replies.values()))
                 .to(loaded.device))
    with torch.no_grad():
        logits, targets, counts = labelled_logits(loaded.model, batch)
    picked = logits.log_softmax(-1).gather(-1, targets[:, None])[:, 0]
    return {letter: float(lp.mean()) for letter, lp in zip(replies, picked.split(counts.tolist()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="wavllm-mini")
    parser.add_argument("--set", default="assets/quiz/practice-1", help="quiz set whose questions are scored")
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    loaded = load_model(args.model)
    pairs = list(load_quiz(args.set).questions())[: args.questions]
    clips = {conversation.id: load_audio(conversation.audio) for conversation, _ in pairs}
    rows, largest_difference, same_choice = [], 0.0, 0
    for conversation, question in pairs:
        clip, prompt = clips[conversation.id], question.prompt()
        shared = score_options(loaded, clip, prompt, question.options).scores
        full = score_in_one_batch(loaded, clip, prompt, question.options)
        largest_difference = max(largest_difference, *(abs(shared[k] - full[k]) for k in full))
        same_choice += max(shared, key=shared.__getitem__) == max(full, key=full.__getitem__)
        rows.append({
            "question": question.id, "audio_s": round(clip.duration_s, 1), "options": len(question.options),
            "shared_prefix_s": median_seconds(lambda: score_options(loaded, clip, prompt, question.options), args.repeats),
            "one_batch_s": median_seconds(lambda: score_in_one_batch(loaded, clip, prompt, question.options), args.repeats),
        })
        rows[-1]["speedup"] = rows[-1]["one_batch_s"] / rows[-1]["shared_prefix_s"]
    total_shared, total_full = sum(r["shared_prefix_s"] for r in rows), sum(r["one_batch_s"] for r in rows)
    print(json.dumps({
        "model": loaded.name, "quantization": loaded.quantization, "device": loaded.device, "set": args.set,
        "questions": rows, "total_shared_prefix_s": total_shared, "total_one_batch_s": total_full,
        "speedup": total_full / total_shared, "largest_score_difference": largest_difference,
        "same_choice": f"{same_choice}/{len(rows)}",
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
