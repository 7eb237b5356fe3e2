"""`python -m wavllm_core train --config CONFIG.yaml` and `toy-data --out DIR`."""

from __future__ import annotations

import argparse
import sys

from .config import TrainConfig
from .toy_data import write_toy_dataset


def cmd_train(args: argparse.Namespace) -> int:
    from .trainer import train  # heavy (accelerate, schedulers): only when training

    config = TrainConfig.from_yaml(args.config)
    result = train(config, resume=args.resume, stop_at_step=args.stop_at_step, progress=not args.no_progress)
    if not result.main_process:
        return 0
    if result.finished:
        sys.stdout.write(f"trained {result.step} steps; trained parts: {result.trained_parts}\n")
    else:
        sys.stdout.write(f"stopped at step {result.step}; resume with --resume auto\n")
    if result.last_loss is not None:
        sys.stdout.write(f"last loss {result.last_loss:.4f}"
                         + (f", validation loss {result.val_loss:.4f}" if result.val_loss is not None else "") + "\n")
    return 0


def cmd_toy_data(args: argparse.Namespace) -> int:
    paths = write_toy_dataset(args.out, args.train_rows, args.valid_rows, args.seed)
    sys.stdout.write("".join(f"{split}: {path}\n" for split, path in paths.items()))
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a stage of the curriculum from a YAML config")
    parser.add_argument("--config", required=True, help="training config (see configs/tiny-train.yaml)")
    parser.add_argument("--resume", default=None, help="a checkpoint folder, or 'auto' for the latest in output_dir")
    parser.add_argument("--stop-at-step", type=int, default=None, help="stop (with a checkpoint) once this step is reached")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=cmd_train)

    toy = subparsers.add_parser("toy-data", help="write a small generated manifest + WAVs for trying the trainer")
    toy.add_argument("--out", required=True, help="folder to write into")
    toy.add_argument("--train-rows", type=int, default=20)
    toy.add_argument("--valid-rows", type=int, default=5)
    toy.add_argument("--seed", type=int, default=0)
    toy.set_defaults(run=cmd_toy_data)
