"""Load test: N concurrent gradio_client sessions against the app, each with its own question and seed.

Every session must get an answer, without errors, and exactly the answer it gets when it is the only
one asking (so no answer reached the wrong session). Prints latency percentiles and queue positions.

    python benchmarks/load.py [--sessions 20] [--max-new-tokens 32] [--url http://127.0.0.1:7860]

Without --url it starts the app itself (tiny-random, 127.0.0.1, a free port).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.utils import Status  # noqa: E402

SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.wav"))


@dataclass(frozen=True)
class Request:
    session: int
    audio: Path
    instruction: str
    seed: int


@dataclass
class Outcome:
    text: str | None = None
    error: str | None = None
    latency_s: float = 0.0
    service_s: float = 0.0
    best_rank: int | None = None


def requests(count: int) -> list[Request]:
    return [Request(i, SAMPLES[i % len(SAMPLES)], f"Session {i}: what is said in this recording?", 1000 + i)
            for i in range(count)]


def ask(client: Client, request: Request, max_new_tokens: int) -> Outcome:
    started = time.perf_counter()
    outcome = Outcome()
    try:
        job = client.submit(handle_file(str(request.audio)), request.instruction, 0.5, 1.0, max_new_tokens,
                            request.seed, False, api_name="/ask")
        text, stats = job.result(timeout=600)
        outcome.text, outcome.service_s = text, stats["total_s"]
        ranks = []
        while not job.communicator.updates.empty():
            update = job.communicator.updates.get_nowait()
            if getattr(update, "code", None) == Status.IN_QUEUE and update.rank is not None:
                ranks.append(update.rank)
        outcome.best_rank = max(ranks) if ranks else 0
    except Exception as error:  # every failure is counted and reported, none stops the run
        outcome.error = f"{type(error).__name__}: {error}"
    outcome.latency_s = time.perf_counter() - started
    return outcome


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def start_app() -> tuple[str, object]:
    from app.service import ModelService
    from app.ui import build_ui, launch

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = build_ui(ModelService("tiny-random", device="cpu"))
    _, url, _ = launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    return url, demo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--url", help="an app that is already running (default: start one with tiny-random)")
    args = parser.parse_args()
    url, demo = (args.url, None) if args.url else start_app()
    todo = requests(args.sessions)
    try:
        print(f"app: {url}; {args.sessions} sessions, {args.max_new_tokens} new tokens each")
        solo = Client(url, verbose=False)
        expected = [ask(solo, r, args.max_new_tokens) for r in todo]
        if any(o.error for o in expected):
            print(f"error: a request failed when asked alone: {next(o.error for o in expected if o.error)}")
            return 1
        clients = [Client(url, verbose=False) for _ in todo]
        barrier = threading.Barrier(len(todo))

        def concurrent(pair: tuple[Client, Request]) -> Outcome:
            barrier.wait()
            return ask(pair[0], pair[1], args.max_new_tokens)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            outcomes = list(pool.map(concurrent, zip(clients, todo)))
        wall = time.perf_counter() - started
    finally:
        if demo is not None:
            demo.close()

    errors = [(r.session, o.error) for r, o in zip(todo, outcomes) if o.error]
    wrong = [r.session for r, o, e in zip(todo, outcomes, expected) if not o.error and o.text != e.text]
    latencies = [o.latency_s for o in outcomes if not o.error]
    distinct = len({e.text for e in expected})
    print(f"answered: {len(latencies)}/{len(todo)}; errors: {len(errors)}; "
          f"answers differing from the session's solo answer: {len(wrong)} "
          f"({distinct} distinct solo answers, so a mix-up would show)")
    if latencies:
        print(f"latency p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
              f"max {max(latencies):.2f} s; mean service time {statistics.mean(o.service_s for o in outcomes if not o.error):.3f} s; "
              f"wall {wall:.2f} s ({len(latencies) / wall:.2f} answers/s)")
        print(f"solo latency p50 {percentile([e.latency_s for e in expected], 0.5):.2f} s; "
              f"highest queue position reported: {max(o.best_rank or 0 for o in outcomes)}")
    for session, error in errors:
        print(f"  session {session}: {error}")
    return 1 if errors or wrong or len(latencies) != len(todo) else 0


if __name__ == "__main__":
    sys.exit(main())
