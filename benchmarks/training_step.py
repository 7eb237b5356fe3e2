"""One stage-2 training step (forward + backward) of a model on this machine: the model's own loss,
which projects every position onto the vocabulary, against `response_loss`, which projects only the
response's positions; and the CTC alignment term's share on top.

Why: on a 2-core CPU, training wavllm-mini is bound by the LLM's arithmetic, and the vocabulary
projection of audio frames and prompt tokens is work whose result the loss never reads.

    .venv/bin/python benchmarks/training_step.py [--model wavllm-mini] [--batch 8] [--seconds 4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_seconds  # noqa: E402
from wavllm_core.audio import prepare_waveform  # noqa: E402
from wavllm_core.hub import load_model  # noqa: E402
from wavllm_core.processing import IGNORE_INDEX  # noqa: E402
from wavllm_core.training.alignment import blank_token_id, ctc_alignment_loss  # noqa: E402
from wavllm_core.training.data import TEXT_INPUTS  # noqa: E402
from wavllm_core.training.features import as_encoder_outputs, extract_features  # noqa: E402
from wavllm_core.training.loss import response_loss  # noqa: E402
from wavllm_core.training.stages import configure_stage, stage_plan  # noqa: E402
from wavllm_core.training.toy_data import shaped_noise  # noqa: E402

SENTENCE = "the small boat left the harbour at seven and reached the island before the storm came in"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="wavllm-mini")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each synthetic clip")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    loaded = load_model(args.model, device="cpu")
    model, processor = loaded.model, loaded.processor
    configure_stage(model, stage_plan(2, prompt_aware=True))
    model.train()
    clips = [prepare_waveform(shaped_noise(args.seconds, seed=i), 16_000) for i in range(args.batch)]
    batch = processor(clips, ["Transcribe the audio."] * args.batch, response=[SENTENCE] * args.batch)
    text = {name: batch[name] for name in TEXT_INPUTS}
    with torch.no_grad():
        encoded = as_encoder_outputs(extract_features(model, batch), torch.device("cpu"))
    targets = [processor.tokenizer.encode(" " + SENTENCE)] * args.batch
    blank = blank_token_id(processor.tokenizer)

    def step(loss_of) -> None:
        model.zero_grad(set_to_none=True)
        loss_of().backward()

    own = median_seconds(lambda: step(lambda: model(**text, encoder_outputs=encoded).loss), args.repeats)
    ours = median_seconds(lambda: step(lambda: response_loss(model, text, encoder_outputs=encoded)), args.repeats)
    with_ctc = median_seconds(lambda: step(lambda: response_loss(model, text, encoder_outputs=encoded)
                                      + 0.2 * ctc_alignment_loss(model, encoded, targets, blank)), args.repeats)
    labelled = int((text["labels"] != IGNORE_INDEX).sum())
    print(f"{args.model}, batch {args.batch} x {text['input_ids'].shape[1]} positions ({labelled} labelled), "
          f"{args.seconds:g} s clips, torch threads {torch.get_num_threads()}, median of {args.repeats}:")
    print(f"  model's own loss (all positions)   {own:7.2f} s  1.00x")
    print(f"  response_loss (labelled only)      {ours:7.2f} s  {ours / own:5.2f}x")
    print(f"  response_loss + CTC alignment      {with_ctc:7.2f} s  {with_ctc / own:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
