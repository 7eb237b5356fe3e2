"""bf16 against fp32 on this CPU: one matrix product of a SmolLM2-135M MLP's shape, and the same
product under bf16 autocast as training runs it.

Why: bf16 is fast only where the CPU multiplies it in hardware (AVX512-BF16 or AMX); elsewhere torch
emulates it. The trainer warns in that case (`training/trainer.py`); this measures by how much.

    .venv/bin/python benchmarks/cpu_bf16.py [--rows 512] [--repeats 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_seconds  # noqa: E402
from wavllm_core.training.trainer import cpu_has_native_bf16  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=512, help="tokens in the product (default 512)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    x, w = torch.randn(args.rows, 576), torch.randn(576, 1536)  # SmolLM2-135M: hidden 576, MLP 1536
    xb, wb = x.bfloat16(), w.bfloat16()

    def autocast():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return x @ w

    fp32 = 1000 * median_seconds(lambda: x @ w, args.repeats)
    bf16 = 1000 * median_seconds(lambda: xb @ wb, args.repeats)
    mixed = 1000 * median_seconds(autocast, args.repeats)
    print(f"CPU has native bf16: {cpu_has_native_bf16()}; torch threads: {torch.get_num_threads()}")
    print(f"{args.rows}x576 @ 576x1536, median of {args.repeats}:")
    print(f"  fp32           {fp32:9.2f} ms  1.00x")
    print(f"  bf16           {bf16:9.2f} ms  {bf16 / fp32:5.2f}x fp32's time")
    print(f"  bf16 autocast  {mixed:9.2f} ms  {mixed / fp32:5.2f}x fp32's time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
