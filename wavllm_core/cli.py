"""`python -m wavllm_core`: model information and asking a question about a recording.

The CLI is a user interface, so it writes answers to stdout; problems a user can fix end as one
`error:` line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import platform
import sys
from collections.abc import Sequence
from importlib import metadata

import torch

from .audio import load_audio
from .config import PRESETS
from .generation import Answer, DecodingSettings, stream_answer
from .hub import AUTO, OFFICIAL_NAME, ModelNotFoundError, default_model_name, is_model_dir, models_dir
from .loading_options import add_keep_loops_argument, add_loading_arguments, ctc_weight_argument, load_from_args
from .measurements import PeakMeasurement, measured_peaks, record_peak
from .quantization import estimate_memory

USER_ERRORS = (ValueError, FileNotFoundError, ModelNotFoundError)
# Feature modules that add subcommands: each defines `add_commands(subparsers)`, whose parsers set
# `run` to a function of the parsed arguments returning the exit status.
COMMAND_MODULES: tuple[str, ...] = ("wavllm_core.recording", "wavllm_core.training.commands", "wavllm_core.evaluation.commands", "wavllm_core.checkpoint_commands", "wavllm_core.mini.commands", "wavllm_core.quiz.commands", "wavllm_core.synth.commands")
LIBRARIES = ("torch", "transformers", "peft", "bitsandbytes", "gradio", "soundfile", "soxr", "huggingface-hub")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _device_line() -> str:
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return f"cuda: {props.name}, {props.total_memory / 2**30:.1f} GiB"
    return f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads (no CUDA GPU found)"


def _official_model_line() -> str:
    directory = models_dir() / OFFICIAL_NAME
    if is_model_dir(directory):
        size = sum(f.stat().st_size for f in directory.glob("*.safetensors"))
        return f"official {OFFICIAL_NAME}: converted, {size / 1e9:.1f} GB in {directory}"
    return f"official {OFFICIAL_NAME}: not downloaded (`python -m wavllm_core download` fetches ~30 GB and converts it)"


def cmd_info(args: argparse.Namespace) -> int:
    out = sys.stdout
    out.write("Presets (built in code, no download):\n")
    for name in PRESETS:
        estimate = estimate_memory(name, "fp32", device="cpu")
        out.write(f"  {name:12s} {estimate.parameters / 1e6:10.1f} M parameters\n")
    out.write(f"Device: {_device_line()}\n")
    out.write(f"Model cache: {models_dir()}\n")
    cached = sorted(p.name for p in models_dir().glob("*") if is_model_dir(p)) if models_dir().is_dir() else []
    out.write(f"  cached models: {', '.join(cached) or 'none'}; default model: {default_model_name()}\n")
    out.write(f"  {_official_model_line()}\n")
    out.write("Memory estimates (one request with a 30 s clip, GPU):\n")
    for quantization in ("fp16", "4bit"):
        out.write(f"  {estimate_memory('wavllm-7b', quantization).describe()}\n")
    if torch.cuda.is_available():
        peaks = measured_peaks()
        out.write("Measured peak GPU memory (from earlier `ask` runs):\n")
        for peak in peaks:
            out.write(f"  {peak.describe()}\n")
        if not peaks:
            out.write("  none yet: run `ask` once with the model to measure it\n")
    out.write("Libraries: " + ", ".join(f"{lib} {_version(lib)}" for lib in LIBRARIES) + "\n")
    out.write(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    settings = DecodingSettings(
        max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
        greedy=args.greedy, seed=args.seed, ctc_weight=args.ctc_weight, stop_loops=args.stop_loops,
    )
    clip = load_audio(args.audio)  # bad audio fails before a model is loaded
    loaded = load_from_args(args)
    result: Answer | None = None
    for item in stream_answer(loaded, clip, args.prompt, settings):
        if isinstance(item, Answer):
            result = item
        elif not args.json:
            sys.stdout.write(item)
            sys.stdout.flush()
    assert result is not None
    if result.peak_gpu_mb:
        device = torch.cuda.get_device_name(0)
        record_peak(PeakMeasurement(loaded.name, loaded.quantization, device, result.peak_gpu_mb, result.audio_seconds))
    if args.json:
        stats = result.stats()
        stats.update(model=loaded.name, trained=str(loaded.trained_parts) if loaded.trained_parts else None,
                     quantization=loaded.quantization, device=loaded.device)
        sys.stdout.write(json.dumps(stats, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n")
        for warning in result.warnings:
            sys.stderr.write(f"note: {warning}\n")
        if result.loop_cut:
            sys.stderr.write("note: the reply began repeating itself; it was stopped there and the repeats "
                             "(printed above) removed from its text (--keep-loops lets it run)\n")
        if loaded.untrained:
            sys.stderr.write(f"note: {loaded.name} has untrained random weights (development only)\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wavllm_core", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="presets, device, cached models, memory estimates, versions")
    info.set_defaults(run=cmd_info)

    ask = commands.add_parser("ask", help="ask a question about a recording; the answer streams to stdout")
    ask.add_argument("--model", default=AUTO, help="preset name, cached model name or directory (default: auto)")
    ask.add_argument("--audio", required=True, help="audio file (WAV, FLAC, OGG, MP3; any rate, any channels)")
    ask.add_argument("--prompt", default="", help="instruction; empty = answer the question spoken in the audio")
    add_loading_arguments(ask)
    ask.add_argument("--max-new-tokens", type=int, default=512)
    ask.add_argument("--temperature", type=float, default=0.5)
    ask.add_argument("--top-p", type=float, default=1.0)
    ask.add_argument("--greedy", action="store_true", help="greedy decoding instead of sampling")
    ask.add_argument("--seed", type=int, default=None)
    ask.add_argument("--ctc-weight", type=ctc_weight_argument, default=None, metavar="W",
                     help="guide the reply by the audio frames' CTC read-out at this weight (0 off, up to 1); "
                     "default: the model's own weight for a plain transcript request (\"Transcribe this.\"), "
                     "off otherwise")
    add_keep_loops_argument(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object with the answer and its figures")
    ask.set_defaults(run=cmd_ask)
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except USER_ERRORS as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
