"""`python -m wavllm_core data make --out DIR --seed N [--examples N] ...` and `data stats DIR`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from ..audio import SAMPLE_RATE
from ..training.manifest import read_manifest
from .dataset import INFO_FILE, SPLITS, DataFolderError, DataOptions, make_dataset
from .text_pool import words


def cmd_make(args: argparse.Namespace) -> int:
    options = DataOptions(seed=args.seed, examples=args.examples, valid=args.valid, test=args.test,
                          held_out_voice=args.held_out_voice, grammar_sentences=args.grammar_sentences,
                          workers=args.workers, speaker_share=args.speaker_share)
    summary = make_dataset(options, args.out, progress=not args.no_progress)
    run = summary["last_run"]
    pool = summary["pool"]
    sys.stdout.write(f"text pool: {pool['sentences']} sentences ({pool['by_source']}), vocabulary {pool['vocabulary']}\n")
    sys.stdout.write("rows: " + ", ".join(f"{k} {v}" for k, v in summary["rows"].items()) + "\n")
    speed = f", {run['clips_per_s']} clips/s" if run["clips_per_s"] else ""
    sys.stdout.write(f"voiced {run['clips_made']} new clips in {run['render_s']:.1f} s{speed}; manifests in {args.out}\n")
    return 0


def _manifests(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DataFolderError(f"no such data folder: {folder}")
    named = [folder / f"{split}.tsv" for split in SPLITS if (folder / f"{split}.tsv").is_file()]
    found = named or sorted(folder.glob("*.tsv"))
    if not found:
        raise DataFolderError(f"{folder} holds no manifests (*.tsv); make one with `python -m wavllm_core data make`")
    return found


def split_stats(path: Path) -> dict:
    """Counts per task, distinct spoken texts, vocabulary and hours of audio of one manifest."""
    rows = read_manifest(path, check_audio=False)
    extra = _extra_columns(path)
    tasks = Counter(row.task + ("" if row.with_speech else " (text)") for row in rows)
    spoken = [extra[row.id].get("transcript", "") for row in rows if row.with_speech]
    frames = {row.audio: row.n_frames or 0 for row in rows if row.with_speech}
    voices = Counter(v for row in rows for v in extra[row.id].get("voices", "").split(",") if v)
    return {"rows": len(rows), "speech_rows": sum(r.with_speech for r in rows), "tasks": dict(sorted(tasks.items())),
            "distinct_spoken_texts": len(set(filter(None, spoken))),
            "vocabulary": len({w for text in spoken for w in words(text)}),
            "audio_hours": round(sum(frames.values()) / SAMPLE_RATE / 3600, 3), "voices": dict(sorted(voices.items()))}


def _extra_columns(path: Path) -> dict[str, dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for line in lines[1:]:
        if line.strip():
            values = dict(zip(header, line.split("\t")))
            out[values["id"].strip()] = values
    return out


def cmd_stats(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    result = {path.stem: split_stats(path) for path in _manifests(folder)}
    info = folder / INFO_FILE
    pool = json.loads(info.read_text(encoding="utf-8")).get("pool") if info.is_file() else None
    if args.json:
        sys.stdout.write(json.dumps({"pool": pool, "splits": result}, indent=2) + "\n")
        return 0
    if pool:
        sys.stdout.write(f"text pool: {pool['sentences']} sentences, vocabulary {pool['vocabulary']}, "
                         f"by source {pool['by_source']}, by split {pool['by_split']}\n")
    for split, stats in result.items():
        sys.stdout.write(f"{split}: {stats['rows']} rows ({stats['speech_rows']} with speech), "
                         f"{stats['audio_hours']:.2f} h of audio, {stats['distinct_spoken_texts']} distinct spoken texts, "
                         f"vocabulary {stats['vocabulary']}\n")
        sys.stdout.write("  tasks: " + ", ".join(f"{k} {v}" for k, v in stats["tasks"].items()) + "\n")
        if stats["voices"]:
            sys.stdout.write("  voices (clips using each): " + ", ".join(f"{k} {v}" for k, v in stats["voices"].items()) + "\n")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("data", help="synthetic training data for wavllm-mini: flite voices, broad text")
    commands = data.add_subparsers(dest="data_command", required=True)
    make = commands.add_parser("make", help="plan, voice and write a data set (resumes; existing clips are kept)")
    make.add_argument("--out", required=True, help="folder for audio/ and the manifests")
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--examples", type=int, default=40_000, help="training rows (default 40000)")
    make.add_argument("--valid", type=int, default=None, help="validation rows (default 2%% of --examples)")
    make.add_argument("--test", type=int, default=500, help="rows in each of test-seen and test-unseen")
    make.add_argument("--held-out-voice", default="kal16", help="the voice only the unseen-voice test set hears")
    make.add_argument("--grammar-sentences", type=int, default=30_000, help="grammar draws added to the fortunes")
    make.add_argument("--workers", type=int, default=2, help="flite processes")
    make.add_argument("--speaker-share", type=float, default=None,
                      help="share of speaker questions in train/valid, the other tasks in their usual proportions "
                           "(default 0.10); the test sets are unchanged")
    make.add_argument("--no-progress", action="store_true")
    make.set_defaults(run=cmd_make)
    stats = commands.add_parser("stats", help="counts per task and split, distinct sentences, vocabulary, hours")
    stats.add_argument("folder")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.set_defaults(run=cmd_stats)
