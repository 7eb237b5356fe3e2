"""`python -m wavllm_core convert` and `download`: the official checkpoint into this project's format."""

from __future__ import annotations

import argparse
import sys

from .checkpoint_convert import DEFAULT_SHARD_BYTES, DTYPES, convert_checkpoint
from .download import RELEASE_FILE, RELEASE_REPO, TOKENIZER_REPO, download_release, downloads_dir
from .hub import OFFICIAL_NAME, models_dir

_NEXT_STEP = "Load it with `load_model({name!r}, load_in_4bit=True)` or `python -m wavllm_core ask --model {name} --4bit ...`."


def _loadable_name(directory) -> str:
    return OFFICIAL_NAME if directory == models_dir() / OFFICIAL_NAME else str(directory)


def cmd_convert(args: argparse.Namespace) -> int:
    out = args.out or models_dir() / OFFICIAL_NAME
    result = convert_checkpoint(
        args.checkpoint, out, args.tokenizer, dtype=args.dtype, shard_bytes=args.shard_mb << 20, force=args.force
    )
    sys.stdout.write(
        f"converted {result.tensors} tensors ({result.bytes_written / 1e9:.2f} GB, {args.dtype}) into {result.directory}\n"
        + _NEXT_STEP.format(name=_loadable_name(result.directory)) + "\n"
    )
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    result = download_release(
        revision=args.revision, cache_dir=args.cache_dir, tokenizer=args.tokenizer, out=args.out,
        dtype=args.dtype, force=args.force,
    )
    if result.already_converted:
        sys.stdout.write(f"the official model is already converted in {result.directory} (--force to redo it)\n")
    else:
        sys.stdout.write(
            f"downloaded {result.checkpoint} and converted it into {result.directory}\n"
            f"(the downloaded {RELEASE_FILE} is no longer needed; delete it to free its space)\n"
        )
    sys.stdout.write(_NEXT_STEP.format(name=_loadable_name(result.directory)) + "\n")
    return 0


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=None, help=f"output directory (default: {models_dir() / OFFICIAL_NAME})")
    parser.add_argument("--dtype", choices=tuple(DTYPES), default="float32",
                        help="weights' precision on disk (default: float32, exactly as released)")
    parser.add_argument("--force", action="store_true", help="replace an existing converted model")


def add_commands(subparsers) -> None:
    convert = subparsers.add_parser(
        "convert", help="convert the released fairseq final.pt into a loadable model directory (safe, low memory)"
    )
    convert.add_argument("--checkpoint", required=True, help="the release's final.pt")
    convert.add_argument("--tokenizer", default=None,
                         help="the stock LLaMA SentencePiece tokenizer.model (default: one beside the checkpoint)")
    convert.add_argument("--shard-mb", type=int, default=DEFAULT_SHARD_BYTES >> 20,
                         help="largest safetensors shard in MiB; peak memory stays near one shard")
    _add_output_options(convert)
    convert.set_defaults(run=cmd_convert)

    download = subparsers.add_parser(
        "download", help=f"fetch {RELEASE_REPO}'s {RELEASE_FILE} (~30 GB, resumable), check and convert it"
    )
    download.add_argument("--revision", default="main", help="branch, tag or commit of the release repository")
    download.add_argument("--cache-dir", default=None, help=f"where downloads are kept (default: {downloads_dir()})")
    download.add_argument("--tokenizer", default=None,
                          help=f"a local LLaMA tokenizer.model (default: fetched from {TOKENIZER_REPO})")
    _add_output_options(download)
    download.set_defaults(run=cmd_download)
