"""The command-line options every command that loads a model shares, and the load they ask for."""

from __future__ import annotations

import argparse
from pathlib import Path

from .hub import LoadedModel, load_model
from .training.parts import load_trained_parts


def add_loading_arguments(parser: argparse.ArgumentParser, device_help: str = "cpu or cuda (default: cuda when available)") -> None:
    parser.add_argument("--trained", default=None, metavar="FILE",
                        help="trained-parts file from `train` to load on top of the model (e.g. a run's "
                             "trained.safetensors or a checkpoint's), to try it before installing it")
    parser.add_argument("--4bit", dest="four_bit", action="store_true", help="load the LLM in 4-bit NF4")
    parser.add_argument("--fp32-decoding", dest="half_decoding", action="store_false",
                        help="on the CPU, decode with the fp32 weights alone, without the LLM's fp16 copies "
                             "(~270 MB less for wavllm-mini, 1.6-1.8x fewer tokens/s)")
    parser.add_argument("--device", default=None, help=device_help)


def load_from_args(args: argparse.Namespace, device: str | None = None) -> LoadedModel:
    """The model `args.model` names, loaded as the options say (`device` overrides --device), with
    --trained's parts on top."""
    loaded = load_model(args.model, load_in_4bit=args.four_bit, device=device or args.device, half_decoding=args.half_decoding)
    if args.trained:
        load_trained_parts(loaded.model, args.trained)
        loaded.trained_parts = Path(args.trained)
    return loaded


def ctc_weight_argument(text: str) -> float:
    """--ctc-weight: a share from 0 (off) to 1, or a message that says what was wrong."""
    try:
        weight = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= weight <= 1:
        raise argparse.ArgumentTypeError(f"the CTC weight must be between 0 (off) and 1, e.g. 0.5; got {text}")
    return weight


def add_keep_loops_argument(parser: argparse.ArgumentParser) -> None:
    """--keep-loops: the raw reply, for looking at how a model fails (loop_guard.py)."""
    parser.add_argument("--keep-loops", dest="stop_loops", action="store_false",
                        help="let a reply that repeats one span 4+ times run on to the token budget "
                             "(default: stop it there and cut the repeats off)")
