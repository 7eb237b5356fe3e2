"""`python -m wavllm_core quiz import|make|run|check`: listening-practice sets from the command line.

  quiz import --tsv gaokao.tsv --audio-dir DIR [--transcripts DIR] --out DIR   the published set
  quiz make --seed N --out DIR                                                 a fresh practice set
  quiz run --model M --set DIR [--limit N] [--by-likelihood]                   the model takes the test
  quiz check DIR                                                               validate a set
"""

from __future__ import annotations

import argparse
import json
import sys

from ..hub import AUTO
from ..loading_options import add_loading_arguments, load_from_args
from ..option_scoring import score_options
from .format import load_quiz
from .generator import SPEAKING_RATE, make_set
from .importer import import_official
from .model_takes_test import take_test
from .tts import FliteTTS


def _describe(quiz) -> str:
    parts = [f"section {rule.number}: {len(items)} conversation(s), {sum(len(c.questions) for c in items)} question(s), "
             f"played {'once' if rule.plays == 1 else 'twice'}" for rule, items in quiz.sections()]
    return f"{quiz.title} ({quiz.id}, {quiz.source}) in {quiz.directory}\n  " + "\n  ".join(parts)


def cmd_import(args: argparse.Namespace) -> int:
    summary = import_official(args.tsv, args.audio_dir, args.out, args.transcripts, overwrite=args.force)
    sys.stdout.write(_describe(summary.quiz) + "\n")
    if args.transcripts:
        sys.stdout.write(f"  transcripts: {summary.with_transcript} of {summary.items}\n")
        if summary.missing_transcripts:
            sys.stderr.write(f"note: no transcript for {len(summary.missing_transcripts)} item(s), "
                             f"e.g. {summary.missing_transcripts[0]}\n")
    return 0


def cmd_make(args: argparse.Namespace) -> int:
    tts = FliteTTS(binary=args.tts, duration_stretch=SPEAKING_RATE)
    quiz = make_set(args.seed, args.out, tts=tts, short=args.short, long=args.long, overwrite=args.force)
    sys.stdout.write(_describe(quiz) + "\n")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.set)  # a broken set fails before a model is loaded
    loaded = load_from_args(args)
    report = take_test(loaded, quiz, limit=args.limit, ablate_audio=args.ablate_audio,
                       score=score_options if args.by_likelihood else None)
    result = report.result
    if args.json:
        trained = str(loaded.trained_parts) if loaded.trained_parts else None
        data = {"model": loaded.name, "trained": trained, "set": quiz.id, "ablate_audio": args.ablate_audio, "by_likelihood": args.by_likelihood,
                "accuracy": round(report.accuracy, 4), "unreadable": report.unreadable, "failed": report.failed,
                "result": result.to_dict(),
                "answers": [{"question_id": r.question_id, "reply": r.reply, "chosen": r.chosen, "answer": r.answer,
                             "error": r.error, "option_scores": r.option_scores} for r in report.rows]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        heard = (" (audio ablated: silence)" if args.ablate_audio else "") + (" (by likelihood)" if args.by_likelihood else "")
        sys.stdout.write(f"{loaded.label} on {quiz.title}{heard}: {result.correct}/{result.total} correct "
                         f"({100 * report.accuracy:.1f}%), {report.unreadable} unreadable, {report.failed} failed\n")
        for section in result.sections:
            sys.stdout.write(f"  section {section.number}: {section.correct}/{section.total} ({section.percent:.1f}%)\n")
        for score in result.by_type:
            sys.stdout.write(f"  {score.type:12s} {score.correct}/{score.total}\n")
    if loaded.untrained:
        sys.stderr.write(f"note: {loaded.name} has untrained random weights: the score means nothing\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.set)
    sys.stdout.write(_describe(quiz) + "\n  valid\n")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    quiz = subparsers.add_parser("quiz", help="Gaokao-style listening practice sets: import, make, run, check")
    commands = quiz.add_subparsers(dest="quiz_command", required=True)

    imp = commands.add_parser("import", help="turn the published Gaokao TSV (+ audio, + transcripts) into a quiz set")
    imp.add_argument("--tsv", required=True, help="TSV with columns id, audio, n_frames, prompt, tgt_text, with_speech")
    imp.add_argument("--audio-dir", required=True, help="folder holding the audio the TSV names")
    imp.add_argument("--transcripts", default=None, help="folder of short_conv_N.txt transcripts (optional)")
    imp.add_argument("--out", required=True, help="folder to write the set into")
    imp.add_argument("--force", action="store_true", help="replace a set already in --out")
    imp.set_defaults(run=cmd_import)

    make = commands.add_parser("make", help="generate a fresh practice set voiced with flite")
    make.add_argument("--seed", type=int, required=True, help="the same seed makes the same set")
    make.add_argument("--out", required=True, help="folder to write the set into")
    make.add_argument("--short", type=int, default=5, help="section 1 conversations (default 5)")
    make.add_argument("--long", type=int, default=2, help="section 2 conversations (default 2)")
    make.add_argument("--tts", default="flite", help="the flite program to use (default: flite on PATH)")
    make.add_argument("--force", action="store_true", help="replace a set already in --out")
    make.set_defaults(run=cmd_make)

    run = commands.add_parser("run", help="let a model take a set and report its accuracy")
    run.add_argument("--model", default=AUTO, help="preset name, cached model name or directory (default: auto)")
    run.add_argument("--set", required=True, help="quiz set folder (or its quiz.json)")
    run.add_argument("--limit", type=int, default=None, help="only the first N questions")
    add_loading_arguments(run)
    run.add_argument("--json", action="store_true", help="print one JSON object with every answer")
    run.add_argument("--ablate-audio", action="store_true", help="play silence of each conversation's length instead")
    run.add_argument("--by-likelihood", action="store_true",
                     help="choose the option whose reply the model finds likeliest instead of reading a written reply")
    run.set_defaults(run=cmd_run)

    check = commands.add_parser("check", help="validate a quiz set and summarise it")
    check.add_argument("set", help="quiz set folder (or its quiz.json)")
    check.set_defaults(run=cmd_check)
