"""Start WavLLM Studio in the browser: `python app.py` serves http://127.0.0.1:7860.

Options choose where it listens and which model it loads; a model that cannot be found ends in one
`error:` line (exit status 2) instead of a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from wavllm_core.hub import AUTO, ModelNotFoundError


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for the network)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--share", action="store_true", help="also open a temporary public gradio.live link")
    parser.add_argument("--model", default=AUTO,
                        help="preset name, cached model name or model directory (default auto: the converted "
                             "official model when present, else a trained wavllm-mini, else tiny-random)")
    parser.add_argument("--4bit", dest="four_bit", action="store_true", help="load the LLM in 4-bit NF4")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from app.service import ModelService
    from app.ui import build_ui, launch

    try:
        service = ModelService(args.model, load_in_4bit=args.four_bit, device=args.device)
    except (ModelNotFoundError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    launch(build_ui(service), host=args.host, port=args.port, share=args.share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
