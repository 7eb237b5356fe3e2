"""`python -m wavllm_core eval --model M --manifest TSV --audio-root DIR --out report.json`.

Prints the per-task table and writes the JSON report and a CSV (every hypothesis) beside it.
Under `accelerate launch`, each process decodes its share of the rows; the main process writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..hub import AUTO
from ..loading_options import add_keep_loops_argument, add_loading_arguments, ctc_weight_argument, load_from_args
from ..training.config import ALIGNMENT_SOURCES
from ..training.manifest import read_manifest


def cmd_eval(args: argparse.Namespace) -> int:
    rows = read_manifest(args.manifest, args.audio_root)
    from accelerate import PartialState  # heavy: only when evaluating

    from .runner import EvalSettings, evaluate

    state = PartialState(cpu=args.device == "cpu")
    device = args.device or str(state.device)
    loaded = load_from_args(args, device)
    settings = EvalSettings(
        max_new_tokens=args.max_new_tokens, greedy=not args.sample, temperature=args.temperature, top_p=args.top_p,
        seed=args.seed, batch_size=args.batch_size, ablate_audio=args.ablate_audio, limit=args.limit,
        readout=args.readout, by_likelihood=args.by_likelihood, ctc_weight=args.ctc_weight,
        stop_loops=args.stop_loops,
    )
    report = evaluate(loaded, rows, settings, manifest=str(args.manifest), state=state, progress=not args.no_progress)
    if not state.is_main_process:
        return 0
    out = Path(args.out)
    csv_path = Path(args.csv) if args.csv else out.with_suffix(".csv")
    report.write_json(out)
    report.write_csv(csv_path)
    title = f"{loaded.label} on {args.manifest}"
    sys.stdout.write(f"{title}{' (audio ablated: silence)' if args.ablate_audio else ''}\n{report.table()}\n")
    sys.stdout.write(f"report: {out}\nhypotheses: {csv_path}\n")
    if loaded.untrained:
        sys.stderr.write(f"note: {loaded.name} has untrained random weights: scores mean nothing\n")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score a model on a manifest, per task (WER, BLEU, accuracy)")
    parser.add_argument("--model", default=AUTO, help="preset name, cached model name or directory (default: auto)")
    parser.add_argument("--manifest", required=True, help="TSV manifest (id, audio, n_frames, prompt, tgt_text, with_speech)")
    parser.add_argument("--audio-root", default=None, help="folder the manifest's audio paths are relative to "
                        "(default: the manifest's folder)")
    parser.add_argument("--out", required=True, help="JSON report path; the CSV goes beside it")
    parser.add_argument("--csv", default=None, help="CSV path (default: the JSON path with .csv)")
    parser.add_argument("--limit", type=int, default=None, help="score N rows drawn at random with --seed")
    parser.add_argument("--seed", type=int, default=0, help="seed for --limit and for --sample decoding")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--sample", action="store_true", help="sample as the release did (default: greedy)")
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--ablate-audio", action="store_true", help="replace every clip by silence of the same length")
    parser.add_argument("--readout", nargs="?", const="fused", default=None, choices=ALIGNMENT_SOURCES,
                        help="also read ASR clips' fused frames (or, with 'semantic', the semantic stream's part, "
                        "for parts trained with alignment_source: semantic) back by greedy CTC and report that WER "
                        "(readout_wer)")
    parser.add_argument("--by-likelihood", action="store_true",
                        help="answer multiple-choice rows with audio by the likeliest option instead of decoding")
    parser.add_argument("--ctc-weight", type=ctc_weight_argument, default=None, metavar="W",
                        help="decode ASR rows' transcripts jointly with the frames' CTC read-out at this weight "
                        "(0 off, up to 1; wavllm-mini's own is 0.5); default: off")
    add_keep_loops_argument(parser)
    add_loading_arguments(parser, "cpu or cuda (default: this process's accelerate device)")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=cmd_eval)
